-- A reviewer's (or a confirmed proposal's) single decision: the same writer as the daemon's batches.
CREATE FUNCTION kyc.record_decision(
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

-- What a denial tells the applicant about trying again (CONTRACT §5), for reviewer decisions: attempts
-- left in the window up to and including this submission, or the time the limit or a cooldown frees.
CREATE FUNCTION kyc.retry_facts(p_application_id bigint, OUT attempts_remaining integer, OUT retry_after timestamptz)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
-- The same rule as KYCDomain.AttemptLimit.retry, under the current policy's figures (kyc.policy_setting,
-- CONTRACT §8), with attempts counted at the moment intake received them. RuleOwnerTests.AttemptLimitRule
-- runs both on one table of cases.
DECLARE
    v_app kyc.applications;
    v_limit integer;
    v_window interval;
    v_cooldown interval;
    v_times timestamptz[];
    v_denials timestamptz[];
    v_cooldown_end timestamptz;
BEGIN
    SELECT * INTO v_app FROM kyc.applications WHERE id = p_application_id;
    v_limit := (kyc.policy_setting('attempts_per_day') #>> '{}')::integer;
    v_window := kyc.policy_interval('attempt_window_seconds');
    v_cooldown := kyc.policy_interval('cooldown_seconds');

    -- This application and the account's others received in the window before it, attempt_limit denials
    -- not counted.
    SELECT array_agg(p.received_at ORDER BY p.received_at) INTO v_times
    FROM kyc.applications p LEFT JOIN kyc.decisions d ON d.application_id = p.id
    WHERE p.account_id = v_app.account_id
      AND p.received_at > v_app.received_at - v_window AND p.received_at <= v_app.received_at
      AND d.reason_code IS DISTINCT FROM 'attempt_limit';
    attempts_remaining := greatest(0, v_limit - coalesce(cardinality(v_times), 0));
    IF attempts_remaining = 0 THEN
        retry_after := v_times[cardinality(v_times) - v_limit + 1] + v_window;
    END IF;

    -- The denials that could still hold a cooldown, and this one, now: a cooldown follows every denial that
    -- is the limit-th within one window.
    SELECT array_agg(t ORDER BY t) INTO v_denials FROM (
        SELECT d.decided_at AS t
        FROM kyc.applications p JOIN kyc.decisions d ON d.application_id = p.id
        WHERE p.account_id = v_app.account_id AND d.outcome = 'denied' AND d.reason_code <> 'attempt_limit'
          AND d.decided_at > now() - (v_window + v_cooldown) AND d.decided_at <= now()
        UNION ALL
        SELECT now()) denials;
    FOR i IN v_limit .. cardinality(v_denials) LOOP
        IF v_denials[i] - v_denials[i - v_limit + 1] < v_window THEN
            v_cooldown_end := v_denials[i] + v_cooldown;
        END IF;
    END LOOP;
    IF v_cooldown_end > now() THEN
        retry_after := greatest(retry_after, v_cooldown_end);
    END IF;
END
$$;

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

    -- The note and the applicant's message stay out of the append-only trail, which references them, so
    -- that the purge can erase them (kyc.keep_free_text).
    WITH d AS (
        SELECT * FROM jsonb_to_recordset(p_decisions)
                      AS d(application_id bigint, outcome text, reason_code text, decided_by text, note text,
                           applicant_message text, confirmed_by text)
    ), texts AS (
        INSERT INTO kyc.free_texts (application_id, kind, text)
        SELECT d.application_id, t.kind, t.text
        FROM d CROSS JOIN LATERAL (VALUES ('note', d.note), ('applicant_message', d.applicant_message)) AS t(kind, text)
        WHERE t.text IS NOT NULL
        RETURNING id, application_id, kind
    )
    INSERT INTO kyc.audit_log (actor, action, application_id, account_id, details)
    SELECT coalesce(d.confirmed_by, d.decided_by), 'decided', d.application_id, a.account_id,
           jsonb_strip_nulls(jsonb_build_object('outcome', d.outcome, 'reason_code', d.reason_code,
                                                'note_id', n.id, 'applicant_message_id', m.id,
                                                'proposed_by', CASE WHEN d.confirmed_by IS NOT NULL
                                                                    THEN d.decided_by END))
    FROM d
    JOIN kyc.applications a ON a.id = d.application_id
    LEFT JOIN texts n ON n.application_id = d.application_id AND n.kind = 'note'
    LEFT JOIN texts m ON m.application_id = d.application_id AND m.kind = 'applicant_message'
    ORDER BY d.application_id;

    -- One wake-up per transaction, however many decisions it holds: PostgreSQL folds identical
    -- notifications of a transaction into one, and the mailer claims whatever is due.
    PERFORM pg_notify('kyc_outbox', '');
END
$$;
