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

-- Every policy key with its default (CONTRACT §3), the shape its value must have and, for a number, the whole
-- range it may take: the one statement of the policy's keys, defaults, shapes and bounds on the database's
-- side. kyc.policy_value checks a value against its key's row (kyc.publish_policy refuses a key not listed here
-- or a value of the wrong shape); kyc.policy_version_setting gives a key left out of a version its default.
-- KYCDomain.Policy states the same for the pure checks; RuleOwnerTests.PolicyKeys compares every key, default
-- and range of both, and runs one table of values through both readers.
--
-- Shapes: whole_number (an integral number within minimum..maximum, stored as a JSON integer), fraction (a
-- number within minimum..maximum), media_types (a non-empty list of type/subtype strings), country_rule ("all",
-- "none", {"only": [alpha-2 codes]} or {"all_except": [alpha-2 codes]}, codes from kyc.countries),
-- check_order (every check name of the default exactly once), reason_codes (a list of kyc.reason_codes),
-- boolean.
CREATE FUNCTION kyc.policy_keys() RETURNS TABLE (key text, default_value jsonb, minimum numeric, maximum numeric,
                                                 shape text)
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    VALUES ('session_window_seconds', '900'::jsonb, 1::numeric, 86400::numeric, 'whole_number'),
           ('attempts_per_day', '10', 1, 1000, 'whole_number'),
           ('attempt_window_seconds', '86400', 60, 30 * 86400, 'whole_number'),
           ('cooldown_seconds', '86400', 0, 365 * 86400, 'whole_number'),
           ('minimum_age', '18', 0, 150, 'whole_number'),
           ('face_match.deny_below', '0.6', 0, 1, 'fraction'),
           ('face_match.pass_from', '0.9', 0, 1, 'fraction'),
           ('image.mime_types', '["image/jpeg", "image/png"]', NULL, NULL, 'media_types'),
           ('image.max_bytes', '10485760', 1, 1099511627776, 'whole_number'),
           ('image.min_long_side', '640', 0, 100000, 'whole_number'),
           ('image.min_short_side', '480', 0, 100000, 'whole_number'),
           ('document_types.passport', '"all"', NULL, NULL, 'country_rule'),
           ('document_types.id_card', '{"all_except": ["AU", "CA", "GB", "NZ", "US"]}', NULL, NULL, 'country_rule'),
           ('document_types.drivers_license', '{"only": ["AU", "CA", "GB", "IE", "NZ", "US"]}', NULL, NULL,
            'country_rule'),
           ('reason_precedence', '["attempt_limit", "age", "session_window", "document_type", "image_quality", "mrz",
                                   "document_expiry", "data_consistency", "liveness", "face_match",
                                   "duplicate_document"]', NULL, NULL, 'check_order'),
           ('four_eyes.reasons', '[]', NULL, NULL, 'reason_codes'),
           ('four_eyes.duplicate_approvals', 'false', NULL, NULL, 'boolean'),
           ('review.lease_max_seconds', '3600', 60, 86400, 'whole_number')
$$;

