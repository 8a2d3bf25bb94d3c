-- Decisions and reviewers (CONTRACT §2, §4, §7): the one function that records any decision, the
-- daemon's automated results and outbox claim, the policy as data, leases on in-review cases, reviewers'
-- decisions with four-eyes, the audited basic-info unlock, and the report. A reviewer is any role that is a member of kyc_reviewer; it acts only through these functions,
-- which check the caller, the state and the lease, and write through kyc.record_decision.

-- The policy the checks and the review rules apply, as data: one JSON document per version, the newest in
-- force. The daemon reads it at every batch, so a new version takes effect without a restart; each decision
-- records the version it was made under. Keys and their meaning: README, "Policy". Version 1 holds the
-- defaults of CONTRACT §3; four-eyes is off.
CREATE TABLE kyc.policy_versions (
    version integer PRIMARY KEY,
    settings jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    created_by text NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now(),
    note text NOT NULL
);

INSERT INTO kyc.policy_versions (version, settings, created_by, note) VALUES (1, '{
    "session_window_seconds": 900,
    "attempts_per_day": 10,
    "attempt_window_seconds": 86400,
    "cooldown_seconds": 86400,
    "minimum_age": 18,
    "face_match.deny_below": 0.6,
    "face_match.pass_from": 0.9,
    "image.mime_types": ["image/jpeg", "image/png"],
    "image.max_bytes": 10485760,
    "image.min_long_side": 640,
    "image.min_short_side": 480,
    "document_types.passport": "all",
    "document_types.id_card": {"all_except": ["US", "GB", "CA", "AU", "NZ"]},
    "document_types.drivers_license": {"only": ["US", "CA", "AU", "NZ", "GB", "IE"]},
    "reason_precedence": ["attempt_limit", "age", "session_window", "document_type", "image_quality", "mrz",
                          "document_expiry", "data_consistency", "liveness", "face_match", "duplicate_document"],
    "four_eyes.reasons": [],
    "four_eyes.duplicate_approvals": false
}', 'migration', 'the defaults of CONTRACT §3');

CREATE FUNCTION kyc.current_policy() RETURNS kyc.policy_versions
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT * FROM kyc.policy_versions ORDER BY version DESC LIMIT 1
$$;

-- Publishes a new policy version (validated by kyc-review before it comes here); audited with who and
-- why. For the database owner (operators), not for reviewers or the daemon.
CREATE FUNCTION kyc.publish_policy(p_settings jsonb, p_note text) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_previous kyc.policy_versions;
    v_version integer;
BEGIN
    PERFORM kyc.require_note(p_note);
    IF p_settings IS NULL OR jsonb_typeof(p_settings) <> 'object' THEN
        RAISE EXCEPTION 'the policy must be a JSON object' USING ERRCODE = '22023';
    END IF;
    IF jsonb_typeof(p_settings -> 'four_eyes.reasons') <> 'array' OR EXISTS (
            SELECT FROM jsonb_array_elements_text(p_settings -> 'four_eyes.reasons') r
            WHERE r NOT IN (SELECT code FROM kyc.reason_codes)) THEN
        RAISE EXCEPTION 'four_eyes.reasons must be a list of reason codes' USING ERRCODE = '22023';
    END IF;
    IF jsonb_typeof(p_settings -> 'four_eyes.duplicate_approvals') <> 'boolean' THEN
        RAISE EXCEPTION 'four_eyes.duplicate_approvals must be true or false' USING ERRCODE = '22023';
    END IF;
    LOCK TABLE kyc.policy_versions IN EXCLUSIVE MODE;
    SELECT * INTO v_previous FROM kyc.policy_versions ORDER BY version DESC LIMIT 1;
    v_version := v_previous.version + 1;
    INSERT INTO kyc.policy_versions (version, settings, note) VALUES (v_version, p_settings, p_note);
    INSERT INTO kyc.audit_log (actor, action, details)
    VALUES (session_user, 'policy_published', jsonb_build_object(
        'version', v_version, 'note', p_note,
        'changed', (SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_object('from', v_previous.settings -> n.key,
                                                                                'to', n.value)), '{}'::jsonb)
                    FROM jsonb_each(p_settings) n
                    WHERE v_previous.settings -> n.key IS DISTINCT FROM n.value)));
    RETURN v_version;
