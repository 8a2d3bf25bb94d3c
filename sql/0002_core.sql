-- The core schema: accounts, applications, check results, decisions, the email outbox and the audit
-- trail; the four roles of CONTRACT §7; intake (CONTRACT §1) and the daemon's functions.
--
-- Every function that writes is SECURITY DEFINER with search_path pinned to pg_catalog, pg_temp and every
-- name schema-qualified. Roles get EXECUTE on the functions they need and no INSERT, UPDATE or DELETE on
-- any table: the rules live here, where nobody can go around them.

-- Roles are cluster-wide: create them only when missing, so that several databases can share a cluster.
DO $roles$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['kyc_intake', 'kyc_daemon', 'kyc_reviewer', 'kyc_reporter'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I LOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                -- Another database of the cluster created it at the same moment: the advisory lock that
                -- serialises migrations is per database, roles are per cluster.
                NULL;
            END;
        END IF;
    END LOOP;
END
$roles$;

REVOKE ALL ON SCHEMA kyc FROM PUBLIC;
GRANT USAGE ON SCHEMA kyc TO kyc_intake, kyc_daemon, kyc_reviewer, kyc_reporter;
ALTER DEFAULT PRIVILEGES IN SCHEMA kyc REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Reason codes (CONTRACT §3). `final` means the applicant may not try again.
CREATE TABLE kyc.reason_codes (
    code text PRIMARY KEY,
    final boolean NOT NULL,
    description text NOT NULL
);

INSERT INTO kyc.reason_codes (code, final, description) VALUES
    ('session_expired', false, 'the capture session lasted longer than allowed'),
    ('attempt_limit', false, 'too many attempts in 24 hours'),
    ('unsupported_document', false, 'document type not accepted for the issuing country'),
    ('image_invalid', false, 'document or selfie images missing or unusable'),
    ('mrz_invalid', false, 'machine-readable zone missing or invalid'),
    ('document_expired', false, 'document expired'),
    ('info_mismatch', false, 'document and basic information disagree'),
    ('underage', true, 'applicant under the minimum age'),
    ('liveness_failed', false, 'liveness check failed'),
    ('face_mismatch', false, 'selfie does not match the document'),
    ('document_unreadable', false, 'document unreadable'),
    ('suspected_fraud', true, 'suspected fraud'),
    ('duplicate_identity', true, 'identity already used by another account'),
    ('other', false, 'other reason');

-- An account's confirmed basic info: set by its first submission, changed only through an audited unlock.
CREATE TABLE kyc.accounts (
    account_id text PRIMARY KEY,
    basic_info jsonb NOT NULL,
    confirmed_at timestamptz NOT NULL DEFAULT now(),
    basic_info_unlocked boolean NOT NULL DEFAULT false
);

CREATE TABLE kyc.applications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id text NOT NULL REFERENCES kyc.accounts,
    status text NOT NULL DEFAULT 'submitted'
        CHECK (status IN ('submitted', 'checking', 'in_review', 'approved', 'denied')),
    email text NOT NULL,
    locale text NOT NULL,
    document_type text NOT NULL CHECK (document_type IN ('passport', 'id_card', 'drivers_license')),
    issuing_country text NOT NULL,
    document_number text NOT NULL,
    session_started_at timestamptz NOT NULL,
    submitted_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    payload jsonb NOT NULL,
    -- A lease: the daemon instance checking the application (status checking), or the reviewer holding
    -- the case (status in_review), and until when.
    lease_holder text,
    lease_expires_at timestamptz,
    -- How often the automated checks have claimed it: a claim that keeps failing is parked to review.
    check_attempts integer NOT NULL DEFAULT 0,
    -- What the automated checks concluded (approved | denied:<reason> | in_review), under which policy
    -- version, and the duplicate-document count they saw: the facts a policy replay compares against.
    automated_verdict text,
    policy_version integer,
    duplicate_documents integer
);

