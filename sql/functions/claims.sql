-- ---------------------------------------------------------------------------------------------------------
-- The daemon's check worker.

-- An application's attempt history, relative to the moment intake received it (so a replay sees what the
-- checks saw): the account's earlier submissions in the attempt window before it, and its denials as far
-- back as one could still hold a cooldown, attempt_limit denials not counted. The window and the cooldown are
-- the policy in force's unless given: `policy replay` gives its candidate's, so a wider candidate window sees
-- the history it would count.
CREATE FUNCTION kyc.attempt_history(p_id bigint, p_account_id text, p_received_at timestamptz,
                                    p_attempt_window interval DEFAULT NULL, p_cooldown interval DEFAULT NULL,
                                    OUT earlier_submissions timestamptz[], OUT recent_denials timestamptz[])
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    -- Counted at the moment intake received each submission (CONTRACT §8), never by its claimed time, over
    -- the attempt window; denials as far back as one could still hold a cooldown.
    WITH policy AS (
        SELECT coalesce(p_attempt_window, kyc.policy_interval('attempt_window_seconds')) AS attempt_window,
               coalesce(p_cooldown, kyc.policy_interval('cooldown_seconds')) AS cooldown
    )
    SELECT
        ARRAY(
            SELECT p.received_at FROM kyc.applications p
            LEFT JOIN kyc.decisions d ON d.application_id = p.id
            WHERE p.account_id = p_account_id AND p.id <> p_id
              AND p.received_at > p_received_at - (SELECT attempt_window FROM policy)
              AND (p.received_at < p_received_at OR (p.received_at = p_received_at AND p.id < p_id))
              AND d.reason_code IS DISTINCT FROM 'attempt_limit'
            ORDER BY p.received_at),
        ARRAY(
            SELECT d.decided_at FROM kyc.applications p
            JOIN kyc.decisions d ON d.application_id = p.id
            WHERE p.account_id = p_account_id AND p.id <> p_id AND d.outcome = 'denied'
              AND d.reason_code <> 'attempt_limit'
              AND d.decided_at > p_received_at - (SELECT attempt_window + cooldown FROM policy)
              AND d.decided_at <= p_received_at
            ORDER BY d.decided_at)
$$;

-- Claims up to batch_size applications for checking, for one daemon instance: first those whose checking
-- lease ran out (their instance died), then waiting ones, oldest first, skipping rows another instance
-- holds. The claim commits on its own, as a lease (who, until when) with the attempt counted, so that a
-- crash while checking leaves a lease that runs out rather than a lost application. An application whose
-- checks have been claimed max_attempts times without a result is parked: routed to review, audited.
--
-- A first rescue goes with its batch (an instance dies for many reasons); one whose lease ran out again is a
-- suspect and is claimed alone, so an application that makes the checks crash reaches max_attempts on its
-- own and is parked alone, never with the batch it first came in (CONTRACT §8).
CREATE FUNCTION kyc.claim_for_checks(batch_size integer, lease_seconds integer, instance text,
                                     max_attempts integer DEFAULT 3)
