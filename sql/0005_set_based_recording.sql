-- Decisions written a batch at a time. kyc.record_automated_results used to walk its batch one
-- application at a time, and kyc.record_decision wrote one decision at a time: for a batch of 50 that is
-- some 1,000 single-row statements, each with its own foreign-key checks, and most of the daemon's
-- database time (issue 8's profile). Both now go through kyc.write_decisions, which writes any number of
-- decisions with one statement per table. It stays the one way a decision is made: reviewers' single
-- decisions pass through it too.

-- Writes decisions: [{application_id, outcome, reason_code, decided_by, note, attempts_remaining,
-- retry_after, applicant_message, confirmed_by, policy_version}]. For each, in this transaction: the
-- application's status, the decision, its outbox email and its audit entry. Not granted to anybody; the
-- product's functions call it.
CREATE FUNCTION kyc.write_decisions(p_decisions jsonb) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_policy_version integer;
BEGIN
    IF EXISTS (SELECT 1
               FROM jsonb_to_recordset(p_decisions) AS d(outcome text, reason_code text)
               LEFT JOIN kyc.reason_codes r ON r.code = d.reason_code
               WHERE d.outcome = 'denied' AND r.code IS NULL) THEN
        RAISE EXCEPTION 'unknown reason code' USING ERRCODE = '22023';
    END IF;
    SELECT version INTO v_policy_version FROM kyc.current_policy();

    UPDATE kyc.applications a
    SET status = d.outcome, status_changed_at = now(), lease_holder = NULL, lease_expires_at = NULL
    FROM jsonb_to_recordset(p_decisions) AS d(application_id bigint, outcome text)
    WHERE a.id = d.application_id
      -- A row already in its decided state (the daemon's batch sets it with its results) is not rewritten.
      AND (a.status IS DISTINCT FROM d.outcome OR a.status_changed_at IS DISTINCT FROM now()
           OR a.lease_holder IS NOT NULL OR a.lease_expires_at IS NOT NULL);

    INSERT INTO kyc.decisions (application_id, outcome, reason_code, decided_by, note, final,
                               attempts_remaining, retry_after, applicant_message, confirmed_by, policy_version)
    SELECT d.application_id, d.outcome, d.reason_code, d.decided_by, d.note, coalesce(r.final, false),
           CASE WHEN r.final THEN NULL ELSE d.attempts_remaining END,
           CASE WHEN r.final THEN NULL ELSE d.retry_after END,
           d.applicant_message, d.confirmed_by, coalesce(d.policy_version, v_policy_version)
    FROM jsonb_to_recordset(p_decisions)
         AS d(application_id bigint, outcome text, reason_code text, decided_by text, note text,
              attempts_remaining integer, retry_after timestamptz, applicant_message text, confirmed_by text,
              policy_version integer)
    LEFT JOIN kyc.reason_codes r ON d.outcome = 'denied' AND r.code = d.reason_code
    ORDER BY d.application_id;

    INSERT INTO kyc.email_outbox (application_id, kind, recipient, locale, message_id)
    SELECT d.application_id, CASE d.outcome WHEN 'approved' THEN 'approval' ELSE 'denial' END,
           a.email, a.locale,
           format('<kyc.%s.%s@kyc-review>', d.application_id,
                  substr(md5(random()::text || clock_timestamp()::text), 1, 16))
    FROM jsonb_to_recordset(p_decisions) AS d(application_id bigint, outcome text)
    JOIN kyc.applications a ON a.id = d.application_id
    ORDER BY d.application_id;

    INSERT INTO kyc.audit_log (actor, action, application_id, account_id, details)
    SELECT coalesce(d.confirmed_by, d.decided_by), 'decided', d.application_id, a.account_id,
           jsonb_strip_nulls(jsonb_build_object('outcome', d.outcome, 'reason_code', d.reason_code,
                                                'note', d.note, 'applicant_message', d.applicant_message,
                                                'proposed_by', CASE WHEN d.confirmed_by IS NOT NULL
                                                                    THEN d.decided_by END))
    FROM jsonb_to_recordset(p_decisions)
         AS d(application_id bigint, outcome text, reason_code text, decided_by text, note text,
              applicant_message text, confirmed_by text)
    JOIN kyc.applications a ON a.id = d.application_id
    ORDER BY d.application_id;

    -- One wake-up per transaction, however many decisions it holds: PostgreSQL folds identical
    -- notifications of a transaction into one, and the mailer claims whatever is due.
    PERFORM pg_notify('kyc_outbox', '');
END
$$;

-- A reviewer's (or a confirmed proposal's) single decision: the same writer as the daemon's batches.
CREATE OR REPLACE FUNCTION kyc.record_decision(
    p_application_id bigint,
    p_outcome text,
    p_reason_code text,
    p_decided_by text,
    p_note text,
    p_attempts_remaining integer,
    p_retry_after timestamptz,
    p_applicant_message text DEFAULT NULL,
    p_confirmed_by text DEFAULT NULL,
    p_policy_version integer DEFAULT NULL
) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM kyc.write_decisions(jsonb_build_array(jsonb_build_object(
        'application_id', p_application_id, 'outcome', p_outcome, 'reason_code', p_reason_code,
        'decided_by', p_decided_by, 'note', p_note, 'attempts_remaining', p_attempts_remaining,
        'retry_after', p_retry_after, 'applicant_message', p_applicant_message,
        'confirmed_by', p_confirmed_by, 'policy_version', p_policy_version)));
END
$$;

-- The daemon's batch, same document and meaning as before ([{application_id, checks, outcome, reason_code,
-- attempts_remaining, retry_after, policy_version, duplicate_documents}]), now one statement per table.
-- Only applications `instance` still holds in 'checking' are recorded: one whose lease ran out and was
-- rescued by another instance is skipped, and checked (once) by the other. Returns how many it recorded.
CREATE OR REPLACE FUNCTION kyc.record_automated_results(results jsonb, instance text) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_held bigint[];
    v_decisions jsonb;
