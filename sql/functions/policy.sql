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

-- Every policy key with its default (CONTRACT §3) and, for a number, the whole range it may take: the one
-- statement of the policy's keys, defaults and bounds on the database's side. kyc.publish_policy refuses a key
-- not listed here or a number out of its range; kyc.policy_version_setting gives a key left out of a version its
-- default. KYCDomain.Policy states the same for the pure checks; RuleOwnerTests.PolicyKeys compares every
-- key, default and range of both.
CREATE FUNCTION kyc.policy_keys() RETURNS TABLE (key text, default_value jsonb, minimum numeric, maximum numeric,
                                                 whole boolean)
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    VALUES ('session_window_seconds', '900'::jsonb, 1::numeric, 86400::numeric, true),
           ('attempts_per_day', '10', 1, 1000, true),
           ('attempt_window_seconds', '86400', 60, 30 * 86400, true),
           ('cooldown_seconds', '86400', 0, 365 * 86400, true),
           ('minimum_age', '18', 0, 150, true),
           ('face_match.deny_below', '0.6', 0, 1, false),
           ('face_match.pass_from', '0.9', 0, 1, false),
           ('image.mime_types', '["image/jpeg", "image/png"]', NULL, NULL, NULL),
           ('image.max_bytes', '10485760', 1, 1099511627776, true),
           ('image.min_long_side', '640', 0, 100000, true),
           ('image.min_short_side', '480', 0, 100000, true),
           ('document_types.passport', '"all"', NULL, NULL, NULL),
           ('document_types.id_card', '{"all_except": ["AU", "CA", "GB", "NZ", "US"]}', NULL, NULL, NULL),
           ('document_types.drivers_license', '{"only": ["AU", "CA", "GB", "IE", "NZ", "US"]}', NULL, NULL, NULL),
           ('reason_precedence', '["attempt_limit", "age", "session_window", "document_type", "image_quality", "mrz",
                                   "document_expiry", "data_consistency", "liveness", "face_match",
                                   "duplicate_document"]', NULL, NULL, NULL),
           ('four_eyes.reasons', '[]', NULL, NULL, NULL),
           ('four_eyes.duplicate_approvals', 'false', NULL, NULL, NULL),
           ('review.lease_max_seconds', '3600', 60, 86400, true)
$$;

-- One setting of policy version p_version (the version in force when NULL): its value in that version, or its
-- default when the version leaves it out. Every SQL function that needs a policy figure reads it here, most
-- through kyc.policy_setting (the version in force); a decision's email reads the version the decision was
-- made under (kyc.claim_due_emails). An unknown key or version is an error, never a silent NULL.
CREATE FUNCTION kyc.policy_version_setting(p_version integer, p_key text) RETURNS jsonb
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_settings jsonb;
    v_value jsonb;
BEGIN
    IF p_version IS NULL THEN
        v_settings := (kyc.current_policy()).settings;
    ELSE
        SELECT settings INTO v_settings FROM kyc.policy_versions WHERE version = p_version;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no policy version %', p_version USING ERRCODE = '22023';
        END IF;
    END IF;
    SELECT coalesce(v_settings -> k.key, k.default_value) INTO v_value
    FROM kyc.policy_keys() k
    WHERE k.key = p_key;
    IF v_value IS NULL THEN
        RAISE EXCEPTION 'no policy key %', p_key USING ERRCODE = '22023';
    END IF;
    RETURN v_value;
END
$$;

-- One setting of the policy in force.
CREATE FUNCTION kyc.policy_setting(p_key text) RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT kyc.policy_version_setting(NULL, p_key)
$$;

-- Publishes a new policy version (validated by kyc-review before it comes here); audited with who and
-- why. For policy administrators (kyc_policy) and the database owner, not for reviewers or the daemon.
-- Whoever publishes, a version holds only kyc.policy_keys' keys and numbers within their ranges: one bad
-- figure would stop every claim that reads it.
CREATE FUNCTION kyc.publish_policy(p_settings jsonb, p_note text) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_previous kyc.policy_versions;
    v_version integer;
    v_key record;
BEGIN
    PERFORM kyc.require_note(p_note);
    IF p_settings IS NULL OR jsonb_typeof(p_settings) <> 'object' THEN
        RAISE EXCEPTION 'the policy must be a JSON object' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT FROM jsonb_object_keys(p_settings) given
               WHERE given NOT IN (SELECT key FROM kyc.policy_keys())) THEN
        RAISE EXCEPTION 'the policy names a key that is not a policy key' USING ERRCODE = '22023';
    END IF;
    FOR v_key IN SELECT k.key, k.minimum, k.maximum, k.whole FROM kyc.policy_keys() k
                 WHERE k.minimum IS NOT NULL AND p_settings ? k.key LOOP
        IF NOT coalesce(
                CASE WHEN jsonb_typeof(p_settings -> v_key.key) = 'number'
                     THEN (p_settings ->> v_key.key)::numeric BETWEEN v_key.minimum AND v_key.maximum
                          AND (NOT v_key.whole OR (p_settings ->> v_key.key)::numeric % 1 = 0) END, false) THEN
            RAISE EXCEPTION '% must be a % from % to %', v_key.key,
                CASE WHEN v_key.whole THEN 'whole number' ELSE 'number' END, v_key.minimum, v_key.maximum
                USING ERRCODE = '22023';
        END IF;
    END LOOP;
    IF (SELECT (coalesce(p_settings -> 'face_match.deny_below', d.default_value) #>> '{}')::numeric
               > (coalesce(p_settings -> 'face_match.pass_from', p.default_value) #>> '{}')::numeric
        FROM kyc.policy_keys() d, kyc.policy_keys() p
        WHERE d.key = 'face_match.deny_below' AND p.key = 'face_match.pass_from') THEN
        RAISE EXCEPTION 'face_match.deny_below must not be above face_match.pass_from' USING ERRCODE = '22023';
    END IF;
    IF p_settings ? 'four_eyes.reasons' AND (jsonb_typeof(p_settings -> 'four_eyes.reasons') <> 'array' OR EXISTS (
            SELECT FROM jsonb_array_elements(p_settings -> 'four_eyes.reasons') r
            WHERE jsonb_typeof(r) <> 'string' OR r #>> '{}' NOT IN (SELECT code FROM kyc.reason_codes))) THEN
        RAISE EXCEPTION 'four_eyes.reasons must be a list of reason codes' USING ERRCODE = '22023';
    END IF;
    IF p_settings ? 'four_eyes.duplicate_approvals'
       AND jsonb_typeof(p_settings -> 'four_eyes.duplicate_approvals') <> 'boolean' THEN
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

-- Who may call what.
GRANT EXECUTE ON FUNCTION kyc.current_policy() TO kyc_daemon, kyc_reviewer, kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.policy_keys() TO kyc_daemon, kyc_reviewer, kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.policy_setting(text) TO kyc_daemon, kyc_reviewer, kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.policy_version_setting(integer, text) TO kyc_daemon, kyc_reviewer, kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.publish_policy(jsonb, text) TO kyc_policy;
