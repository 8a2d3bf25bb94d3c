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

-- Whether a JSON value nests objects and arrays more than `p_levels` deep (the value itself is level 1).
-- Walks containers only, and stops one level past the limit.
CREATE FUNCTION kyc.json_deeper_than(p_value jsonb, p_levels integer) RETURNS boolean
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE walk (value, depth) AS (
        SELECT p_value, 1 WHERE jsonb_typeof(p_value) IN ('object', 'array')
        UNION ALL
        SELECT child.value, walk.depth + 1
        FROM walk
        CROSS JOIN LATERAL (
            SELECT value FROM jsonb_array_elements(CASE WHEN jsonb_typeof(walk.value) = 'array' THEN walk.value END)
            UNION ALL
            SELECT value FROM jsonb_each(CASE WHEN jsonb_typeof(walk.value) = 'object' THEN walk.value END)
        ) child
        WHERE walk.depth <= p_levels AND jsonb_typeof(child.value) IN ('object', 'array')
    )
    SELECT EXISTS (SELECT FROM walk WHERE depth > p_levels)
$$;

-- The one normal form of a document number (CONTRACT §8): ASCII letters in upper case, without spaces, tabs,
-- no-break spaces, hyphens and the MRZ's filler `<`. Intake stores numbers in it, so fingerprints, duplicate counts and the consistency check all
-- compare the same text. KYCDomain.DocumentNumber states the same rule for numbers sealed before it; one
-- table of cases pins both (IntakeAmendmentTests.theSQLAndSwiftNormalFormsAgreeOnEveryCase).
CREATE FUNCTION kyc.normalized_document_number(p_number text) RETURNS text
LANGUAGE sql
IMMUTABLE
STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    -- translate maps each letter to the one at its place in the second list and drops the characters past it.
    SELECT translate(p_number, 'abcdefghijklmnopqrstuvwxyz' || ' -<' || chr(9) || chr(160),
                     'ABCDEFGHIJKLMNOPQRSTUVWXYZ')
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
    -- Intake's clock: the wall clock, not the transaction's start, so a caller holding a transaction open
    -- cannot date its submission back.
    v_received_at timestamptz := clock_timestamp();
