CREATE FUNCTION kyc.current_policy() RETURNS kyc.policy_versions
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT * FROM kyc.policy_versions ORDER BY version DESC LIMIT 1
$$;

-- Policy administrators (kyc_policy) publish the policy and replay it; nobody else, reviewers and the
-- daemon included.
CREATE FUNCTION kyc.require_policy_administrator() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pg_has_role(session_user, 'kyc_policy', 'MEMBER') THEN
        RAISE EXCEPTION 'not permitted: % is not a policy administrator', session_user USING ERRCODE = '42501';
    END IF;
END
$$;

-- Publishes a new policy version (validated by kyc-review before it comes here); audited with who and
-- why. For policy administrators (kyc_policy) and the database owner, not for reviewers or the daemon.
CREATE FUNCTION kyc.publish_policy(p_settings jsonb, p_note text) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
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
    IF p_settings ? 'review.lease_max_seconds' AND NOT coalesce(
            CASE WHEN jsonb_typeof(p_settings -> 'review.lease_max_seconds') = 'number'
                 THEN (p_settings ->> 'review.lease_max_seconds')::numeric BETWEEN 60 AND 86400
                      AND (p_settings ->> 'review.lease_max_seconds')::numeric % 1 = 0 END, false) THEN
        RAISE EXCEPTION 'review.lease_max_seconds must be a whole number from 60 to 86400' USING ERRCODE = '22023';
    END IF;
    -- The figures SQL itself reads (kyc.attempt_history, kyc.retry_facts): one bad value would stop every claim,
    -- so they are checked here with PolicyDocument's ranges, whoever publishes.
    IF NOT coalesce((SELECT bool_and(
                jsonb_typeof(p_settings -> k.key) = 'number'
                AND (p_settings ->> k.key)::numeric BETWEEN k.low AND k.high
                AND (p_settings ->> k.key)::numeric % 1 = 0)
            FROM (VALUES ('attempts_per_day', 1, 1000), ('attempt_window_seconds', 60, 30 * 86400),
                         ('cooldown_seconds', 0, 365 * 86400)) AS k (key, low, high)), false) THEN
        RAISE EXCEPTION 'attempts_per_day (1 to 1000), attempt_window_seconds (60 to 2592000) and cooldown_seconds '
            '(0 to 31536000) must be whole numbers in range' USING ERRCODE = '22023';
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

-- Who may call what.
GRANT EXECUTE ON FUNCTION kyc.current_policy() TO kyc_daemon, kyc_reviewer, kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.publish_policy(jsonb, text) TO kyc_policy;
