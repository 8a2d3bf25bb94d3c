-- The longest lease a reviewer may take or renew to, in seconds: the policy's review.lease_max_seconds.
-- A case held longer needs renewing, so that an abandoned case comes back by itself.
CREATE FUNCTION kyc.lease_max_seconds() RETURNS integer
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (kyc.policy_setting('review.lease_max_seconds') #>> '{}')::integer
$$;

-- Refuses (22023) a lease length outside 1 second .. the policy's maximum, saying what the maximum is.
CREATE FUNCTION kyc.require_lease_within_policy(p_lease_seconds integer) RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_max integer := kyc.lease_max_seconds();
BEGIN
    IF p_lease_seconds IS NULL OR p_lease_seconds < 1 THEN
        RAISE EXCEPTION 'a lease must last at least one second' USING ERRCODE = '22023';
    END IF;
    IF p_lease_seconds > v_max THEN
        RAISE EXCEPTION 'a lease may last at most % seconds (policy review.lease_max_seconds); renew it to keep the case longer',
            v_max USING ERRCODE = '22023';
    END IF;
END
$$;

-- Leases the oldest in-review case that nobody holds (or whose lease ran out) to the caller; a caller
-- who already holds a live lease gets that case back, renewed. Returns the id, or NULL when none waits.
-- A lease longer than the policy allows is refused (22023), not shortened: the caller asked for something
-- else than it would get.
CREATE FUNCTION kyc.lease_next_case(lease_seconds integer) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM kyc.require_reviewer();
    PERFORM kyc.require_lease_within_policy(lease_seconds);
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

-- Extends the caller's own live lease on a case to `p_lease_seconds` from now (at most the policy's
-- maximum, 22023 beyond it). Refused (55000) when the case is not leased to the caller. Returns the new
-- expiry.
CREATE FUNCTION kyc.renew_case_lease(p_application_id bigint, p_lease_seconds integer) RETURNS timestamptz
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_expires_at timestamptz;
BEGIN
    PERFORM kyc.require_reviewer();
    PERFORM kyc.require_lease_within_policy(p_lease_seconds);
    PERFORM kyc.lock_case_for_review(p_application_id);
    UPDATE kyc.applications SET lease_expires_at = now() + make_interval(secs => p_lease_seconds)
    WHERE id = p_application_id AND lease_holder = session_user AND lease_expires_at > now()
    RETURNING lease_expires_at INTO v_expires_at;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'refused: application % is not leased to you', p_application_id USING ERRCODE = '55000';
    END IF;
    INSERT INTO kyc.audit_log (actor, action, application_id, details)
    VALUES (session_user, 'lease_renewed', p_application_id, jsonb_build_object('seconds', p_lease_seconds));
    RETURN v_expires_at;
END
$$;

