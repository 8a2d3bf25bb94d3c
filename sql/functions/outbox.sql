-- Delivery results, now recorded as each SMTP reply arrives (the mailer's DeliveryRecorder) rather than
-- a batch at a time: one statement for the outbox rows and one for their audit entries instead of a loop.
-- The shorter the write, the fewer emails a crash finds accepted by the server but not yet marked sent.
CREATE FUNCTION kyc.record_email_results(results jsonb) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    WITH r AS (
        SELECT * FROM jsonb_to_recordset(results)
                      AS r(outbox_id bigint, status text, reply text, next_attempt_at timestamptz)
    ), updated AS (
        UPDATE kyc.email_outbox o SET
            status = CASE r.status WHEN 'retry' THEN 'pending' ELSE r.status END,
            last_reply = left(r.reply, 1000),
            sent_at = CASE WHEN r.status = 'sent' THEN now() END,
            failed_at = CASE WHEN r.status = 'failed' THEN now() END,
            next_attempt_at = coalesce(r.next_attempt_at, o.next_attempt_at)
        FROM r
        WHERE o.id = r.outbox_id AND o.status = 'pending'
        RETURNING o.id, o.status, o.application_id, o.message_id, o.attempts
    )
    INSERT INTO kyc.audit_log (actor, action, application_id, details)
    SELECT 'auto', 'email_' || u.status, u.application_id,
           jsonb_build_object('message_id', u.message_id, 'attempts', u.attempts)
    FROM updated u
    WHERE u.status <> 'pending'
    ORDER BY u.id;
    RETURN jsonb_array_length(results);
END
$$;

-- Claims up to batch_size due emails: each claim counts as an attempt and leases the row for
-- lease_seconds, so an email whose sender crashed is retried when the lease runs out. A denial comes with
-- the figures its email states (the attempt window, the session window, the minimum age) from the policy
-- version its decision was made under (CONTRACT §11: the email's figures follow the policy), one read of
-- each, so a policy published later does not change what an earlier decision's email says; a decision that
-- names no version, or one no longer there, is told with the policy in force.
CREATE FUNCTION kyc.claim_due_emails(batch_size integer, lease_seconds integer)
RETURNS TABLE (
    outbox_id bigint,
    application_id bigint,
    kind text,
    recipient text,
    locale text,
    message_id text,
    attempts integer,
    created_at timestamptz,
    reason_code text,
    final boolean,
    attempts_remaining integer,
    retry_after timestamptz,
    applicant_message text,
    first_name text,
    last_name text,
    attempt_window_seconds integer,
    session_window_seconds integer,
    minimum_age integer
)
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH due AS (
        SELECT id FROM kyc.email_outbox
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at, id
        LIMIT batch_size
        FOR UPDATE SKIP LOCKED
    ), figures AS MATERIALIZED (
        -- A denial's figures, read once per policy version in the batch (usually one), not once per email
        -- (MATERIALIZED: inlined, the planner evaluated them once per row):
        -- kyc.policy_version_setting costs about 0.1 ms a call, three calls an email halved the mailer.
        SELECT v.version,
               (kyc.policy_version_setting(v.version, 'attempt_window_seconds') #>> '{}')::integer AS attempt_window,
               (kyc.policy_version_setting(v.version, 'session_window_seconds') #>> '{}')::integer AS session_window,
               (kyc.policy_version_setting(v.version, 'minimum_age') #>> '{}')::integer AS minimum_age
        FROM (SELECT DISTINCT p.version
              FROM due
              JOIN kyc.email_outbox o ON o.id = due.id AND o.kind = 'denial'
              JOIN kyc.decisions d ON d.application_id = o.application_id
              LEFT JOIN kyc.policy_versions p ON p.version = d.policy_version) v
    )
    UPDATE kyc.email_outbox o
    SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => lease_seconds)
    FROM due, kyc.decisions d LEFT JOIN kyc.policy_versions p ON p.version = d.policy_version
         LEFT JOIN figures f ON f.version IS NOT DISTINCT FROM p.version, kyc.applications a
    WHERE o.id = due.id AND d.application_id = o.application_id AND a.id = o.application_id
    RETURNING o.id, o.application_id, o.kind, o.recipient, o.locale, o.message_id, o.attempts, o.created_at,
              d.reason_code, d.final, d.attempts_remaining, d.retry_after, d.applicant_message,
              a.payload #>> '{basic_info,first_name}', a.payload #>> '{basic_info,last_name}',
              CASE WHEN o.kind = 'denial' THEN f.attempt_window END,
              CASE WHEN o.kind = 'denial' THEN f.session_window END,
              CASE WHEN o.kind = 'denial' THEN f.minimum_age END
$$;

-- Emails that gave up for a reason since fixed (a wrong password before the fix that keeps such emails
-- pending, a mailbox restored): back to pending, due now, the mailer woken. Audited per email; an email whose
-- recipient was erased by a purge stays failed. The operator's (schema owner's) command, `kyc-review mail
-- retry-failed [--since TIME]`; returns how many were re-queued.
CREATE FUNCTION kyc.retry_failed_emails(p_since timestamptz) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count integer;
BEGIN
    WITH requeued AS (
        UPDATE kyc.email_outbox
        SET status = 'pending', failed_at = NULL, next_attempt_at = now()
        WHERE status = 'failed' AND failed_at >= coalesce(p_since, '-infinity') AND recipient IS NOT NULL
        RETURNING id, application_id, message_id, attempts
    )
    INSERT INTO kyc.audit_log (actor, action, application_id, details)
    SELECT session_user, 'email_requeued', application_id,
           jsonb_build_object('message_id', message_id, 'attempts', attempts)
    FROM requeued ORDER BY id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count > 0 THEN
        PERFORM pg_notify('kyc_outbox', '');
    END IF;
    RETURN v_count;
END
$$;

-- Who may call what.
GRANT EXECUTE ON FUNCTION kyc.record_email_results(jsonb) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.claim_due_emails(integer, integer) TO kyc_daemon;