-- The claim walks only what is waiting (STYLE: without it, claims slow down as history grows).
CREATE INDEX applications_waiting ON kyc.applications (id) WHERE status = 'submitted';
-- At most one undecided application per account, whatever races intake.
-- Checks whose instance died: their lease runs out and another instance rescues them.
CREATE INDEX applications_checking ON kyc.applications (lease_expires_at) WHERE status = 'checking';
CREATE UNIQUE INDEX applications_one_undecided_per_account ON kyc.applications (account_id)
    WHERE status IN ('submitted', 'checking', 'in_review');
CREATE INDEX applications_account_submitted ON kyc.applications (account_id, submitted_at);
CREATE INDEX applications_document ON kyc.applications (issuing_country, document_type, document_number)
    WHERE status IN ('submitted', 'checking', 'in_review', 'approved');
CREATE INDEX applications_in_review ON kyc.applications (status_changed_at) WHERE status = 'in_review';

CREATE TABLE kyc.check_results (
    application_id bigint NOT NULL REFERENCES kyc.applications,
    name text NOT NULL CHECK (name IN (
        'session_window', 'attempt_limit', 'document_type', 'document_expiry', 'image_quality', 'mrz',
        'data_consistency', 'age', 'liveness', 'face_match', 'duplicate_document')),
    outcome text NOT NULL CHECK (outcome IN ('pass', 'fail', 'refer', 'skip')),
    reason_code text REFERENCES kyc.reason_codes,
    evidence text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, name),
    CHECK ((outcome = 'fail') = (reason_code IS NOT NULL))
);

-- Exactly one decision per application: the primary key is the application.
CREATE TABLE kyc.decisions (
    application_id bigint PRIMARY KEY REFERENCES kyc.applications,
    outcome text NOT NULL CHECK (outcome IN ('approved', 'denied')),
    reason_code text REFERENCES kyc.reason_codes,
    decided_by text NOT NULL,
    decided_at timestamptz NOT NULL DEFAULT now(),
    note text,
    final boolean NOT NULL DEFAULT false,
    attempts_remaining integer CHECK (attempts_remaining >= 0),
    retry_after timestamptz,
    -- A message for the applicant, written into their email; kept apart from the internal note.
    applicant_message text,
    -- Under four-eyes, the second reviewer who made the proposal take effect.
    confirmed_by text,
    -- The policy version the decision was made under.
    policy_version integer,
    CHECK ((outcome = 'approved') = (reason_code IS NULL))
);

CREATE INDEX decisions_decided_at ON kyc.decisions (decided_at);

-- One email per decision, written in the decision's transaction; the mailer delivers it.
CREATE TABLE kyc.email_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id bigint NOT NULL UNIQUE REFERENCES kyc.decisions,
    kind text NOT NULL CHECK (kind IN ('approval', 'denial')),
    recipient text NOT NULL,
    locale text NOT NULL,
    message_id text NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_reply text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    failed_at timestamptz
);

CREATE INDEX email_outbox_due ON kyc.email_outbox (next_attempt_at) WHERE status = 'pending';

-- The audit trail: append-only for everybody, its owner included (the trigger fires for all).
CREATE TABLE kyc.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor text NOT NULL,
    action text NOT NULL,
    application_id bigint,
    account_id text,
    details jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_application ON kyc.audit_log (application_id);

CREATE FUNCTION kyc.refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = '42501';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON kyc.audit_log
    FOR EACH ROW EXECUTE FUNCTION kyc.refuse_audit_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON kyc.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION kyc.refuse_audit_change();

-- ---------------------------------------------------------------------------------------------------------
-- Intake validation helpers. Each raises SQLSTATE 22023 with a message that names the field and never
-- quotes its value.