END
$$;

-- A decision waiting for a second, different reviewer (four-eyes).
CREATE TABLE kyc.decision_proposals (
    application_id bigint PRIMARY KEY REFERENCES kyc.applications,
    outcome text NOT NULL CHECK (outcome IN ('approved', 'denied')),
    reason_code text REFERENCES kyc.reason_codes,
    note text,
    applicant_message text,
    proposed_by text NOT NULL,
    proposed_at timestamptz NOT NULL DEFAULT now()
);

-- Reviewers create no temporary objects: nothing can shadow a name in a definer function's search path,
-- and no work escapes the audit trail into private tables.
DO $temp$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$temp$;

-- Actions that change what others rely on say why: a note is required, and this is the one rule for it.
CREATE FUNCTION kyc.require_note(p_note text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_note IS NULL OR btrim(p_note) = '' THEN
        RAISE EXCEPTION 'a note saying why is required' USING ERRCODE = '22023';
    END IF;
END
$$;

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

-- Decisions. kyc.record_decision writes the decision, the application's status, the outbox email and the
-- audit entry together; it is the only way any decision is made, automated or by a reviewer.
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
DECLARE
    v_application kyc.applications;
    v_final boolean := false;
BEGIN
    IF p_outcome = 'denied' THEN
        SELECT final INTO v_final FROM kyc.reason_codes WHERE code = p_reason_code;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown reason code' USING ERRCODE = '22023';
        END IF;
    END IF;

    UPDATE kyc.applications SET status = p_outcome, status_changed_at = now(), lease_holder = NULL,
                                lease_expires_at = NULL
        WHERE id = p_application_id
        RETURNING * INTO v_application;

    INSERT INTO kyc.decisions (application_id, outcome, reason_code, decided_by, note, final,
                               attempts_remaining, retry_after, applicant_message, confirmed_by, policy_version)
    VALUES (p_application_id, p_outcome, p_reason_code, p_decided_by, p_note, v_final,
            CASE WHEN v_final THEN NULL ELSE p_attempts_remaining END,
            CASE WHEN v_final THEN NULL ELSE p_retry_after END,
            p_applicant_message, p_confirmed_by,
            coalesce(p_policy_version, (SELECT version FROM kyc.current_policy())));

    INSERT INTO kyc.email_outbox (application_id, kind, recipient, locale, message_id)
    VALUES (p_application_id, CASE p_outcome WHEN 'approved' THEN 'approval' ELSE 'denial' END,
            v_application.email, v_application.locale,
            format('<kyc.%s.%s@kyc-review>', p_application_id,
                   substr(md5(random()::text || clock_timestamp()::text), 1, 16)));

    INSERT INTO kyc.audit_log (actor, action, application_id, account_id, details)
    VALUES (coalesce(p_confirmed_by, p_decided_by), 'decided', p_application_id, v_application.account_id,
            jsonb_strip_nulls(jsonb_build_object('outcome', p_outcome, 'reason_code', p_reason_code,
                                                 'note', p_note, 'applicant_message', p_applicant_message,
                                                 'proposed_by', CASE WHEN p_confirmed_by IS NOT NULL
                                                                     THEN p_decided_by END)));
    -- One wake-up per transaction, however many decisions it holds: PostgreSQL folds identical
    -- notifications of a transaction into one, and the mailer claims whatever is due.
    PERFORM pg_notify('kyc_outbox', '');
END
$$;

-- Records a batch of automated results: [{application_id, checks: [{name, outcome, reason_code, evidence}],
-- outcome: approved | denied | in_review, reason_code, attempts_remaining, retry_after, policy_version,
-- duplicate_documents}] for the applications `instance` holds. Returns how many it recorded.
CREATE FUNCTION kyc.record_automated_results(results jsonb, instance text) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_result jsonb;
    v_id bigint;
    v_status text;
    v_count integer := 0;
BEGIN
    FOR v_result IN SELECT value FROM jsonb_array_elements(results) LOOP
        v_id := (v_result ->> 'application_id')::bigint;
        -- Only the instance holding the lease records: one whose lease ran out and was rescued by another
        -- instance skips the application, which is then checked (once) by the other.
        SELECT status INTO v_status FROM kyc.applications
        WHERE id = v_id AND lease_holder = instance FOR UPDATE;
        IF v_status IS DISTINCT FROM 'checking' THEN
            CONTINUE;
        END IF;

        INSERT INTO kyc.check_results (application_id, name, outcome, reason_code, evidence)
        SELECT v_id, c ->> 'name', c ->> 'outcome', c ->> 'reason_code', c ->> 'evidence'
        FROM jsonb_array_elements(v_result -> 'checks') c;

        UPDATE kyc.applications
        SET lease_holder = NULL, lease_expires_at = NULL,
            automated_verdict = v_result ->> 'outcome' || coalesce(':' || (v_result ->> 'reason_code'), ''),
            policy_version = (v_result ->> 'policy_version')::integer,
            duplicate_documents = (v_result ->> 'duplicate_documents')::integer
        WHERE id = v_id;

        IF v_result ->> 'outcome' = 'in_review' THEN
            UPDATE kyc.applications SET status = 'in_review', status_changed_at = now() WHERE id = v_id;
            INSERT INTO kyc.audit_log (actor, action, application_id, account_id)
            SELECT 'auto', 'routed_to_review', v_id, account_id FROM kyc.applications WHERE id = v_id;
        ELSE
            PERFORM kyc.record_decision(v_id, v_result ->> 'outcome', v_result ->> 'reason_code', 'auto', NULL,
                                        (v_result ->> 'attempts_remaining')::integer,
                                        (v_result ->> 'retry_after')::timestamptz, NULL, NULL,
                                        (v_result ->> 'policy_version')::integer);
        END IF;
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

-- Claims up to batch_size due emails: each claim counts as an attempt and leases the row for
-- lease_seconds, so an email whose sender crashed is retried when the lease runs out.
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
    last_name text
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
    )
    UPDATE kyc.email_outbox o
    SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => lease_seconds)
    FROM due, kyc.decisions d, kyc.applications a
    WHERE o.id = due.id AND d.application_id = o.application_id AND a.id = o.application_id
    RETURNING o.id, o.application_id, o.kind, o.recipient, o.locale, o.message_id, o.attempts, o.created_at,
              d.reason_code, d.final, d.attempts_remaining, d.retry_after, d.applicant_message,
              a.payload #>> '{basic_info,first_name}', a.payload #>> '{basic_info,last_name}'
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