-- A JSON number as the double KYCDomain.Policy reads it (Foundation's JSON reader gives doubles), so that both
-- sides round, compare and bound the same value; NULL for anything else, or a number no double holds.
CREATE FUNCTION kyc.policy_number(p_value jsonb) RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF jsonb_typeof(p_value) IS DISTINCT FROM 'number' THEN
        RETURN NULL;
    END IF;
    RETURN (p_value #>> '{}')::double precision;
EXCEPTION WHEN numeric_value_out_of_range THEN
    RETURN NULL;
END
$$;

-- Whether p_value is a JSON list of strings only (an empty list is one).
CREATE FUNCTION kyc.policy_is_string_list(p_value jsonb) RETURNS boolean
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN jsonb_typeof(p_value) = 'array'
                THEN NOT EXISTS (SELECT FROM jsonb_array_elements(p_value) e WHERE jsonb_typeof(e) <> 'string')
                ELSE false END
$$;

-- One policy value checked against its key's shape (kyc.policy_keys), as KYCDomain.Policy reads it: returns
-- the value as a version stores it (a whole number as a JSON integer, a fraction as the double it reads as),
-- or refuses (22023) with the key and the rule, in PolicyError's words. Never the value itself.
CREATE FUNCTION kyc.policy_value(p_key text, p_value jsonb) RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_spec record;
    v_number double precision;
    v_problem text;
    v_rule constant text := 'must be "all", "none", {"only": […]} or {"all_except": […]}';
BEGIN
    SELECT k.default_value, k.minimum, k.maximum, k.shape INTO v_spec FROM kyc.policy_keys() k WHERE k.key = p_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a policy key', p_key USING ERRCODE = '22023';
    END IF;
    CASE v_spec.shape
    WHEN 'whole_number', 'fraction' THEN
        v_number := kyc.policy_number(p_value);
        IF v_number IS NOT NULL AND v_number BETWEEN v_spec.minimum AND v_spec.maximum
           AND (v_spec.shape = 'fraction' OR v_number = trunc(v_number)) THEN
            RETURN CASE v_spec.shape WHEN 'fraction' THEN to_jsonb(v_number) ELSE to_jsonb(v_number::bigint) END;
        END IF;
        v_problem := format('must be a %s from %s to %s',
                            CASE v_spec.shape WHEN 'fraction' THEN 'number' ELSE 'whole number' END,
                            v_spec.minimum, v_spec.maximum);
    WHEN 'media_types' THEN
        IF NOT kyc.policy_is_string_list(p_value) THEN
            v_problem := 'must be a list of strings';
        ELSIF jsonb_array_length(p_value) = 0 OR EXISTS (
                SELECT FROM jsonb_array_elements_text(p_value) t
                WHERE t !~ '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$') THEN
            v_problem := 'must list at least one media type, each as type/subtype';
        END IF;
    WHEN 'country_rule' THEN
        IF jsonb_typeof(p_value) = 'string' THEN
            IF p_value #>> '{}' NOT IN ('all', 'none') THEN
                v_problem := v_rule;
            END IF;
        ELSIF jsonb_typeof(p_value) IS DISTINCT FROM 'object' THEN
            v_problem := v_rule;
        ELSIF (SELECT count(*) FROM jsonb_object_keys(p_value)) <> 1 OR NOT (p_value ? 'only' OR p_value ? 'all_except') THEN
            v_problem := v_rule;
        ELSIF NOT kyc.policy_is_string_list(coalesce(p_value -> 'only', p_value -> 'all_except')) OR EXISTS (
                SELECT FROM jsonb_array_elements_text(coalesce(p_value -> 'only', p_value -> 'all_except')) c
                WHERE c NOT IN (SELECT alpha2 FROM kyc.countries)) THEN
            v_problem := 'must list ISO 3166-1 alpha-2 countries';
        END IF;
    WHEN 'check_order' THEN
        IF NOT kyc.policy_is_string_list(p_value) THEN
            v_problem := 'must be a list of strings';
        ELSIF jsonb_array_length(p_value) <> jsonb_array_length(v_spec.default_value)
              OR (SELECT count(DISTINCT c) FROM jsonb_array_elements_text(p_value) c) <> jsonb_array_length(p_value)
              OR EXISTS (SELECT FROM jsonb_array_elements(p_value) c WHERE NOT v_spec.default_value @> jsonb_build_array(c)) THEN
            v_problem := 'must list every check exactly once';
        END IF;
    WHEN 'reason_codes' THEN
        IF NOT kyc.policy_is_string_list(p_value) THEN
            v_problem := 'must be a list of strings';
        ELSIF EXISTS (SELECT FROM jsonb_array_elements_text(p_value) r WHERE r NOT IN (SELECT code FROM kyc.reason_codes)) THEN
            v_problem := 'must list reason codes';
        END IF;
    WHEN 'boolean' THEN
        IF jsonb_typeof(p_value) IS DISTINCT FROM 'boolean' THEN
            v_problem := 'must be true or false';
        END IF;
    END CASE;
    IF v_problem IS NOT NULL OR p_value IS NULL THEN
        RAISE EXCEPTION '% %', p_key, coalesce(v_problem, 'must have a value') USING ERRCODE = '22023';
    END IF;
    RETURN p_value;
END
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

-- A setting in seconds of the policy in force (attempt window, cooldown) as the interval SQL compares with.
CREATE FUNCTION kyc.policy_interval(p_key text) RETURNS interval
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT make_interval(secs => (kyc.policy_setting(p_key) #>> '{}')::double precision)
$$;

-- Publishes a new policy version; audited with who and why. For policy administrators (kyc_policy) and the
-- database owner, not for reviewers or the daemon. The one gate for what a version may hold: only
-- kyc.policy_keys' keys, each value of its key's shape (kyc.policy_value), stored as kyc.policy_value gives it
-- back, so that every reader, SQL's casts and Swift's Policy alike, reads every version it lets in.
--
-- p_expected_version, when given, is the version the caller's change was based on: if another version has
-- been published since, nothing is published and the call is refused with 40001, so that a read-modify-write
-- (kyc-review policy set) reads again rather than reverting someone else's change. Left out, the newest
-- version is replaced whatever it is.
CREATE FUNCTION kyc.publish_policy(p_settings jsonb, p_note text, p_expected_version integer DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_previous kyc.policy_versions;
    v_version integer;
    v_settings jsonb := '{}';
    v_key text;
BEGIN
    PERFORM kyc.require_note(p_note);
    IF p_settings IS NULL OR jsonb_typeof(p_settings) <> 'object' THEN
        RAISE EXCEPTION 'the policy must be a JSON object' USING ERRCODE = '22023';
    END IF;
    -- An unknown key first, then each key in kyc.policy_keys' order, as KYCDomain.Policy reads them.
    SELECT given INTO v_key FROM jsonb_object_keys(p_settings) given
    WHERE given NOT IN (SELECT key FROM kyc.policy_keys()) ORDER BY given LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '% is not a policy key', v_key USING ERRCODE = '22023';
    END IF;
    FOR v_key IN SELECT k.key FROM kyc.policy_keys() WITH ORDINALITY AS k(key, default_value, minimum, maximum, shape, n)
                 WHERE p_settings ? k.key ORDER BY k.n LOOP
        v_settings := v_settings || jsonb_build_object(v_key, kyc.policy_value(v_key, p_settings -> v_key));
    END LOOP;
    IF (SELECT (coalesce(v_settings -> 'face_match.deny_below', d.default_value) #>> '{}')::double precision
               > (coalesce(v_settings -> 'face_match.pass_from', p.default_value) #>> '{}')::double precision
        FROM kyc.policy_keys() d, kyc.policy_keys() p
        WHERE d.key = 'face_match.deny_below' AND p.key = 'face_match.pass_from') THEN
        RAISE EXCEPTION 'face_match.deny_below must not be above face_match.pass_from' USING ERRCODE = '22023';
    END IF;
    LOCK TABLE kyc.policy_versions IN EXCLUSIVE MODE;
    SELECT * INTO v_previous FROM kyc.policy_versions ORDER BY version DESC LIMIT 1;
    IF p_expected_version IS NOT NULL AND v_previous.version IS DISTINCT FROM p_expected_version THEN
        RAISE EXCEPTION 'the policy changed while this change was made: version % is in force, not %; read it again',
            v_previous.version, p_expected_version USING ERRCODE = '40001';
    END IF;
    v_version := v_previous.version + 1;
    INSERT INTO kyc.policy_versions (version, settings, note) VALUES (v_version, v_settings, p_note);
    INSERT INTO kyc.audit_log (actor, action, details)
    VALUES (session_user, 'policy_published', jsonb_build_object(
        'version', v_version, 'note', p_note,
        'changed', (SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_object('from', v_previous.settings -> n.key,
                                                                                'to', n.value)), '{}'::jsonb)
                    FROM jsonb_each(v_settings) n
                    WHERE v_previous.settings -> n.key IS DISTINCT FROM n.value)));
    RETURN v_version;
END
$$;

-- Who may call what.
GRANT EXECUTE ON FUNCTION kyc.current_policy() TO kyc_daemon, kyc_reviewer, kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.policy_keys() TO kyc_daemon, kyc_reviewer, kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.policy_setting(text) TO kyc_daemon, kyc_reviewer, kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.policy_interval(text) TO kyc_daemon, kyc_reviewer, kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.policy_version_setting(integer, text) TO kyc_daemon, kyc_reviewer, kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.publish_policy(jsonb, text, integer) TO kyc_policy;
