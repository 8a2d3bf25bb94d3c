public import KYCPostgres

/// A known data set, written directly as the owner with times relative to now.
public let knownReportData: SQL = """
    INSERT INTO kyc.accounts (account_id, basic_info) SELECT 'acct-' || g, '{}' FROM generate_series(1, 20) g;
    INSERT INTO kyc.applications (id, account_id, status, email, locale, document_type, issuing_country,
                                  document_number, session_started_at, submitted_at, status_changed_at, payload)
    OVERRIDING SYSTEM VALUE
    SELECT s.n, 'acct-' || s.n, s.status, 'a@example.com', 'en', 'passport', 'GB', 'N' || s.n,
           now() - s.age - interval '5 minutes', now() - s.age, now() - s.age + interval '1 minute', '{}'
    FROM (VALUES
        (1, 'submitted', interval '1 minute'), (2, 'submitted', interval '2 minutes'),
        (3, 'checking', interval '1 minute'),
        (4, 'in_review', interval '26 hours'), (5, 'in_review', interval '30 hours'), (6, 'in_review', interval '2 hours'),
        (7, 'approved', interval '3 hours'), (8, 'approved', interval '3 hours'), (9, 'approved', interval '3 hours'),
        (10, 'approved', interval '5 hours'), (11, 'denied', interval '3 hours'), (12, 'denied', interval '3 hours'),
        (13, 'denied', interval '3 hours'), (14, 'approved', interval '50 hours')
    ) AS s(n, status, age);
    -- Decided 10 minutes after submission, except 10 (by alice, an hour after submission, leased 20 minutes
    -- before she decided) and 14 (two days ago: outside the window).
    INSERT INTO kyc.decisions (application_id, outcome, reason_code, decided_by, decided_at, retry_after)
    SELECT a.id, a.status, d.reason, d.by, a.submitted_at + d.after, d.retry
    FROM kyc.applications a JOIN (VALUES
        (7, NULL, 'auto', interval '10 minutes', NULL::timestamptz), (8, NULL, 'auto', interval '10 minutes', NULL),
        (9, NULL, 'auto', interval '10 minutes', NULL), (10, NULL, 'alice', interval '1 hour', NULL),
        (11, 'document_expired', 'auto', interval '10 minutes', NULL),
        (12, 'document_expired', 'auto', interval '10 minutes', NULL),
        (13, 'attempt_limit', 'auto', interval '10 minutes', now() + interval '5 hours'),
        (14, NULL, 'auto', interval '10 minutes', NULL)
    ) AS d(id, reason, by, after, retry) ON d.id = a.id;
    INSERT INTO kyc.audit_log (actor, action, application_id, at)
    SELECT 'alice', 'leased', 10, decided_at - interval '20 minutes' FROM kyc.decisions WHERE application_id = 10;
    INSERT INTO kyc.email_outbox (application_id, kind, recipient, locale, message_id, status, created_at, sent_at, failed_at)
    SELECT d.application_id, CASE d.outcome WHEN 'approved' THEN 'approval' ELSE 'denial' END, 'a@example.com', 'en',
           '<m' || d.application_id || '@x>', e.status, d.decided_at, e.sent, e.failed
    FROM kyc.decisions d JOIN (VALUES
        (7, 'sent', now() - interval '1 hour', NULL::timestamptz), (8, 'sent', now() - interval '1 hour', NULL),
        (9, 'pending', NULL, NULL), (10, 'sent', now() - interval '1 hour', NULL),
        (11, 'failed', NULL, now() - interval '1 hour'), (12, 'sent', now() - interval '1 hour', NULL),
        (13, 'sent', now() - interval '1 hour', NULL), (14, 'sent', now() - interval '49 hours', NULL)
    ) AS e(id, status, sent, failed) ON e.id = d.application_id;
    INSERT INTO kyc.check_results (application_id, name, outcome, reason_code, evidence, recorded_at)
    VALUES (7, 'face_match', 'pass', NULL, '', now() - interval '2 hours'),
           (11, 'document_expiry', 'fail', 'document_expired', '', now() - interval '2 hours'),
           (6, 'liveness', 'refer', NULL, '', now() - interval '2 hours'),
           (14, 'face_match', 'pass', NULL, '', now() - interval '49 hours');
    """