RETURNS TABLE (application_id bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rescued bigint[];
    v_waiting bigint[] := '{}';
BEGIN
    -- Parked: too many claims without a result.
    WITH parked AS (
        UPDATE kyc.applications
        SET status = 'in_review', status_changed_at = now(), lease_holder = NULL, lease_expires_at = NULL,
            automated_verdict = 'in_review'
        WHERE id IN (SELECT id FROM kyc.applications
                     WHERE status = 'checking' AND lease_expires_at < now() AND check_attempts >= max_attempts
                     ORDER BY lease_expires_at
                     LIMIT batch_size
                     FOR UPDATE SKIP LOCKED)
        RETURNING id, account_id, check_attempts
    )
    INSERT INTO kyc.audit_log (actor, action, application_id, account_id, details)
    SELECT 'auto', 'parked', id, account_id,
           jsonb_build_object('reason', 'the automated checks did not complete', 'attempts', check_attempts)
    FROM parked;

    -- A suspect, alone.
    v_rescued := ARRAY(
        SELECT id FROM kyc.applications
        WHERE status = 'checking' AND lease_expires_at < now() AND check_attempts >= 2
        ORDER BY lease_expires_at
        LIMIT 1
        FOR UPDATE SKIP LOCKED);

    IF cardinality(v_rescued) = 0 THEN
        v_rescued := ARRAY(
            SELECT id FROM kyc.applications
            WHERE status = 'checking' AND lease_expires_at < now() AND check_attempts < 2
            ORDER BY lease_expires_at
            LIMIT batch_size
            FOR UPDATE SKIP LOCKED);
        v_waiting := ARRAY(
            SELECT id FROM kyc.applications
            WHERE status = 'submitted'
            ORDER BY id
            LIMIT greatest(0, batch_size - cardinality(v_rescued))
            FOR UPDATE SKIP LOCKED);
    END IF;

    RETURN QUERY
    UPDATE kyc.applications a
    SET status = 'checking', status_changed_at = now(), lease_holder = instance,
        lease_expires_at = now() + make_interval(secs => lease_seconds), check_attempts = a.check_attempts + 1
    WHERE a.id = ANY (v_rescued || v_waiting)
    RETURNING a.id;
END
$$;

-- The daemon's batch ([{application_id, checks, outcome, reason_code,
-- attempts_remaining, retry_after, policy_version, duplicate_documents}]), now one statement per table.
-- Only applications `instance` still holds in 'checking' are recorded: one whose lease ran out and was
-- rescued by another instance is skipped, and checked (once) by the other. Returns how many it recorded.
-- An application the checks could not evaluate (a stored value they cannot read) comes with `unevaluable`,
-- the reason (a field's name, never its value), and outcome in_review: it goes to review on its own, audited
-- as 'unevaluable' with the reason, while the rest of the batch is recorded as usual.
CREATE FUNCTION kyc.record_automated_results(results jsonb, instance text) RETURNS integer
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

    INSERT INTO kyc.audit_log (actor, action, application_id, account_id, details)
    SELECT 'auto', CASE WHEN r.unevaluable IS NULL THEN 'routed_to_review' ELSE 'unevaluable' END, a.id,
           a.account_id,
           CASE WHEN r.unevaluable IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('reason', r.unevaluable) END
    FROM jsonb_to_recordset(results) AS r(application_id bigint, outcome text, unevaluable text)
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

CREATE FUNCTION kyc.claim_identified(batch_size integer, lease_seconds integer, instance text,
                                     max_attempts integer DEFAULT 3)
RETURNS TABLE (
    application_id bigint,
    account_id text,
    payload jsonb,
    submitted_at timestamptz,
    received_at timestamptz,
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
    v_claimed bigint[];
    -- The policy's window and cooldown, read once for the batch rather than once per application.
    v_attempt_window interval := kyc.policy_interval('attempt_window_seconds');
    v_cooldown interval := kyc.policy_interval('cooldown_seconds');
BEGIN
    -- The claim is one statement and the read another, which sees everything the claim saw: an application
    -- whose intake committed after the claim statement began but before it looked for work is claimed by it
    -- (its own statements see it) and would be missing from a join under the claim's snapshot, left in
    -- 'checking' until its lease ran out (found by issue 8's pickup-latency benchmark).
    v_claimed := ARRAY(SELECT c.application_id FROM kyc.claim_for_checks(batch_size, lease_seconds, instance, max_attempts) c);
    RETURN QUERY
    SELECT a.id, a.account_id, a.payload, a.submitted_at, a.received_at, a.session_started_at,
           h.earlier_submissions, h.recent_denials,
           a.issuing_country, a.document_type, u.document_number, u.mrz
    FROM kyc.applications a
    CROSS JOIN LATERAL kyc.attempt_history(a.id, a.account_id, a.received_at, v_attempt_window, v_cooldown) h
    LEFT JOIN kyc.identifiers_awaiting_seal u ON u.application_id = a.id
    WHERE a.id = ANY (v_claimed)
    ORDER BY a.id;
END
$$;

-- How many other accounts' pending or approved applications carry the same document, for each of
-- [{application_id, fingerprints: [hex, one per key version]}]: sealed ones by fingerprint, those still
-- awaiting their seal by their plaintext, in one statement (one snapshot: nothing counted twice).
CREATE FUNCTION kyc.count_duplicate_documents(p_documents jsonb)
RETURNS TABLE (application_id bigint, duplicates integer)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    -- Other accounts' applications with the same document: approved or undecided ones (CONTRACT §3), and
    -- ones denied for a final reason that their account has not had reopened (§8: a final denial is not
    -- dodged by a new account_id). By fingerprint under every key, and by number for those awaiting their seal.
    WITH final_denials AS (
        SELECT o.id
        FROM kyc.applications o
        JOIN kyc.decisions d ON d.application_id = o.id
        JOIN kyc.reason_codes r ON r.code = d.reason_code AND r.final
        JOIN kyc.accounts acc ON acc.account_id = o.account_id
        WHERE o.status = 'denied' AND d.decided_at > coalesce(acc.reopened_at, '-infinity')
    )
    SELECT a.id,
           ((SELECT count(*) FROM kyc.applications o
             WHERE o.document_fingerprint = ANY (ARRAY(
                       SELECT decode(f, 'hex') FROM jsonb_array_elements_text(e -> 'fingerprints') f))
               AND o.document_fingerprint IS NOT NULL
               AND o.status IN ('submitted', 'checking', 'in_review', 'approved')
               AND o.account_id <> a.account_id)
            + (SELECT count(*) FROM kyc.applications o
               WHERE o.document_fingerprint = ANY (ARRAY(
                         SELECT decode(f, 'hex') FROM jsonb_array_elements_text(e -> 'fingerprints') f))
                 AND o.document_fingerprint IS NOT NULL AND o.status = 'denied'
                 AND o.account_id <> a.account_id AND o.id IN (SELECT id FROM final_denials))
            + (SELECT count(*) FROM kyc.identifiers_awaiting_seal s
               JOIN kyc.applications o ON o.id = s.application_id
               WHERE s.issuing_country = mine.issuing_country AND s.document_type = mine.document_type
                 AND s.document_number = mine.document_number
                 AND (o.status IN ('submitted', 'checking', 'in_review', 'approved')
                      OR o.id IN (SELECT id FROM final_denials))
                 AND o.account_id <> a.account_id))::integer
    FROM jsonb_array_elements(p_documents) e
    JOIN kyc.applications a ON a.id = (e ->> 'application_id')::bigint
    LEFT JOIN kyc.identifiers_awaiting_seal mine ON mine.application_id = a.id
$$;

-- The daemon's record step: results, decisions, outbox and audit (kyc.record_automated_results), then the
-- identifiers sealed, in one transaction.
CREATE FUNCTION kyc.record_checked(p_results jsonb, p_instance text, p_seals jsonb) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_recorded integer;
BEGIN
    v_recorded := kyc.record_automated_results(p_results, p_instance);
    PERFORM kyc.seal_identifiers(p_seals);
    RETURN v_recorded;
END
$$;

-- Who may call what.
GRANT EXECUTE ON FUNCTION kyc.claim_for_checks(integer, integer, text, integer) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.attempt_history(bigint, text, timestamptz, interval, interval) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.record_automated_results(jsonb, text) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.claim_identified(integer, integer, text, integer) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.count_duplicate_documents(jsonb) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.record_checked(jsonb, text, jsonb) TO kyc_daemon;
