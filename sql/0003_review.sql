-- Reviewers (CONTRACT §4, §7): leases on in-review cases, decisions, the audited basic-info unlock, and the
-- report. A reviewer is any role that is a member of kyc_reviewer; it acts only through these functions,
-- which check the caller, the state and the lease, and write through kyc.record_decision.

ALTER TABLE kyc.applications
    ADD COLUMN lease_holder text,
    ADD COLUMN lease_expires_at timestamptz;

CREATE FUNCTION kyc.require_reviewer() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pg_has_role(session_user, 'kyc_reviewer', 'MEMBER') THEN
        RAISE EXCEPTION 'not permitted: % is not a reviewer', session_user USING ERRCODE = '42501';
    END IF;
END
$$;

-- Leases the oldest in-review case that nobody holds (or whose lease ran out) to the caller; a caller
-- who already holds a live lease gets that case back, renewed. Returns the id, or NULL when none waits.
CREATE FUNCTION kyc.lease_next_case(lease_seconds integer) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM kyc.require_reviewer();
    SELECT id INTO v_id FROM kyc.applications
    WHERE status = 'in_review' AND lease_holder = session_user AND lease_expires_at > now()
    ORDER BY status_changed_at, id LIMIT 1
    FOR UPDATE SKIP LOCKED;
    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM kyc.applications
        WHERE status = 'in_review' AND (lease_holder IS NULL OR lease_expires_at <= now())
        ORDER BY status_changed_at, id LIMIT 1
        FOR UPDATE SKIP LOCKED;
    END IF;
    IF v_id IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE kyc.applications
    SET lease_holder = session_user, lease_expires_at = now() + make_interval(secs => lease_seconds)
    WHERE id = v_id;
    INSERT INTO kyc.audit_log (actor, action, application_id, details)
    VALUES (session_user, 'leased', v_id, jsonb_build_object('seconds', lease_seconds));
    RETURN v_id;
END
$$;

-- What a denial tells the applicant about trying again (CONTRACT §5), for reviewer decisions: attempts
-- left in the 24 h up to and including this submission, or the time the limit or a cooldown frees.
-- Mirrors KYCDomain.AttemptLimit with the default policy (10 per 24 h).
CREATE FUNCTION kyc.retry_facts(p_application_id bigint, OUT attempts_remaining integer, OUT retry_after timestamptz)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_app kyc.applications;
    v_times timestamptz[];
    v_denials timestamptz[];
BEGIN
    SELECT * INTO v_app FROM kyc.applications WHERE id = p_application_id;
    SELECT array_agg(p.submitted_at ORDER BY p.submitted_at) INTO v_times
    FROM kyc.applications p LEFT JOIN kyc.decisions d ON d.application_id = p.id
    WHERE p.account_id = v_app.account_id
      AND p.submitted_at > v_app.submitted_at - interval '24 hours' AND p.submitted_at <= v_app.submitted_at
      AND d.reason_code IS DISTINCT FROM 'attempt_limit';
    attempts_remaining := greatest(0, 10 - coalesce(array_length(v_times, 1), 0));
    IF attempts_remaining = 0 THEN
        retry_after := v_times[array_length(v_times, 1) - 9] + interval '24 hours';
    END IF;
    SELECT array_agg(d.decided_at ORDER BY d.decided_at) INTO v_denials
    FROM kyc.applications p JOIN kyc.decisions d ON d.application_id = p.id
    WHERE p.account_id = v_app.account_id AND d.outcome = 'denied' AND d.reason_code <> 'attempt_limit'
      AND d.decided_at > now() - interval '24 hours';
    -- This denial would be the tenth within 24 h: a cooldown of 24 h from now.
    IF coalesce(array_length(v_denials, 1), 0) + 1 >= 10 THEN
        retry_after := greatest(retry_after, now() + interval '24 hours');
    END IF;
END
$$;