-- Locks an application for a reviewer's action and checks it may be acted on: it exists (P0002), is in
-- review (55000 'already decided' / 'not in review'), and is not leased to another reviewer (55000).
CREATE FUNCTION kyc.lock_case_for_review(p_application_id bigint) RETURNS kyc.applications
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_app kyc.applications;
BEGIN
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
    RETURN v_app;
END
$$;

-- A reviewer's decision. Returns 'decided', or 'proposed' when four-eyes applies and the decision waits
-- for a second reviewer. Refused (55000) when the case is already decided, not in review, leased to
-- someone else or already has a proposal; 42501 when the caller is no reviewer; P0002 for an unknown id;
-- 22023 for an unknown or missing reason code.
CREATE FUNCTION kyc.review_decide(p_application_id bigint, p_outcome text, p_reason_code text, p_note text,
                                  p_applicant_message text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_app kyc.applications;
    v_policy kyc.policy_versions;
    v_four_eyes boolean;
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
    v_app := kyc.lock_case_for_review(p_application_id);
    IF EXISTS (SELECT FROM kyc.decision_proposals WHERE application_id = p_application_id) THEN
        RAISE EXCEPTION 'refused: application % has a proposal waiting for a second reviewer', p_application_id
            USING ERRCODE = '55000';
    END IF;

    SELECT * INTO v_policy FROM kyc.current_policy();
    v_four_eyes := CASE p_outcome
        WHEN 'denied' THEN coalesce(v_policy.settings -> 'four_eyes.reasons' ? p_reason_code, false)
        ELSE coalesce(v_policy.settings -> 'four_eyes.duplicate_approvals' = 'true'::jsonb, false)
             AND EXISTS (SELECT FROM kyc.check_results WHERE application_id = p_application_id
                         AND name = 'duplicate_document' AND outcome = 'refer')
    END;
    IF v_four_eyes THEN
        INSERT INTO kyc.decision_proposals (application_id, outcome, reason_code, note, applicant_message,
                                            proposed_by)
        VALUES (p_application_id, p_outcome, CASE WHEN p_outcome = 'denied' THEN p_reason_code END, p_note,
                p_applicant_message, session_user);
        UPDATE kyc.applications SET lease_holder = NULL, lease_expires_at = NULL WHERE id = p_application_id;
        INSERT INTO kyc.audit_log (actor, action, application_id, account_id, details)
        VALUES (session_user, 'proposed', p_application_id, v_app.account_id,
                jsonb_strip_nulls(jsonb_build_object('outcome', p_outcome, 'reason_code', p_reason_code,
                                                     'note', p_note)));
        RETURN 'proposed';
    END IF;

    IF p_outcome = 'denied' THEN
        SELECT f.attempts_remaining, f.retry_after INTO v_attempts_remaining, v_retry_after
        FROM kyc.retry_facts(p_application_id) f;
    END IF;
    PERFORM kyc.record_decision(p_application_id, p_outcome, CASE WHEN p_outcome = 'denied' THEN p_reason_code END,
                                session_user, p_note, v_attempts_remaining, v_retry_after, p_applicant_message,
                                NULL, v_policy.version);
    RETURN 'decided';
END
$$;

-- Four-eyes: a second, different reviewer makes a proposal take effect.
CREATE FUNCTION kyc.confirm_proposal(p_application_id bigint) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_proposal kyc.decision_proposals;
    v_attempts_remaining integer;
    v_retry_after timestamptz;
BEGIN
    PERFORM kyc.require_reviewer();
    PERFORM kyc.lock_case_for_review(p_application_id);
    SELECT * INTO v_proposal FROM kyc.decision_proposals WHERE application_id = p_application_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'refused: application % has no proposal to confirm', p_application_id USING ERRCODE = '55000';
    END IF;
    IF v_proposal.proposed_by = session_user THEN
        RAISE EXCEPTION 'refused: a proposal needs a second reviewer; you made this one' USING ERRCODE = '55000';
    END IF;
    DELETE FROM kyc.decision_proposals WHERE application_id = p_application_id;
    IF v_proposal.outcome = 'denied' THEN
        SELECT f.attempts_remaining, f.retry_after INTO v_attempts_remaining, v_retry_after
        FROM kyc.retry_facts(p_application_id) f;
    END IF;
    PERFORM kyc.record_decision(p_application_id, v_proposal.outcome, v_proposal.reason_code, v_proposal.proposed_by,
                                v_proposal.note, v_attempts_remaining, v_retry_after, v_proposal.applicant_message,
                                session_user, NULL);
END
$$;

-- Four-eyes: a second reviewer turns a proposal down; the case stays in review.
CREATE FUNCTION kyc.reject_proposal(p_application_id bigint, p_note text) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_proposal kyc.decision_proposals;
BEGIN
    PERFORM kyc.require_reviewer();
    PERFORM kyc.require_note(p_note);
    PERFORM kyc.lock_case_for_review(p_application_id);
    SELECT * INTO v_proposal FROM kyc.decision_proposals WHERE application_id = p_application_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'refused: application % has no proposal to reject', p_application_id USING ERRCODE = '55000';
    END IF;
    IF v_proposal.proposed_by = session_user THEN
        RAISE EXCEPTION 'refused: a proposal needs a second reviewer; you made this one' USING ERRCODE = '55000';
    END IF;
    DELETE FROM kyc.decision_proposals WHERE application_id = p_application_id;
    INSERT INTO kyc.audit_log (actor, action, application_id, details)
    VALUES (session_user, 'proposal_rejected', p_application_id,
            jsonb_build_object('note', p_note, 'proposed_by', v_proposal.proposed_by,
                               'outcome', v_proposal.outcome, 'reason_code', v_proposal.reason_code));
END
$$;

-- A reviewer's note on a case, in the audit trail. Any case, decided or not.
CREATE FUNCTION kyc.add_note(p_application_id bigint, p_note text) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM kyc.require_reviewer();
    PERFORM kyc.require_note(p_note);
    IF NOT EXISTS (SELECT FROM kyc.applications WHERE id = p_application_id) THEN
        RAISE EXCEPTION 'no application %', p_application_id USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO kyc.audit_log (actor, action, application_id, details)
    VALUES (session_user, 'note', p_application_id, jsonb_build_object('note', p_note));
END
$$;

-- Gives back a case the caller holds.
CREATE FUNCTION kyc.release_case(p_application_id bigint) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM kyc.require_reviewer();
    PERFORM kyc.lock_case_for_review(p_application_id);
    UPDATE kyc.applications SET lease_holder = NULL, lease_expires_at = NULL
    WHERE id = p_application_id AND lease_holder = session_user AND lease_expires_at > now();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'refused: application % is not leased to you', p_application_id USING ERRCODE = '55000';
    END IF;
    INSERT INTO kyc.audit_log (actor, action, application_id) VALUES (session_user, 'released', p_application_id);
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
    PERFORM kyc.require_note(p_note);
    UPDATE kyc.accounts SET basic_info_unlocked = true WHERE account_id = p_account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such account' USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO kyc.audit_log (actor, action, account_id, details)
    VALUES (session_user, 'basic_info_unlocked', p_account_id, jsonb_build_object('note', p_note));
END
$$;

-- The report (CONTRACT §6): aggregates and ids only, no personal data. The contract's keys (queue,
-- oldest_in_review_seconds, decided_24h, email) always describe now and the last 24 hours; `window` holds
-- the same and more for [p_since, p_until) (default: the last 24 hours); `sla` lists the cases in review
-- longer than p_sla_hours. Every figure comes from an index range, never a scan of all history.
CREATE FUNCTION kyc.report(p_since timestamptz DEFAULT NULL, p_until timestamptz DEFAULT NULL,
                           p_sla_hours integer DEFAULT 24) RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_since timestamptz := coalesce(p_since, now() - interval '24 hours');
    v_until timestamptz := coalesce(p_until, now());
    v_sla interval := make_interval(hours => p_sla_hours);