-- A reviewers' lead (kyc_review_lead) takes a live lease away from whoever holds it, so that the case can
-- be leased again at once; audited with the previous holder and the lead's note.
CREATE FUNCTION kyc.break_lease(p_application_id bigint, p_note text) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_app kyc.applications;
BEGIN
    PERFORM kyc.require_review_lead();
    PERFORM kyc.require_note(p_note);
    SELECT * INTO v_app FROM kyc.applications WHERE id = p_application_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no application %', p_application_id USING ERRCODE = 'P0002';
    END IF;
    IF v_app.status IN ('approved', 'denied') THEN
        RAISE EXCEPTION 'refused: application % is already decided', p_application_id USING ERRCODE = '55000';
    END IF;
    IF v_app.status <> 'in_review' OR v_app.lease_holder IS NULL OR v_app.lease_expires_at <= now() THEN
        RAISE EXCEPTION 'refused: application % is not leased', p_application_id USING ERRCODE = '55000';
    END IF;
    UPDATE kyc.applications SET lease_holder = NULL, lease_expires_at = NULL WHERE id = p_application_id;
    INSERT INTO kyc.audit_log (actor, action, application_id, details)
    VALUES (session_user, 'lease_broken', p_application_id,
            jsonb_build_object('previous_holder', v_app.lease_holder, 'expires_at', v_app.lease_expires_at,
                               'note_id', kyc.keep_free_text(p_application_id, NULL, 'note', p_note)));
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
        WHEN 'denied' THEN kyc.policy_setting('four_eyes.reasons') ? p_reason_code
        ELSE kyc.policy_setting('four_eyes.duplicate_approvals') = 'true'::jsonb
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
                                                     'note_id', kyc.keep_free_text(p_application_id, NULL, 'note',
                                                                                   p_note))));
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
            jsonb_build_object('note_id', kyc.keep_free_text(p_application_id, NULL, 'note', p_note),
                               'proposed_by', v_proposal.proposed_by,
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
    VALUES (session_user, 'note', p_application_id,
            jsonb_build_object('note_id', kyc.keep_free_text(p_application_id, NULL, 'note', p_note)));
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
    VALUES (session_user, 'basic_info_unlocked', p_account_id,
            jsonb_build_object('note_id', kyc.keep_free_text(NULL, p_account_id, 'note', p_note)));
END
$$;

-- Final means final (CONTRACT §8) until a reviewer reopens the account, saying why: intake then accepts its
-- submissions again. Refused (55000) when the account has no final denial to reopen.
CREATE FUNCTION kyc.reopen_account(p_account_id text, p_note text) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_account kyc.accounts;
    v_final_application bigint;
BEGIN
    PERFORM kyc.require_reviewer();
    PERFORM kyc.require_note(p_note);
    SELECT * INTO v_account FROM kyc.accounts WHERE account_id = p_account_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such account' USING ERRCODE = 'P0002';
    END IF;
    SELECT p.id INTO v_final_application
    FROM kyc.applications p
    JOIN kyc.decisions d ON d.application_id = p.id
    JOIN kyc.reason_codes r ON r.code = d.reason_code
    WHERE p.account_id = p_account_id AND d.outcome = 'denied' AND r.final
      AND d.decided_at > coalesce(v_account.reopened_at, '-infinity')
    ORDER BY d.decided_at DESC LIMIT 1;
    IF v_final_application IS NULL THEN
        RAISE EXCEPTION 'refused: the account has no final denial to reopen' USING ERRCODE = '55000';
    END IF;
    -- A second pair of eyes: who made or confirmed the final decision does not undo it.
    IF EXISTS (SELECT FROM kyc.decisions d
               WHERE d.application_id = v_final_application
                 AND session_user IN (d.decided_by, coalesce(d.confirmed_by, ''))) THEN
        RAISE EXCEPTION 'refused: the reviewer who made the final decision cannot reopen the account'
            USING ERRCODE = '55000';
    END IF;
    UPDATE kyc.accounts SET reopened_at = now() WHERE account_id = p_account_id;
    INSERT INTO kyc.audit_log (actor, action, application_id, account_id, details)
    VALUES (session_user, 'account_reopened', v_final_application, p_account_id,
            jsonb_build_object('note_id', kyc.keep_free_text(v_final_application, p_account_id, 'note', p_note)));
END
$$;

-- Reading an application (CONTRACT §4, `show`): one JSON object, or NULL for an unknown id.
CREATE FUNCTION kyc.application_view_unmasked_fields(p_application_id bigint) RETURNS jsonb
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
            FROM kyc.audit_trail l WHERE l.application_id = a.id), '[]'::jsonb))
    FROM kyc.applications a
    WHERE a.id = p_application_id
$$;

-- The view with what is needed to show the identifiers: the sealed value (the caller opens it with the
-- keyring) or, before the seal, the plaintext. Every call is in the audit trail, whether or not the caller
-- can open what it got.
CREATE FUNCTION kyc.reveal_application(p_application_id bigint) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_application kyc.applications;
    v_plain kyc.identifiers_awaiting_seal;
BEGIN
    PERFORM kyc.require_reviewer();
    SELECT * INTO v_application FROM kyc.applications WHERE id = p_application_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no application %', p_application_id USING ERRCODE = 'P0002';
    END IF;
    SELECT * INTO v_plain FROM kyc.identifiers_awaiting_seal WHERE application_id = p_application_id;
    INSERT INTO kyc.audit_log (actor, action, application_id, details)
    VALUES (session_user, 'revealed', p_application_id,
            jsonb_build_object('fields', jsonb_build_array('document.number', 'document.mrz')));
    RETURN kyc.application_view(p_application_id) || jsonb_build_object('identifiers', jsonb_build_object(
        'key_version', v_application.key_version,
        'sealed', kyc.base64(v_application.sealed_identifiers),
        'number', v_plain.document_number,
        'mrz', v_plain.mrz));
END
$$;

CREATE FUNCTION kyc.application_view(p_application_id bigint) RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_set(jsonb_set(jsonb_set(v,
               '{submission,document,number}', coalesce(to_jsonb(a.document_number_hint), 'null'::jsonb)),
               '{submission,document,mrz}',
               CASE WHEN a.document_mrz_present THEN to_jsonb('(masked)'::text) ELSE 'null'::jsonb END),
               '{personal_data_erased_at}', coalesce(to_jsonb(a.personal_data_erased_at), 'null'::jsonb))
    FROM kyc.applications a, kyc.application_view_unmasked_fields(p_application_id) v
    WHERE a.id = p_application_id
$$;

-- Who may call what.
GRANT EXECUTE ON FUNCTION kyc.lease_next_case(integer) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.renew_case_lease(bigint, integer) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.break_lease(bigint, text) TO kyc_review_lead;
GRANT EXECUTE ON FUNCTION kyc.review_decide(bigint, text, text, text, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.confirm_proposal(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.reject_proposal(bigint, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.add_note(bigint, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.release_case(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.unlock_basic_info(text, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.reopen_account(text, text) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.application_view(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.reveal_application(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.application_view_unmasked_fields(bigint) TO kyc_reviewer;
