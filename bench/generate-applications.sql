-- Generates :count submitted applications for benchmarks and replay timing, directly as the schema owner
-- (bypassing intake for speed; the documents are those intake would store). A mix that exercises every
-- check: most approve; every twentieth of each kind is late, borderline, mismatched, failed or expired.
--
--   psql "$KYC_DATABASE_URL" -v count=100000 -f bench/generate-applications.sql
--
-- Then run kyc-reviewd until they are decided.

\set ON_ERROR_STOP on

CREATE FUNCTION pg_temp.check_digit(field text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT (sum(CASE WHEN c ~ '[0-9]' THEN c::int WHEN c ~ '[A-Z]' THEN ascii(c) - 55 ELSE 0 END
                * (ARRAY[7, 3, 1])[(i - 1) % 3 + 1]) % 10)::text
    FROM unnest(string_to_array(field, NULL)) WITH ORDINALITY AS t(c, i)
$$;

CREATE TEMP TABLE generated AS
SELECT g,
       'gen-' || :'run' || '-' || g AS account_id,
       CASE WHEN g % 20 BETWEEN 5 AND 9 THEN 'passport' ELSE 'drivers_license' END AS document_type,
       'G' || lpad(g::text, 8, '0') AS number,
       now() - make_interval(secs => g % 3600) AS submitted_at
FROM generate_series(1, :count) AS g;

INSERT INTO kyc.accounts (account_id, basic_info)
SELECT account_id, '{"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-08-12",
                     "nationality": "GB", "country_of_residence": "GB"}'::jsonb
FROM generated;

INSERT INTO kyc.applications (account_id, email, locale, document_type, issuing_country, document_number,
                              session_started_at, submitted_at, payload)
SELECT account_id, account_id || '@example.com', 'en', document_type, 'GB', number,
       submitted_at - CASE WHEN g % 20 = 0 THEN interval '20 minutes' ELSE interval '9 minutes' END,
       submitted_at,
       jsonb_build_object(
           'account_id', account_id, 'email', account_id || '@example.com', 'locale', 'en',
           'basic_info', jsonb_build_object('first_name', 'Ada', 'last_name', 'Lovelace',
                                            'date_of_birth', '1990-08-12', 'nationality', 'GB',
                                            'country_of_residence', 'GB'),
           'document', jsonb_build_object(
               'type', document_type, 'issuing_country', 'GB', 'number', number,
               'expiry_date', CASE WHEN g % 20 = 4 THEN '2020-01-31' ELSE '2031-04-15' END,
               'mrz', CASE WHEN document_type = 'passport' THEN
                   'P<GBRLOVELACE<<ADA<<<<<<<<<<<<<<<<<<<<<<<<<<' || chr(10) || line2 || pg_temp.check_digit(
                       substr(line2, 1, 10) || substr(line2, 14, 7) || substr(line2, 22, 22)) END,
               'images', jsonb_build_array(
                   jsonb_build_object('side', 'front', 'ref', 'media/gen/front.jpg', 'sha256', repeat('ab', 32),
                                      'mime', 'image/jpeg', 'bytes', 482113, 'width', 1920, 'height', 1080),
                   jsonb_build_object('side', 'back', 'ref', 'media/gen/back.jpg', 'sha256', repeat('ab', 32),
                                      'mime', 'image/jpeg', 'bytes', 482113, 'width', 1920, 'height', 1080))),
           'selfie', jsonb_build_object('ref', 'media/gen/selfie.jpg', 'sha256', repeat('cd', 32),
                                        'mime', 'image/jpeg', 'bytes', 210554, 'width', 1280, 'height', 720),
           'face_match_score', CASE g % 20 WHEN 1 THEN 0.75 WHEN 2 THEN 0.5 ELSE 0.97 END,
           'liveness', CASE WHEN g % 20 = 3 THEN 'failed' ELSE 'passed' END,
           'capture_channel', 'web',
           'session_started_at', submitted_at - CASE WHEN g % 20 = 0 THEN interval '20 minutes'
                                                     ELSE interval '9 minutes' END,
           'submitted_at', submitted_at)
FROM generated,
     LATERAL (SELECT number || pg_temp.check_digit(number) || 'GBR' || '900812' || pg_temp.check_digit('900812')
                     || 'F' || '310415' || pg_temp.check_digit('310415') || '<<<<<<<<<<<<<<' || '0' AS line2) m;

SELECT count(*) AS generated FROM generated;