BEGIN
    RETURN jsonb_build_object(
        'generated_at', now(),
        'queue', jsonb_build_object(
            'submitted', (SELECT count(*) FROM kyc.applications WHERE status = 'submitted'),
            'checking', (SELECT count(*) FROM kyc.applications WHERE status = 'checking'),
            'in_review', (SELECT count(*) FROM kyc.applications WHERE status = 'in_review')),
        'oldest_in_review_seconds', (
            SELECT floor(extract(epoch FROM now() - min(status_changed_at)))::bigint
            FROM kyc.applications WHERE status = 'in_review'),
        'decided_24h', kyc.decision_counts(now() - interval '24 hours', now()),
        'email', jsonb_build_object(
            'pending', (SELECT count(*) FROM kyc.email_outbox WHERE status = 'pending'),
            'sent_24h', (SELECT count(*) FROM kyc.email_outbox
                         WHERE status = 'sent' AND sent_at > now() - interval '24 hours'),
            'failed', (SELECT count(*) FROM kyc.email_outbox WHERE status = 'failed'),
            'oldest_pending_seconds', (SELECT floor(extract(epoch FROM now() - min(created_at)))::bigint
                                       FROM kyc.email_outbox WHERE status = 'pending')),
        'sla', jsonb_build_object(
            'target_hours', p_sla_hours,
            'breaches', (SELECT count(*) FROM kyc.applications
                         WHERE status = 'in_review' AND status_changed_at < now() - v_sla),
            'breach_ids', coalesce((
                SELECT jsonb_agg(id ORDER BY status_changed_at) FROM (
                    SELECT id, status_changed_at FROM kyc.applications
                    WHERE status = 'in_review' AND status_changed_at < now() - v_sla
                    ORDER BY status_changed_at LIMIT 100) b), '[]'::jsonb)),
        'accounts_in_cooldown', (
            SELECT count(DISTINCT a.account_id) FROM kyc.decisions d JOIN kyc.applications a ON a.id = d.application_id
            WHERE d.retry_after > now()),
        'window', (
            WITH decided AS (
                SELECT d.*, a.submitted_at FROM kyc.decisions d JOIN kyc.applications a ON a.id = d.application_id
                WHERE d.decided_at >= v_since AND d.decided_at < v_until
            ), handled AS (
                SELECT d.decided_by,
                       extract(epoch FROM d.decided_at - (
                           SELECT max(l.at) FROM kyc.audit_log l
                           WHERE l.application_id = d.application_id AND l.action = 'leased'
                             AND l.actor = d.decided_by AND l.at <= d.decided_at)) AS seconds
                FROM decided d WHERE d.decided_by <> 'auto'
            )
            SELECT jsonb_build_object(
                'since', v_since,
                'until', v_until,
                'decided', kyc.decision_counts(v_since, v_until),
                'decided_automatically', (SELECT count(*) FROM decided WHERE decided_by = 'auto'),
                'decided_by_reviewers', (SELECT count(*) FROM decided WHERE decided_by <> 'auto'),
                'automatic_share', (SELECT round(avg((decided_by = 'auto')::int), 4) FROM decided),
                'time_to_decision_seconds', (
                    SELECT jsonb_build_object(
                        'p50', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at))::numeric, 1),
                        'p95', round(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at))::numeric, 1))
                    FROM decided),
                'attempt_limit_denials', (SELECT count(*) FROM decided WHERE reason_code = 'attempt_limit'),
                'reviewers', coalesce((
                    SELECT jsonb_agg(jsonb_build_object(
                        'reviewer', decided_by, 'decisions', n, 'median_handling_seconds', median) ORDER BY decided_by)
                    FROM (SELECT decided_by, count(*) AS n,
                                 round(percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)::numeric, 1) AS median
                          FROM handled GROUP BY decided_by) r), '[]'::jsonb),
                'checks', coalesce((
                    SELECT jsonb_object_agg(name, outcomes) FROM (
                        SELECT name, jsonb_object_agg(outcome, n) AS outcomes FROM (
                            SELECT c.name, c.outcome, count(*) AS n FROM kyc.check_results c
                            WHERE c.recorded_at >= v_since AND c.recorded_at < v_until
                            GROUP BY c.name, c.outcome) o
                        GROUP BY name) per_check), '{}'::jsonb),
                'daily_decisions_14d', coalesce((
                    SELECT jsonb_agg(jsonb_build_object('day', day, 'approved', approved, 'denied', denied) ORDER BY day)
                    FROM (SELECT days.day::date AS day, coalesce(per_day.approved, 0) AS approved,
                                 coalesce(per_day.denied, 0) AS denied
                          FROM generate_series(date_trunc('day', v_until) - interval '13 days', date_trunc('day', v_until),
                                               interval '1 day') AS days(day)
                          LEFT JOIN (
                              SELECT date_trunc('day', d.decided_at) AS day,
                                     count(*) FILTER (WHERE d.outcome = 'approved') AS approved,
                                     count(*) FILTER (WHERE d.outcome = 'denied') AS denied
                              FROM kyc.decisions d
                              WHERE d.decided_at >= date_trunc('day', v_until) - interval '13 days'
                                AND d.decided_at < date_trunc('day', v_until) + interval '1 day'
                              GROUP BY 1) per_day ON per_day.day = days.day) daily), '[]'::jsonb))));
