CREATE FUNCTION kyc.refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = '42501';
END
$$;

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

-- Reviewers' leads (kyc_review_lead) may also break another reviewer's lease.
CREATE FUNCTION kyc.require_review_lead() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pg_has_role(session_user, 'kyc_review_lead', 'MEMBER') THEN
        RAISE EXCEPTION 'not permitted: % is not a reviewers'' lead', session_user USING ERRCODE = '42501';
    END IF;
END
$$;

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

-- Base64 on one line (encode() breaks lines every 76 characters).
CREATE FUNCTION kyc.base64(p_bytes bytea) RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT translate(encode(p_bytes, 'base64'), E'\n', '')
$$;

CREATE FUNCTION kyc.require_privacy_officer() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pg_has_role(session_user, 'kyc_privacy', 'MEMBER') THEN
        RAISE EXCEPTION 'not permitted: % is not a privacy officer', session_user USING ERRCODE = '42501';
    END IF;
END
$$;

CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON kyc.audit_log
    FOR EACH ROW EXECUTE FUNCTION kyc.refuse_audit_change();
CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON kyc.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION kyc.refuse_audit_change();

-- Who may call what.
GRANT EXECUTE ON FUNCTION kyc.mask(text) TO kyc_reviewer;