BEGIN
    IF submission IS NULL OR jsonb_typeof(submission) <> 'object' THEN
        PERFORM kyc.invalid_field('submission', 'must be a JSON object');
    END IF;
    -- Limits at the door (CONTRACT §8): what the daemon reads is bounded before anything is stored.
    IF octet_length(submission::text) > 1048576 THEN
        PERFORM kyc.invalid_field('submission', 'must be at most 1 MiB as JSON text');
    END IF;
    IF kyc.json_deeper_than(submission, 32) THEN
        PERFORM kyc.invalid_field('submission', 'must not nest objects and arrays more than 32 levels deep');
    END IF;

    v_account_id := kyc.field_text(submission -> 'account_id', 'account_id', true, 64);
    IF v_account_id !~ '^[[:print:]]+$' THEN
        PERFORM kyc.invalid_field('account_id', 'must be printable characters');
    END IF;

    v_email := kyc.field_text(submission -> 'email', 'email', true, 254);
    -- The local part ASCII; the domain may be internationalised (the mailer sends its A-label form). This is
    -- the rule of what an address may be: KYCMail.EmailAddress guards the wire without limits of its own and
    -- accepts all that this accepts (EmailAddressRuleTests runs one table of addresses through both).
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
    v_document_number := kyc.normalized_document_number(v_document_number);
    -- Look-alikes (a zero-width space, a non-breaking hyphen, fullwidth digits) would make one document two.
    IF v_document_number !~ '^[A-Z0-9]+$' THEN
        PERFORM kyc.invalid_field('document.number',
                                  'must be letters A-Z and digits (spaces, hyphens and < are ignored)');
    END IF;
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
        -- A score the daemon reads as a double: 1e-400 is 0 in no double, so it is no score.
        IF v_score <> 0 AND abs(v_score) < 1e-300 THEN
            PERFORM kyc.invalid_field('face_match_score', 'must be between 0 and 1');
        END IF;
        IF v_score < 0 OR v_score > 1 THEN
            PERFORM kyc.invalid_field('face_match_score', 'must be between 0 and 1');
        END IF;
    END IF;
    PERFORM kyc.field_enum(submission -> 'liveness', 'liveness', false, ARRAY['passed', 'failed', 'inconclusive']);
    PERFORM kyc.field_enum(submission -> 'capture_channel', 'capture_channel', false, ARRAY['web', 'mobile']);

    -- Intake's clock bounds the submission's (CONTRACT §8): a claimed time can neither hide earlier attempts
    -- nor make an expired document look valid, and no stored time is one the daemon cannot read. Attempts
    -- are counted by received_at, intake's own time.
    v_session_started_at := kyc.field_timestamp(submission -> 'session_started_at', 'session_started_at', true);
    v_submitted_at := coalesce(kyc.field_timestamp(submission -> 'submitted_at', 'submitted_at', false), v_received_at);
    IF v_submitted_at > v_received_at + interval '60 seconds' THEN
        PERFORM kyc.invalid_field('submitted_at', 'must not be more than 60 seconds after intake''s clock');
    END IF;
    IF v_submitted_at < v_received_at - interval '24 hours' THEN
        PERFORM kyc.invalid_field('submitted_at', 'must not be more than 24 hours before intake''s clock');
    END IF;
    IF v_session_started_at > v_submitted_at THEN
        PERFORM kyc.invalid_field('session_started_at', 'must not be after submitted_at');
    END IF;
    IF v_session_started_at < v_submitted_at - interval '24 hours' THEN
        PERFORM kyc.invalid_field('session_started_at', 'must not be more than 24 hours before submitted_at');
    END IF;
    IF v_date_of_birth > (v_submitted_at AT TIME ZONE 'UTC')::date THEN
        PERFORM kyc.invalid_field('basic_info.date_of_birth', 'must not be in the future');
    END IF;
    -- jsonb keeps any number, but its readers (the daemon, `kyc-review show`) hold numbers as doubles: one that
    -- no double can hold, wherever it sits (an extra key of the selfie included), would make the stored
    -- application unreadable to them. Checked after the named fields, so their own message comes first.
    IF jsonb_path_exists(submission, 'strict $.** ? (@.type() == "number" && (@.abs() > 1.7976931348623157e308
                                       || (@ != 0 && @.abs() < 2.2250738585072014e-308)))') THEN
        PERFORM kyc.invalid_field('submission', 'must not hold a number beyond the range of a double');
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
    -- Final means final (CONTRACT §8): after a denial whose reason is final, only kyc.reopen_account lets the
    -- account submit again.
    IF EXISTS (SELECT FROM kyc.applications p
               JOIN kyc.decisions d ON d.application_id = p.id
               JOIN kyc.reason_codes r ON r.code = d.reason_code
               WHERE p.account_id = v_account_id AND d.outcome = 'denied' AND r.final
                 AND d.decided_at > coalesce(v_account.reopened_at, '-infinity')) THEN
        RAISE EXCEPTION 'submission refused: the last decision on this account was final'
            USING ERRCODE = '55000', HINT = 'a reviewer may reopen the account with kyc-review reopen-account';
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
                                  session_started_at, submitted_at, received_at, payload)
    VALUES (v_account_id, v_email, v_locale, v_document_type, v_issuing_country, v_document_number,
            v_session_started_at, v_submitted_at, v_received_at,
            submission || jsonb_build_object('locale', v_locale, 'submitted_at', v_submitted_at))
    RETURNING id INTO v_id;

    INSERT INTO kyc.audit_log (actor, action, application_id, account_id)
        VALUES (session_user, 'submitted', v_id, v_account_id);
    PERFORM pg_notify('kyc_submitted', v_id::text);
    RETURN v_id;
END
$$;

CREATE FUNCTION kyc.divert_identifiers() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_number text := coalesce(NEW.document_number, NEW.payload #>> '{document,number}');
BEGIN
    INSERT INTO kyc.identifiers_awaiting_seal (application_id, issuing_country, document_type, document_number, mrz)
    VALUES (NEW.id, NEW.issuing_country, NEW.document_type, v_number, NEW.payload #>> '{document,mrz}');
    NEW.document_number_hint := kyc.mask(v_number);
    NEW.document_mrz_present := NEW.payload #>> '{document,mrz}' IS NOT NULL;
    NEW.document_number := NULL;
    NEW.payload := NEW.payload #- '{document,number}' #- '{document,mrz}';
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER applications_divert_identifiers BEFORE INSERT ON kyc.applications
    FOR EACH ROW EXECUTE FUNCTION kyc.divert_identifiers();

-- Who may call what.
GRANT EXECUTE ON FUNCTION kyc.submit_application(jsonb) TO kyc_intake;