-- A reviewer's decision. Refused (55000) when the case is already decided, not in review, or leased to
-- someone else; 42501 when the caller is no reviewer; P0002 for an unknown id; 22023 for an unknown or
-- missing reason code.
CREATE FUNCTION kyc.review_decide(p_application_id bigint, p_outcome text, p_reason_code text, p_note text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_app kyc.applications;
    v_attempts_remaining integer;
    v_retry_after timestamptz;
BEGIN
    PERFORM kyc.require_reviewer();
    IF p_outcome NOT IN ('approved', 'denied') THEN
        RAISE EXCEPTION 'unknown outcome' USING ERRCODE = '22023';
    END IF;
    IF p_outcome = 'denied' AND NOT EXISTS (SELECT FROM kyc.reason_codes WHERE code = p_reason_code) THEN
        RAISE EXCEPTION 'unknown reason code' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO v_app FROM kyc.applications WHERE id = p_application_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no application %', p_application_id USING ERRCODE = 'P0002';
    END IF;
    IF v_app.status IN ('approved', 'denied') THEN
        RAISE EXCEPTION 'refused: application % is already decided', p_application_id USING ERRCODE = '55000';
    END IF;
    IF v_app.status <> 'in_review' THEN
        RAISE EXCEPTION 'refused: application % is not in review', p_application_id USING ERRCODE = '55000';
    END IF;
    IF v_app.lease_holder IS NOT NULL AND v_app.lease_holder <> session_user AND v_app.lease_expires_at > now() THEN
        RAISE EXCEPTION 'refused: application % is leased to another reviewer', p_application_id
            USING ERRCODE = '55000';
    END IF;
    IF p_outcome = 'denied' THEN
        SELECT f.attempts_remaining, f.retry_after INTO v_attempts_remaining, v_retry_after
        FROM kyc.retry_facts(p_application_id) f;
    END IF;
    UPDATE kyc.applications SET lease_holder = NULL, lease_expires_at = NULL WHERE id = p_application_id;
    PERFORM kyc.record_decision(p_application_id, p_outcome, CASE WHEN p_outcome = 'denied' THEN p_reason_code END,
                                session_user, p_note, v_attempts_remaining, v_retry_after);
END
$$;

-- Lets an account's next submission confirm new basic info: audited, with a note saying why.
CREATE FUNCTION kyc.unlock_basic_info(p_account_id text, p_note text) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM kyc.require_reviewer();
    IF p_note IS NULL OR btrim(p_note) = '' THEN
        RAISE EXCEPTION 'a note is required' USING ERRCODE = '22023';
    END IF;
    UPDATE kyc.accounts SET basic_info_unlocked = true WHERE account_id = p_account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such account' USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO kyc.audit_log (actor, action, account_id, details)
    VALUES (session_user, 'basic_info_unlocked', p_account_id, jsonb_build_object('note', p_note));
END
$$;

-- The report (CONTRACT §6): aggregates only, no personal data.
CREATE FUNCTION kyc.report() RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'generated_at', now(),
        'queue', jsonb_build_object(
            'submitted', (SELECT count(*) FROM kyc.applications WHERE status = 'submitted'),
            'checking', (SELECT count(*) FROM kyc.applications WHERE status = 'checking'),
            'in_review', (SELECT count(*) FROM kyc.applications WHERE status = 'in_review')),
        'oldest_in_review_seconds', (
            SELECT floor(extract(epoch FROM now() - min(status_changed_at)))::bigint
            FROM kyc.applications WHERE status = 'in_review'),
        'decided_24h', jsonb_build_object(
            'approved', (SELECT count(*) FROM kyc.decisions
                         WHERE outcome = 'approved' AND decided_at > now() - interval '24 hours'),
            'denied', (SELECT count(*) FROM kyc.decisions
                       WHERE outcome = 'denied' AND decided_at > now() - interval '24 hours'),
            'by_reason', coalesce((
                SELECT jsonb_object_agg(reason_code, n) FROM (
                    SELECT reason_code, count(*) AS n FROM kyc.decisions
                    WHERE outcome = 'denied' AND decided_at > now() - interval '24 hours'
                    GROUP BY reason_code) r), '{}'::jsonb)),
        'email', jsonb_build_object(
            'pending', (SELECT count(*) FROM kyc.email_outbox WHERE status = 'pending'),
            'sent_24h', (SELECT count(*) FROM kyc.email_outbox
                         WHERE status = 'sent' AND sent_at > now() - interval '24 hours'),
            'failed', (SELECT count(*) FROM kyc.email_outbox WHERE status = 'failed')))
$$;

CREATE INDEX email_outbox_sent_at ON kyc.email_outbox (sent_at) WHERE status = 'sent';

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA kyc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kyc.lease_next_case(integer) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.review_decide(bigint, text, text, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.unlock_basic_info(text, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.report() TO kyc_reporter, kyc_reviewer;