BEGIN
    v_held := ARRAY(
        SELECT a.id FROM kyc.applications a
        WHERE a.id IN (SELECT (r ->> 'application_id')::bigint FROM jsonb_array_elements(results) r)
          AND a.lease_holder = instance AND a.status = 'checking'
        ORDER BY a.id
        FOR UPDATE);
    IF cardinality(v_held) = 0 THEN
        RETURN 0;
    END IF;

    INSERT INTO kyc.check_results (application_id, name, outcome, reason_code, evidence)
    SELECT (r ->> 'application_id')::bigint, c ->> 'name', c ->> 'outcome', c ->> 'reason_code', c ->> 'evidence'
    FROM jsonb_array_elements(results) r, jsonb_array_elements(r -> 'checks') c
    WHERE (r ->> 'application_id')::bigint = ANY (v_held);

    UPDATE kyc.applications a
    SET lease_holder = NULL, lease_expires_at = NULL,
        automated_verdict = r.outcome || coalesce(':' || r.reason_code, ''),
        policy_version = r.policy_version,
        duplicate_documents = r.duplicate_documents,
        -- The decision's status too, so that kyc.write_decisions finds it set and the row is rewritten
        -- once rather than twice.
        status = r.outcome,
        status_changed_at = now()
    FROM jsonb_to_recordset(results)
         AS r(application_id bigint, outcome text, reason_code text, policy_version integer,
              duplicate_documents integer)
    WHERE a.id = r.application_id AND a.id = ANY (v_held);

    INSERT INTO kyc.audit_log (actor, action, application_id, account_id)
    SELECT 'auto', 'routed_to_review', a.id, a.account_id
    FROM jsonb_to_recordset(results) AS r(application_id bigint, outcome text)
    JOIN kyc.applications a ON a.id = r.application_id
    WHERE r.outcome = 'in_review' AND a.id = ANY (v_held)
    ORDER BY r.application_id;

    SELECT jsonb_agg(jsonb_build_object(
               'application_id', r.application_id, 'outcome', r.outcome, 'reason_code', r.reason_code,
               'decided_by', 'auto', 'attempts_remaining', r.attempts_remaining, 'retry_after', r.retry_after,
               'policy_version', r.policy_version) ORDER BY r.application_id)
    INTO v_decisions
    FROM jsonb_to_recordset(results)
         AS r(application_id bigint, outcome text, reason_code text, attempts_remaining integer,
              retry_after timestamptz, policy_version integer)
    WHERE r.outcome <> 'in_review' AND r.application_id = ANY (v_held);
    IF v_decisions IS NOT NULL THEN
        PERFORM kyc.write_decisions(v_decisions);
    END IF;
    RETURN cardinality(v_held);
END
$$;

REVOKE ALL ON FUNCTION kyc.write_decisions(jsonb) FROM PUBLIC;

-- kyc.claim_identified claimed in one statement and read the claimed rows' document and identifiers in
-- the same statement, under that statement's snapshot. An application whose intake committed after the
-- statement began but before kyc.claim_for_checks looked for work was claimed (its own statements see it)
-- yet missing from the join: left in 'checking' until its lease ran out, a minute later (found by issue
-- 8's pickup-latency benchmark: about 1.5% of submissions arriving every 10 ms). Now the claim is one
-- statement and the read another, which sees everything the claim saw.
CREATE TYPE kyc.claimed_application AS (
    application_id bigint,
    payload jsonb,
    submitted_at timestamptz,
    session_started_at timestamptz,
    earlier_submissions timestamptz[],
    recent_denials timestamptz[],
    duplicate_documents integer
);

CREATE OR REPLACE FUNCTION kyc.claim_identified(batch_size integer, lease_seconds integer, instance text,
                                                max_attempts integer DEFAULT 3)
RETURNS TABLE (
    application_id bigint,
    account_id text,
    payload jsonb,
    submitted_at timestamptz,
    session_started_at timestamptz,
    earlier_submissions timestamptz[],
    recent_denials timestamptz[],
    issuing_country text,
    document_type text,
    document_number text,
    mrz text
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_claimed kyc.claimed_application[];
BEGIN
    v_claimed := ARRAY(SELECT ROW(c.*)::kyc.claimed_application
                       FROM kyc.claim_for_checks(batch_size, lease_seconds, instance, max_attempts) c);
    RETURN QUERY
    SELECT c.application_id, a.account_id, c.payload, c.submitted_at, c.session_started_at,
           c.earlier_submissions, c.recent_denials,
           a.issuing_country, a.document_type, u.document_number, u.mrz
    FROM unnest(v_claimed) c
    JOIN kyc.applications a ON a.id = c.application_id
    LEFT JOIN kyc.identifiers_awaiting_seal u ON u.application_id = c.application_id
    ORDER BY c.application_id;
END
$$;

-- Delivery results, now recorded as each SMTP reply arrives (the mailer's DeliveryRecorder) rather than
-- a batch at a time: one statement for the outbox rows and one for their audit entries instead of a loop.
-- The shorter the write, the fewer emails a crash finds accepted by the server but not yet marked sent.
CREATE OR REPLACE FUNCTION kyc.record_email_results(results jsonb) RETURNS integer
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
