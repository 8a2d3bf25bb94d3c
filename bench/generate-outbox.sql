-- Generates :count decided applications whose emails wait in the outbox, for the mailer benchmark.
--   psql "$KYC_DATABASE_URL" -v count=20000 -v run=1 -f bench/generate-outbox.sql
\set ON_ERROR_STOP on
SET synchronous_commit = off;
INSERT INTO kyc.accounts (account_id, basic_info) SELECT 'mail-' || :'run' || '-' || g, '{}' FROM generate_series(1, :count) g;
INSERT INTO kyc.applications (account_id, status, email, locale, document_type, issuing_country, document_number,
                              session_started_at, submitted_at, payload)
SELECT 'mail-' || :'run' || '-' || g, 'denied', 'bench' || g || '@example.com', 'en', 'passport', 'GB', 'M' || g,
       now(), now(), '{"basic_info": {"first_name": "Ada", "last_name": "Lovelace"}}'
FROM generate_series(1, :count) g;
INSERT INTO kyc.decisions (application_id, outcome, reason_code, decided_by, attempts_remaining)
SELECT id, 'denied', 'document_expired', 'auto', 9 FROM kyc.applications WHERE account_id LIKE 'mail-' || :'run' || '-%';
INSERT INTO kyc.email_outbox (application_id, kind, recipient, locale, message_id)
SELECT a.id, 'denial', a.email, 'en', '<bench.' || a.id || '@kyc-review>'
FROM kyc.applications a WHERE a.account_id LIKE 'mail-' || :'run' || '-%';
