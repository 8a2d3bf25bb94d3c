-- Generates :count applications decided over the last two years, with their eleven check results,
-- decisions, emails and audit entries, directly as the schema owner: the history a report must not scan.
-- A handful are in review and waiting, as a live queue would be.
--
--   psql "$KYC_DATABASE_URL" -v count=1000000 -f bench/generate-history.sql

\set ON_ERROR_STOP on
SET synchronous_commit = off;

CREATE TEMP TABLE history AS
SELECT g,
       'hist-' || g AS account_id,
       now() - make_interval(secs => (g::double precision / :count) * 730 * 86400) AS submitted_at,
       CASE WHEN g % 10 < 7 THEN 'approved' WHEN g % 10 < 9 THEN 'denied' ELSE 'reviewed' END AS kind
FROM generate_series(1, :count) AS g;

INSERT INTO kyc.accounts (account_id, basic_info) SELECT account_id, '{}' FROM history;

INSERT INTO kyc.applications (account_id, status, email, locale, document_type, issuing_country, document_number,
                              session_started_at, submitted_at, status_changed_at, payload, automated_verdict,
                              policy_version, duplicate_documents)
SELECT account_id,
       CASE kind WHEN 'denied' THEN 'denied' ELSE 'approved' END,
       account_id || '@example.com', 'en', 'passport', 'GB', 'H' || g,
       submitted_at - interval '9 minutes', submitted_at,
       submitted_at + CASE kind WHEN 'reviewed' THEN interval '3 hours' ELSE interval '2 seconds' END,
       '{}',
       CASE kind WHEN 'approved' THEN 'approved' WHEN 'denied' THEN 'denied:face_mismatch' ELSE 'in_review' END,
       1, 0
FROM history;

INSERT INTO kyc.check_results (application_id, name, outcome, reason_code, evidence, recorded_at)
SELECT a.id, c.name,
       CASE WHEN c.name = 'face_match' AND a.automated_verdict = 'denied:face_mismatch' THEN 'fail'
            WHEN c.name = 'face_match' AND a.automated_verdict = 'in_review' THEN 'refer' ELSE 'pass' END,
       CASE WHEN c.name = 'face_match' AND a.automated_verdict = 'denied:face_mismatch' THEN 'face_mismatch' END,
       'generated', a.submitted_at + interval '1 second'
FROM kyc.applications a
CROSS JOIN unnest(ARRAY['session_window', 'attempt_limit', 'document_type', 'document_expiry', 'image_quality', 'mrz',
                        'data_consistency', 'age', 'liveness', 'face_match', 'duplicate_document']) AS c(name)
WHERE a.account_id LIKE 'hist-%';

INSERT INTO kyc.decisions (application_id, outcome, reason_code, decided_by, decided_at, attempts_remaining, policy_version)
SELECT id, status, CASE status WHEN 'denied' THEN 'face_mismatch' END,
       CASE automated_verdict WHEN 'in_review' THEN 'reviewer_' || (id % 5) ELSE 'auto' END,
       status_changed_at, CASE status WHEN 'denied' THEN 9 END, 1
FROM kyc.applications WHERE account_id LIKE 'hist-%';

INSERT INTO kyc.email_outbox (application_id, kind, recipient, locale, message_id, status, attempts, created_at, sent_at)
SELECT d.application_id, CASE d.outcome WHEN 'approved' THEN 'approval' ELSE 'denial' END, 'h@example.com', 'en',
       '<hist.' || d.application_id || '@kyc-review>', 'sent', 1, d.decided_at, d.decided_at + interval '1 second'
FROM kyc.decisions d JOIN kyc.applications a ON a.id = d.application_id WHERE a.account_id LIKE 'hist-%';

INSERT INTO kyc.audit_log (actor, action, application_id, at)
SELECT 'intake', 'submitted', id, submitted_at FROM kyc.applications WHERE account_id LIKE 'hist-%'
UNION ALL
SELECT decided_by, 'leased', application_id, decided_at - interval '20 minutes' FROM kyc.decisions WHERE decided_by LIKE 'reviewer_%'
UNION ALL
SELECT decided_by, 'decided', application_id, decided_at FROM kyc.decisions WHERE decided_by <> 'x';

-- A live queue: a few waiting and in review, two of them past the 24-hour SLA.
INSERT INTO kyc.accounts (account_id, basic_info) SELECT 'live-' || g, '{}' FROM generate_series(1, 20) g;
INSERT INTO kyc.applications (account_id, status, email, locale, document_type, issuing_country, document_number,
                              session_started_at, submitted_at, status_changed_at, payload)
SELECT 'live-' || g, CASE WHEN g <= 5 THEN 'submitted' ELSE 'in_review' END, 'l@example.com', 'en', 'passport', 'GB',
       'L' || g, now() - make_interval(hours => g * 2), now() - make_interval(hours => g * 2),
       now() - make_interval(hours => g * 2), '{}'
FROM generate_series(1, 20) g;

ANALYZE;
SELECT (SELECT count(*) FROM kyc.applications) AS applications, (SELECT count(*) FROM kyc.check_results) AS checks,
       (SELECT count(*) FROM kyc.decisions) AS decisions, (SELECT count(*) FROM kyc.email_outbox) AS emails;