CREATE FUNCTION kyc.invalid_field(field text, problem text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'invalid submission: % %', field, problem USING ERRCODE = '22023';
END
$$;

CREATE FUNCTION kyc.field_text(value jsonb, field text, required boolean, max_length integer,
                               multiline boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text;
BEGIN
    IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
        IF required THEN PERFORM kyc.invalid_field(field, 'is required'); END IF;
        RETURN NULL;
    END IF;
    IF jsonb_typeof(value) <> 'string' THEN
        PERFORM kyc.invalid_field(field, 'must be a string');
    END IF;
    result := value #>> '{}';
    IF btrim(result) = '' THEN
        PERFORM kyc.invalid_field(field, 'must not be empty');
    END IF;
    IF length(result) > max_length THEN
        PERFORM kyc.invalid_field(field, format('must be at most %s characters', max_length));
    END IF;
    IF (multiline AND replace(result, E'\n', '') ~ '[[:cntrl:]]') OR (NOT multiline AND result ~ '[[:cntrl:]]') THEN
        PERFORM kyc.invalid_field(field, 'must not contain control characters');
    END IF;
    RETURN result;
END
$$;

CREATE FUNCTION kyc.field_enum(value jsonb, field text, required boolean, allowed text[]) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text := kyc.field_text(value, field, required, 64);
BEGIN
    IF result IS NOT NULL AND NOT (result = ANY (allowed)) THEN
        PERFORM kyc.invalid_field(field, 'must be one of ' || array_to_string(allowed, ', '));
    END IF;
    RETURN result;
END
$$;

CREATE FUNCTION kyc.field_country(value jsonb, field text) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result text := kyc.field_text(value, field, true, 64);
BEGIN
    IF result !~ '^[A-Z]{2}$' OR NOT EXISTS (SELECT FROM kyc.countries WHERE alpha2 = result) THEN
        PERFORM kyc.invalid_field(field, 'must be an ISO 3166-1 alpha-2 country code');
    END IF;
    RETURN result;
END
$$;

CREATE FUNCTION kyc.field_date(value jsonb, field text) RETURNS date
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    raw text := kyc.field_text(value, field, true, 10);
BEGIN
    IF raw !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
        PERFORM kyc.invalid_field(field, 'must be a date written YYYY-MM-DD');
    END IF;
    BEGIN
        RETURN raw::date;
    EXCEPTION WHEN OTHERS THEN
        PERFORM kyc.invalid_field(field, 'is not a valid date');
    END;
END
$$;

CREATE FUNCTION kyc.field_timestamp(value jsonb, field text, required boolean) RETURNS timestamptz
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    raw text := kyc.field_text(value, field, required, 40);
BEGIN
    IF raw IS NULL THEN RETURN NULL; END IF;
    IF raw !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN
        PERFORM kyc.invalid_field(field, 'must be an RFC 3339 timestamp with a time zone');
    END IF;
    BEGIN
        RETURN raw::timestamptz;
    EXCEPTION WHEN OTHERS THEN
        PERFORM kyc.invalid_field(field, 'is not a valid timestamp');
    END;
END
$$;

CREATE FUNCTION kyc.field_integer(value jsonb, field text, min_value bigint, max_value bigint) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result numeric;
BEGIN
    IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
        PERFORM kyc.invalid_field(field, 'is required');
    END IF;
    IF jsonb_typeof(value) <> 'number' THEN
        PERFORM kyc.invalid_field(field, 'must be a number');
    END IF;
    result := (value #>> '{}')::numeric;
    IF result <> trunc(result) OR result < min_value OR result > max_value THEN
        PERFORM kyc.invalid_field(field, format('must be a whole number from %s to %s', min_value, max_value));
    END IF;
    RETURN result::bigint;
END
$$;

CREATE FUNCTION kyc.field_object(value jsonb, field text, required boolean) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
        IF required THEN PERFORM kyc.invalid_field(field, 'is required'); END IF;
        RETURN NULL;
    END IF;
    IF jsonb_typeof(value) <> 'object' THEN
        PERFORM kyc.invalid_field(field, 'must be an object');
    END IF;
    RETURN value;
END
$$;

-- An image's metadata: {side?, ref, sha256, mime, bytes, width, height}.
CREATE FUNCTION kyc.field_image(value jsonb, field text, with_side boolean) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    image jsonb := kyc.field_object(value, field, true);
    digest text;
BEGIN
    IF with_side THEN
        PERFORM kyc.field_enum(image -> 'side', field || '.side', true, ARRAY['front', 'back']);
    END IF;
    PERFORM kyc.field_text(image -> 'ref', field || '.ref', true, 1024);
    digest := kyc.field_text(image -> 'sha256', field || '.sha256', true, 64);
    IF digest !~ '^[0-9a-fA-F]{64}$' THEN
        PERFORM kyc.invalid_field(field || '.sha256', 'must be 64 hexadecimal digits');
    END IF;
    PERFORM kyc.field_text(image -> 'mime', field || '.mime', true, 127);
    PERFORM kyc.field_integer(image -> 'bytes', field || '.bytes', 0, 9007199254740991);
    PERFORM kyc.field_integer(image -> 'width', field || '.width', 0, 1000000);
    PERFORM kyc.field_integer(image -> 'height', field || '.height', 0, 1000000);
    RETURN image;
END
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Intake (CONTRACT §1).

CREATE FUNCTION kyc.submit_application(submission jsonb) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_account_id text;
    v_email text;
    v_locale text;
    v_basic jsonb;
    v_document jsonb;
    v_images jsonb;
    v_document_type text;
    v_issuing_country text;
    v_document_number text;
    v_expiry date;
    v_date_of_birth date;
    v_score numeric;
    v_session_started_at timestamptz;
    v_submitted_at timestamptz;
    v_account kyc.accounts;
    v_id bigint;
    v_index integer;
BEGIN
    IF submission IS NULL OR jsonb_typeof(submission) <> 'object' THEN
        PERFORM kyc.invalid_field('submission', 'must be a JSON object');
    END IF;

    v_account_id := kyc.field_text(submission -> 'account_id', 'account_id', true, 64);
    IF v_account_id !~ '^[[:print:]]+$' THEN
        PERFORM kyc.invalid_field('account_id', 'must be printable characters');
    END IF;

    v_email := kyc.field_text(submission -> 'email', 'email', true, 254);
    -- The local part ASCII; the domain may be internationalised (the mailer sends its A-label form).
    IF v_email !~ '^[A-Za-z0-9.!#$%&''*+/=?^_`{|}~-]{1,64}@[[:alnum:]]([[:alnum:]-]{0,61}[[:alnum:]])?(\.[[:alnum:]]([[:alnum:]-]{0,61}[[:alnum:]])?)+$'
       OR split_part(v_email, '@', 1) ~ '(^\.|\.$|\.\.)' THEN
        PERFORM kyc.invalid_field('email', 'must be an email address');
    END IF;

    v_locale := coalesce(kyc.field_text(submission -> 'locale', 'locale', false, 35), 'en');
    IF v_locale !~ '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$' THEN
        PERFORM kyc.invalid_field('locale', 'must be a language tag such as en or pt-BR');
    END IF;

    v_basic := kyc.field_object(submission -> 'basic_info', 'basic_info', true);
    PERFORM kyc.field_text(v_basic -> 'first_name', 'basic_info.first_name', true, 200);
    PERFORM kyc.field_text(v_basic -> 'last_name', 'basic_info.last_name', true, 200);
    v_date_of_birth := kyc.field_date(v_basic -> 'date_of_birth', 'basic_info.date_of_birth');
    PERFORM kyc.field_country(v_basic -> 'nationality', 'basic_info.nationality');
    PERFORM kyc.field_country(v_basic -> 'country_of_residence', 'basic_info.country_of_residence');
    PERFORM kyc.field_text(v_basic -> 'address', 'basic_info.address', false, 500);

    v_document := kyc.field_object(submission -> 'document', 'document', true);
    v_document_type := kyc.field_enum(v_document -> 'type', 'document.type', true,
                                      ARRAY['passport', 'id_card', 'drivers_license']);
    v_issuing_country := kyc.field_country(v_document -> 'issuing_country', 'document.issuing_country');
    v_document_number := kyc.field_text(v_document -> 'number', 'document.number', true, 64);
    v_expiry := kyc.field_date(v_document -> 'expiry_date', 'document.expiry_date');
    PERFORM kyc.field_text(v_document -> 'mrz', 'document.mrz', false, 200, true);
    v_images := v_document -> 'images';
    IF v_images IS NULL OR jsonb_typeof(v_images) = 'null' THEN
        PERFORM kyc.invalid_field('document.images', 'is required');
    END IF;
    IF jsonb_typeof(v_images) <> 'array' THEN
        PERFORM kyc.invalid_field('document.images', 'must be an array');
    END IF;
    IF jsonb_array_length(v_images) > 10 THEN
        PERFORM kyc.invalid_field('document.images', 'must hold at most 10 images');
    END IF;
    FOR v_index IN 0 .. jsonb_array_length(v_images) - 1 LOOP
        PERFORM kyc.field_image(v_images -> v_index, format('document.images[%s]', v_index), true);
    END LOOP;

    PERFORM kyc.field_image(submission -> 'selfie', 'selfie', false);

    IF submission ? 'face_match_score' AND jsonb_typeof(submission -> 'face_match_score') <> 'null' THEN
        IF jsonb_typeof(submission -> 'face_match_score') <> 'number' THEN
            PERFORM kyc.invalid_field('face_match_score', 'must be a number');
        END IF;
        v_score := (submission ->> 'face_match_score')::numeric;
        IF v_score < 0 OR v_score > 1 THEN
            PERFORM kyc.invalid_field('face_match_score', 'must be between 0 and 1');
        END IF;
    END IF;
    PERFORM kyc.field_enum(submission -> 'liveness', 'liveness', false, ARRAY['passed', 'failed', 'inconclusive']);
    PERFORM kyc.field_enum(submission -> 'capture_channel', 'capture_channel', false, ARRAY['web', 'mobile']);

    v_session_started_at := kyc.field_timestamp(submission -> 'session_started_at', 'session_started_at', true);
    v_submitted_at := coalesce(kyc.field_timestamp(submission -> 'submitted_at', 'submitted_at', false), now());
    IF v_session_started_at > v_submitted_at THEN
        PERFORM kyc.invalid_field('session_started_at', 'must not be after submitted_at');
    END IF;
    IF v_date_of_birth > (v_submitted_at AT TIME ZONE 'UTC')::date THEN
        PERFORM kyc.invalid_field('basic_info.date_of_birth', 'must not be in the future');
    END IF;

    -- The basic info an account confirms: exactly the fields given, nulls dropped.
    v_basic := jsonb_strip_nulls(jsonb_build_object(
        'first_name', v_basic -> 'first_name',
        'last_name', v_basic -> 'last_name',
        'date_of_birth', v_basic -> 'date_of_birth',
        'nationality', v_basic -> 'nationality',
        'country_of_residence', v_basic -> 'country_of_residence',
        'address', v_basic -> 'address'));

    -- One submission at a time per account: the account row is the lock.
    INSERT INTO kyc.accounts (account_id, basic_info) VALUES (v_account_id, v_basic)
        ON CONFLICT (account_id) DO NOTHING;
    SELECT * INTO v_account FROM kyc.accounts WHERE account_id = v_account_id FOR UPDATE;

    IF EXISTS (SELECT FROM kyc.applications
               WHERE account_id = v_account_id AND status IN ('submitted', 'checking', 'in_review')) THEN
        RAISE EXCEPTION 'submission refused: the account has an application that is not decided yet'
            USING ERRCODE = '55000';
    END IF;
    IF EXISTS (SELECT FROM kyc.applications WHERE account_id = v_account_id AND status = 'approved') THEN
        RAISE EXCEPTION 'submission refused: the account is already approved' USING ERRCODE = '55000';
    END IF;
    IF v_account.basic_info <> v_basic THEN
        IF NOT v_account.basic_info_unlocked THEN
            RAISE EXCEPTION 'submission refused: basic_info differs from the account''s confirmed basic info'
                USING ERRCODE = '55000';
        END IF;
        UPDATE kyc.accounts SET basic_info = v_basic, confirmed_at = now(), basic_info_unlocked = false
            WHERE account_id = v_account_id;
        INSERT INTO kyc.audit_log (actor, action, account_id)
            VALUES (session_user, 'basic_info_reconfirmed', v_account_id);
    ELSIF v_account.basic_info_unlocked THEN
        UPDATE kyc.accounts SET basic_info_unlocked = false WHERE account_id = v_account_id;
    END IF;

    INSERT INTO kyc.applications (account_id, email, locale, document_type, issuing_country, document_number,
                                  session_started_at, submitted_at, payload)
    VALUES (v_account_id, v_email, v_locale, v_document_type, v_issuing_country, v_document_number,
            v_session_started_at, v_submitted_at,
            submission || jsonb_build_object('locale', v_locale, 'submitted_at', v_submitted_at))
    RETURNING id INTO v_id;

    INSERT INTO kyc.audit_log (actor, action, application_id, account_id)
        VALUES (session_user, 'submitted', v_id, v_account_id);
    PERFORM pg_notify('kyc_submitted', v_id::text);
    RETURN v_id;
END
$$;

-- ---------------------------------------------------------------------------------------------------------
-- The daemon's check worker.

-- An application's attempt history, relative to its own submission time (so a replay sees what the checks
-- saw): the account's earlier submissions in the 24 h before it, and its denials in the 48 h before it,
-- attempt_limit denials not counted.
CREATE FUNCTION kyc.attempt_history(p_id bigint, p_account_id text, p_submitted_at timestamptz,
                                    OUT earlier_submissions timestamptz[], OUT recent_denials timestamptz[])
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT
        ARRAY(
            SELECT p.submitted_at FROM kyc.applications p
            LEFT JOIN kyc.decisions d ON d.application_id = p.id
            WHERE p.account_id = p_account_id AND p.id <> p_id
              AND p.submitted_at > p_submitted_at - interval '24 hours'
              AND (p.submitted_at < p_submitted_at OR (p.submitted_at = p_submitted_at AND p.id < p_id))
              AND d.reason_code IS DISTINCT FROM 'attempt_limit'
            ORDER BY p.submitted_at),
        ARRAY(
            SELECT d.decided_at FROM kyc.applications p
            JOIN kyc.decisions d ON d.application_id = p.id
            WHERE p.account_id = p_account_id AND p.id <> p_id AND d.outcome = 'denied'
              AND d.reason_code <> 'attempt_limit'
              AND d.decided_at > p_submitted_at - interval '48 hours' AND d.decided_at <= p_submitted_at
            ORDER BY d.decided_at)
$$;

-- Claims up to batch_size applications for checking, for one daemon instance: first those whose checking
-- lease ran out (their instance died), then waiting ones, oldest first, skipping rows another instance
-- holds. The claim commits on its own, as a lease (who, until when) with the attempt counted, so that a
-- crash while checking leaves a lease that runs out rather than a lost application. An application whose
-- checks have been claimed max_attempts times without a result is parked: routed to review, audited.
CREATE FUNCTION kyc.claim_for_checks(batch_size integer, lease_seconds integer, instance text,
                                     max_attempts integer DEFAULT 3)
RETURNS TABLE (
    application_id bigint,
    payload jsonb,
    submitted_at timestamptz,
    session_started_at timestamptz,
    earlier_submissions timestamptz[],
    recent_denials timestamptz[],
    duplicate_documents integer
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rescued bigint[];
    v_waiting bigint[];
BEGIN
    v_rescued := ARRAY(
        SELECT id FROM kyc.applications
        WHERE status = 'checking' AND lease_expires_at < now()
        ORDER BY lease_expires_at
        LIMIT batch_size
        FOR UPDATE SKIP LOCKED);

    -- Parked: too many claims without a result.
    WITH parked AS (
        UPDATE kyc.applications
        SET status = 'in_review', status_changed_at = now(), lease_holder = NULL, lease_expires_at = NULL,
            automated_verdict = 'in_review'
        WHERE id = ANY (v_rescued) AND check_attempts >= max_attempts
        RETURNING id, account_id, check_attempts
    )
    INSERT INTO kyc.audit_log (actor, action, application_id, account_id, details)
    SELECT 'auto', 'parked', id, account_id,
           jsonb_build_object('reason', 'the automated checks did not complete', 'attempts', check_attempts)
    FROM parked;
    v_rescued := ARRAY(SELECT id FROM kyc.applications WHERE id = ANY (v_rescued) AND status = 'checking');

    v_waiting := ARRAY(
        SELECT id FROM kyc.applications
        WHERE status = 'submitted'
        ORDER BY id
        LIMIT greatest(0, batch_size - cardinality(v_rescued))
        FOR UPDATE SKIP LOCKED);

    RETURN QUERY
    WITH claimed AS (
        UPDATE kyc.applications a
        SET status = 'checking', status_changed_at = now(), lease_holder = instance,
            lease_expires_at = now() + make_interval(secs => lease_seconds), check_attempts = a.check_attempts + 1
        WHERE a.id = ANY (v_rescued || v_waiting)
        RETURNING a.*
    )
    SELECT
        c.id,
        c.payload,
        c.submitted_at,
        c.session_started_at,
        h.earlier_submissions,
        h.recent_denials,
        (SELECT count(*)::integer FROM kyc.applications o
         WHERE o.issuing_country = c.issuing_country AND o.document_type = c.document_type
           AND o.document_number = c.document_number AND o.account_id <> c.account_id
           AND o.status IN ('submitted', 'checking', 'in_review', 'approved'))
    FROM claimed c, kyc.attempt_history(c.id, c.account_id, c.submitted_at) h
    ORDER BY c.id;
END
$$;

-- ---------------------------------------------------------------------------------------------------------
-- The daemon's mailer (its claim is in 0003, beside the decisions it reads).

-- Records delivery results: [{outbox_id, status: sent | retry | failed, reply, next_attempt_at}].
CREATE FUNCTION kyc.record_email_results(results jsonb) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_result jsonb;
    v_row kyc.email_outbox;
    v_count integer := 0;
BEGIN
    FOR v_result IN SELECT value FROM jsonb_array_elements(results) LOOP
        UPDATE kyc.email_outbox o SET
            status = CASE v_result ->> 'status' WHEN 'retry' THEN 'pending' ELSE v_result ->> 'status' END,
            last_reply = left(v_result ->> 'reply', 1000),
            sent_at = CASE WHEN v_result ->> 'status' = 'sent' THEN now() END,
            failed_at = CASE WHEN v_result ->> 'status' = 'failed' THEN now() END,
            next_attempt_at = coalesce((v_result ->> 'next_attempt_at')::timestamptz, o.next_attempt_at)
        WHERE o.id = (v_result ->> 'outbox_id')::bigint AND o.status = 'pending'
        RETURNING * INTO v_row;
        IF FOUND AND v_row.status <> 'pending' THEN
            INSERT INTO kyc.audit_log (actor, action, application_id, details)
            VALUES ('auto', 'email_' || v_row.status, v_row.application_id,
                    jsonb_build_object('message_id', v_row.message_id, 'attempts', v_row.attempts));
        END IF;
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Privileges (CONTRACT §7): functions only; reads where a role needs them; never a write to a table.

REVOKE ALL ON ALL TABLES IN SCHEMA kyc FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA kyc FROM PUBLIC;

GRANT EXECUTE ON FUNCTION kyc.submit_application(jsonb) TO kyc_intake;

GRANT EXECUTE ON FUNCTION kyc.claim_for_checks(integer, integer, text, integer) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.record_email_results(jsonb) TO kyc_daemon;
GRANT SELECT ON kyc.schema_migrations, kyc.reason_codes TO kyc_daemon;

GRANT EXECUTE ON FUNCTION kyc.attempt_history(bigint, text, timestamptz) TO kyc_reviewer;
GRANT SELECT ON kyc.applications, kyc.check_results, kyc.decisions, kyc.email_outbox, kyc.audit_log,
    kyc.reason_codes, kyc.accounts, kyc.schema_migrations TO kyc_reviewer;