END
$$;

-- Decisions in [p_since, p_until): approved, denied, and denials by reason.
CREATE FUNCTION kyc.decision_counts(p_since timestamptz, p_until timestamptz) RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'approved', count(*) FILTER (WHERE outcome = 'approved'),
        'denied', count(*) FILTER (WHERE outcome = 'denied'),
        'by_reason', coalesce((
            SELECT jsonb_object_agg(reason_code, n) FROM (
                SELECT reason_code, count(*) AS n FROM kyc.decisions
                WHERE outcome = 'denied' AND decided_at >= p_since AND decided_at < p_until
                GROUP BY reason_code) r), '{}'::jsonb))
    FROM kyc.decisions
    WHERE decided_at >= p_since AND decided_at < p_until
$$;

CREATE INDEX decisions_retry_after ON kyc.decisions (retry_after) WHERE retry_after IS NOT NULL;
CREATE INDEX email_outbox_failed ON kyc.email_outbox (failed_at) WHERE status = 'failed';
CREATE INDEX email_outbox_pending_created ON kyc.email_outbox (created_at) WHERE status = 'pending';
CREATE INDEX audit_log_leases ON kyc.audit_log (application_id, actor, at) WHERE action = 'leased';

-- The last three characters of an identifier, the rest hidden: enough to tell two documents apart.
CREATE FUNCTION kyc.mask(p_value text) RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p_value IS NULL THEN NULL
                WHEN length(p_value) <= 3 THEN repeat('*', length(p_value))
                ELSE repeat('*', length(p_value) - 3) || right(p_value, 3) END
$$;

-- Reading an application (CONTRACT §4, `show`): one JSON object, or NULL for an unknown id.
CREATE FUNCTION kyc.application_view(p_application_id bigint) RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'id', a.id,
        'account_id', a.account_id,
        'status', a.status,
        'submitted_at', a.submitted_at,
        'session_started_at', a.session_started_at,
        'received_at', a.received_at,
        'document', jsonb_build_object('type', a.document_type, 'issuing_country', a.issuing_country),
        -- The evidence a reviewer weighs. Identifiers are masked here (last three characters);
        -- kyc.reveal_application shows them and audits that it did.
        'submission', jsonb_build_object(
            'basic_info', a.payload -> 'basic_info',
            'document', jsonb_build_object(
                'type', a.payload #> '{document,type}',
                'issuing_country', a.payload #> '{document,issuing_country}',
                'number', kyc.mask(a.payload #>> '{document,number}'),
                'expiry_date', a.payload #> '{document,expiry_date}',
                'mrz', CASE WHEN a.payload #> '{document,mrz}' IS NOT NULL THEN to_jsonb('(masked)'::text) END,
                'images', a.payload #> '{document,images}'),
            'selfie', a.payload -> 'selfie',
            'face_match_score', a.payload -> 'face_match_score',
            'liveness', a.payload -> 'liveness',
            'capture_channel', a.payload -> 'capture_channel',
            'locale', a.payload -> 'locale'),
        'lease', CASE WHEN a.lease_expires_at > now()
                      THEN jsonb_build_object('holder', a.lease_holder, 'expires_at', a.lease_expires_at) END,
        'checks', coalesce((
            SELECT jsonb_agg(jsonb_build_object('name', c.name, 'outcome', c.outcome, 'evidence', c.evidence,
                                                'reason_code', c.reason_code)
                             ORDER BY array_position(ARRAY['session_window', 'attempt_limit', 'document_type',
                                 'document_expiry', 'image_quality', 'mrz', 'data_consistency', 'age', 'liveness',
                                 'face_match', 'duplicate_document'], c.name))
            FROM kyc.check_results c WHERE c.application_id = a.id), '[]'::jsonb),
        'proposal', (
            SELECT jsonb_build_object('outcome', p.outcome, 'reason_code', p.reason_code, 'note', p.note,
                                      'proposed_by', p.proposed_by, 'proposed_at', p.proposed_at)
            FROM kyc.decision_proposals p WHERE p.application_id = a.id),
        'decision', (
            SELECT jsonb_build_object('outcome', d.outcome, 'reason_code', d.reason_code,
                                      'decided_by', d.decided_by, 'decided_at', d.decided_at, 'note', d.note,
                                      'applicant_message', d.applicant_message, 'confirmed_by', d.confirmed_by,
                                      'final', d.final, 'attempts_remaining', d.attempts_remaining,
                                      'retry_after', d.retry_after)
            FROM kyc.decisions d WHERE d.application_id = a.id),
        'emails', coalesce((
            SELECT jsonb_agg(jsonb_build_object('kind', e.kind, 'status', e.status, 'message_id', e.message_id,
                                                'attempts', e.attempts, 'last_reply', e.last_reply,
                                                'sent_at', e.sent_at) ORDER BY e.id)
            FROM kyc.email_outbox e WHERE e.application_id = a.id), '[]'::jsonb),
        'history', coalesce((
            SELECT jsonb_agg(jsonb_build_object('id', h.id, 'status', h.status, 'submitted_at', h.submitted_at)
                             ORDER BY h.submitted_at)
            FROM kyc.applications h WHERE h.account_id = a.account_id AND h.id <> a.id), '[]'::jsonb),
        'audit', coalesce((
            SELECT jsonb_agg(jsonb_build_object('at', l.at, 'actor', l.actor, 'action', l.action,
                                                'details', l.details) ORDER BY l.id)
            FROM kyc.audit_log l WHERE l.application_id = a.id), '[]'::jsonb))
    FROM kyc.applications a
    WHERE a.id = p_application_id
$$;

-- Check outcomes of the last 24 hours, for metrics and reports: aggregates only.
CREATE FUNCTION kyc.check_outcomes_24h() RETURNS TABLE (name text, outcome text, n bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT c.name, c.outcome, count(*)
    FROM kyc.check_results c
    WHERE c.recorded_at > now() - interval '24 hours'
    GROUP BY c.name, c.outcome
    ORDER BY c.name, c.outcome
$$;

CREATE INDEX check_results_recorded_at ON kyc.check_results (recorded_at);

-- The application view with its identifiers shown (document number, MRZ), for a reviewer who needs them;
-- every reveal is in the audit trail.
CREATE FUNCTION kyc.reveal_application(p_application_id bigint) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_view jsonb;
    v_payload jsonb;
BEGIN
    PERFORM kyc.require_reviewer();
    SELECT payload INTO v_payload FROM kyc.applications WHERE id = p_application_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no application %', p_application_id USING ERRCODE = 'P0002';
    END IF;
    v_view := kyc.application_view(p_application_id);
    v_view := jsonb_set(v_view, '{submission,document,number}', coalesce(v_payload #> '{document,number}', 'null'));
    v_view := jsonb_set(v_view, '{submission,document,mrz}', coalesce(v_payload #> '{document,mrz}', 'null'));
    INSERT INTO kyc.audit_log (actor, action, application_id, details)
    VALUES (session_user, 'revealed', p_application_id, jsonb_build_object('fields', jsonb_build_array('document.number', 'document.mrz')));
    RETURN v_view;
END
$$;

CREATE INDEX email_outbox_sent_at ON kyc.email_outbox (sent_at) WHERE status = 'sent';

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA kyc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kyc.lease_next_case(integer) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.review_decide(bigint, text, text, text, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.confirm_proposal(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.reject_proposal(bigint, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.add_note(bigint, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.release_case(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.claim_due_emails(integer, integer) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.record_automated_results(jsonb, text) TO kyc_daemon;
GRANT SELECT ON kyc.decision_proposals, kyc.policy_versions TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.current_policy() TO kyc_daemon, kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.unlock_basic_info(text, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.report(timestamptz, timestamptz, integer) TO kyc_reporter, kyc_reviewer, kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.check_outcomes_24h() TO kyc_reporter, kyc_reviewer, kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.application_view(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.reveal_application(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.mask(text) TO kyc_reviewer;
