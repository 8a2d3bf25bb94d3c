-- Personal data protection: document identifiers sealed at rest by the application, retention as data,
-- legal hold, an audited purge and subject access.
--
-- Identifiers (document number and MRZ) arrive in plaintext through kyc.submit_application, which is
-- SQL: the key never reaches the database. A trigger diverts them, before the application row is
-- written, into kyc.identifiers_awaiting_seal; the daemon reads them from there with its claim, checks
-- the application, and in the results' transaction stores them sealed (AES-GCM) with a keyed fingerprint
-- (HMAC) beside them and deletes the plaintext. kyc.applications never holds an identifier in clear.

CREATE TABLE kyc.identifiers_awaiting_seal (
    application_id bigint PRIMARY KEY REFERENCES kyc.applications DEFERRABLE INITIALLY DEFERRED,
    issuing_country text NOT NULL,
    document_type text NOT NULL,
    document_number text NOT NULL,
    mrz text
);

CREATE INDEX identifiers_awaiting_seal_document
    ON kyc.identifiers_awaiting_seal (issuing_country, document_type, document_number);

ALTER TABLE kyc.applications
    ALTER COLUMN document_number DROP NOT NULL,
    ALTER COLUMN email DROP NOT NULL,
    -- AES-GCM (nonce, ciphertext, tag) of {"mrz", "number"}, bound to the application id.
    ADD COLUMN sealed_identifiers bytea,
    -- HMAC-SHA256 of issuing country, type and number: duplicates found by equality.
    ADD COLUMN document_fingerprint bytea,
    -- The keyring version both were made with.
    ADD COLUMN key_version integer,
    -- What a reviewer sees by default: the number's last three characters.
    ADD COLUMN document_number_hint text,
    ADD COLUMN document_mrz_present boolean NOT NULL DEFAULT false,
    -- Set by the purge: the personal data is gone, the statistics stay.
    ADD COLUMN personal_data_erased_at timestamptz,
    ADD CONSTRAINT applications_sealed_with_version
        CHECK ((sealed_identifiers IS NULL) = (key_version IS NULL)
               AND (sealed_identifiers IS NULL) = (document_fingerprint IS NULL));

ALTER TABLE kyc.email_outbox ALTER COLUMN recipient DROP NOT NULL;

-- Rows written before this migration: their identifiers move out of the row like new ones.
INSERT INTO kyc.identifiers_awaiting_seal (application_id, issuing_country, document_type, document_number, mrz)
SELECT id, issuing_country, document_type, document_number, payload #>> '{document,mrz}'
FROM kyc.applications;

UPDATE kyc.applications
SET document_number_hint = kyc.mask(document_number),
    document_mrz_present = payload #>> '{document,mrz}' IS NOT NULL,
    document_number = NULL,
    payload = payload #- '{document,number}' #- '{document,mrz}';

DROP INDEX kyc.applications_document;
-- kyc.claim_for_checks (0003) still counts duplicates by document_number, which is now always NULL (the
-- count that matters comes from kyc.count_duplicate_documents). This index stays empty and answers that
-- leftover count at once, instead of a scan of every application per claimed one.
CREATE INDEX applications_document_number ON kyc.applications (issuing_country, document_type, document_number)
    WHERE document_number IS NOT NULL AND status IN ('submitted', 'checking', 'in_review', 'approved');
CREATE INDEX applications_document_fingerprint ON kyc.applications (document_fingerprint)
    WHERE document_fingerprint IS NOT NULL AND status IN ('submitted', 'checking', 'in_review', 'approved');
-- The key rotation's and the purge's walks.
CREATE INDEX applications_key_version ON kyc.applications (key_version) WHERE key_version IS NOT NULL;
CREATE INDEX applications_unerased_decided ON kyc.applications (status_changed_at)
    WHERE personal_data_erased_at IS NULL AND status IN ('approved', 'denied');

-- Base64 on one line (encode() breaks lines every 76 characters).
CREATE FUNCTION kyc.base64(p_bytes bytea) RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT translate(encode(p_bytes, 'base64'), E'\n', '')
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

CREATE TRIGGER applications_divert_identifiers BEFORE INSERT ON kyc.applications
    FOR EACH ROW EXECUTE FUNCTION kyc.divert_identifiers();

-- ---------------------------------------------------------------------------------------------------------
-- The daemon: claim with identifiers, count duplicates by fingerprint, record and seal together.

-- kyc.claim_for_checks, with each application's identifiers from where intake diverted them.
CREATE FUNCTION kyc.claim_identified(batch_size integer, lease_seconds integer, instance text,
                                     max_attempts integer DEFAULT 3)
RETURNS TABLE (
    application_id bigint,
    account_id text,
    payload jsonb,
    submitted_at timestamptz,
    session_started_at timestamptz,
    earlier_submissions timestamptz[],
    recent_denials timestamptz[],
    issuing_country text,
    document_type text,
    document_number text,
    mrz text
)
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT c.application_id, a.account_id, c.payload, c.submitted_at, c.session_started_at,
           c.earlier_submissions, c.recent_denials,
           a.issuing_country, a.document_type, u.document_number, u.mrz
    FROM kyc.claim_for_checks(batch_size, lease_seconds, instance, max_attempts) c
    JOIN kyc.applications a ON a.id = c.application_id
    LEFT JOIN kyc.identifiers_awaiting_seal u ON u.application_id = c.application_id
    ORDER BY c.application_id
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
    SELECT a.id,
           ((SELECT count(*) FROM kyc.applications o
             WHERE o.document_fingerprint = ANY (ARRAY(
                       SELECT decode(f, 'hex') FROM jsonb_array_elements_text(e -> 'fingerprints') f))
               AND o.document_fingerprint IS NOT NULL
               AND o.status IN ('submitted', 'checking', 'in_review', 'approved')
               AND o.account_id <> a.account_id)
            + (SELECT count(*) FROM kyc.identifiers_awaiting_seal s
               JOIN kyc.applications o ON o.id = s.application_id
               WHERE s.issuing_country = mine.issuing_country AND s.document_type = mine.document_type
                 AND s.document_number = mine.document_number
                 AND o.status IN ('submitted', 'checking', 'in_review', 'approved')
                 AND o.account_id <> a.account_id))::integer
    FROM jsonb_array_elements(p_documents) e
    JOIN kyc.applications a ON a.id = (e ->> 'application_id')::bigint
    LEFT JOIN kyc.identifiers_awaiting_seal mine ON mine.application_id = a.id
$$;

-- Stores sealed identifiers: [{application_id, key_version, sealed (base64), fingerprint (hex),
-- expected_version (the row's current version, null when it was never sealed)}]. Only decided or
-- in-review applications are sealed (the checks read the plaintext until then), never an erased one, and
-- only when the row is still at expected_version, so two rotations cannot undo each other. The plaintext
-- awaiting its seal is deleted in the same statement. Returns how many rows were sealed.
CREATE FUNCTION kyc.seal_identifiers(p_seals jsonb) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count integer;
BEGIN
    WITH s AS (
        SELECT (e ->> 'application_id')::bigint AS id, (e ->> 'key_version')::integer AS key_version,
               decode(e ->> 'sealed', 'base64') AS sealed, decode(e ->> 'fingerprint', 'hex') AS fingerprint,
               (e ->> 'expected_version')::integer AS expected_version
        FROM jsonb_array_elements(p_seals) e
    ), sealed AS (
        UPDATE kyc.applications a
        SET sealed_identifiers = s.sealed, document_fingerprint = s.fingerprint, key_version = s.key_version
        FROM s
        WHERE a.id = s.id AND a.status NOT IN ('submitted', 'checking') AND a.personal_data_erased_at IS NULL
          AND a.key_version IS NOT DISTINCT FROM s.expected_version
        RETURNING a.id
    ), cleared AS (
        DELETE FROM kyc.identifiers_awaiting_seal u USING sealed WHERE u.application_id = sealed.id
    )
    SELECT count(*) INTO v_count FROM sealed;
    RETURN v_count;
END
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

-- Rows not yet at p_current_version, after id p_after, for the key rotation: sealed ones with their sealed
-- value, unsealed decided or in-review ones with their plaintext. Erased rows have nothing to rotate.
CREATE FUNCTION kyc.identifiers_to_rotate(p_current_version integer, p_after bigint, p_limit integer)
RETURNS TABLE (application_id bigint, key_version integer, sealed text, issuing_country text, document_type text,
               document_number text, mrz text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.id, a.key_version, kyc.base64(a.sealed_identifiers), a.issuing_country, a.document_type,
           u.document_number, u.mrz
    FROM kyc.applications a
    LEFT JOIN kyc.identifiers_awaiting_seal u ON u.application_id = a.id
    WHERE a.id > p_after
      AND a.personal_data_erased_at IS NULL
      AND a.status NOT IN ('submitted', 'checking')
      AND a.key_version IS DISTINCT FROM p_current_version
      AND (a.sealed_identifiers IS NOT NULL OR u.application_id IS NOT NULL)
    ORDER BY a.id
    LIMIT p_limit
$$;

-- Where the rows stand: how many per key version, how many await their seal, how many are erased.
CREATE FUNCTION kyc.key_usage() RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'by_version', coalesce((SELECT jsonb_object_agg(v.key_version::text, v.n)
                                FROM (SELECT key_version, count(*) AS n FROM kyc.applications
                                      WHERE key_version IS NOT NULL GROUP BY key_version) v), '{}'::jsonb),
        'awaiting_seal', (SELECT count(*) FROM kyc.identifiers_awaiting_seal),
        'erased', (SELECT count(*) FROM kyc.applications WHERE personal_data_erased_at IS NOT NULL))
$$;

-- A page of automatically checked applications for a policy replay (which reads, never writes): what the
-- checks saw, the identifiers sealed (opened by the caller with the keyring) or still awaiting their seal.
-- Erased applications have nothing left to check. Each page handed out is in the audit trail.
CREATE FUNCTION kyc.replay_page(p_since timestamptz, p_until timestamptz, p_after bigint, p_limit integer)
RETURNS TABLE (id bigint, payload jsonb, submitted_at timestamptz, session_started_at timestamptz,
               automated_verdict text, duplicate_documents integer, earlier_submissions timestamptz[],
               recent_denials timestamptz[], key_version integer, sealed text, document_number text, mrz text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count integer;
BEGIN
    PERFORM kyc.require_reviewer();
    RETURN QUERY
    SELECT a.id, a.payload, a.submitted_at, a.session_started_at, a.automated_verdict,
           coalesce(a.duplicate_documents, 0), h.earlier_submissions, h.recent_denials,
           a.key_version, kyc.base64(a.sealed_identifiers), u.document_number, u.mrz
    FROM kyc.applications a
    CROSS JOIN LATERAL kyc.attempt_history(a.id, a.account_id, a.submitted_at) h
    LEFT JOIN kyc.identifiers_awaiting_seal u ON u.application_id = a.id
    WHERE a.automated_verdict IS NOT NULL AND a.submitted_at >= p_since AND a.submitted_at < p_until
      AND a.id > p_after AND a.personal_data_erased_at IS NULL
    ORDER BY a.id
    LIMIT p_limit;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count > 0 THEN
        INSERT INTO kyc.audit_log (actor, action, details)
        VALUES (session_user, 'replay_read', jsonb_build_object('applications', v_count, 'after_id', p_after));
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Reading: the masked view and the audited reveal.

-- The view of 0003, with the identifiers' masked forms from the columns that now hold them.
ALTER FUNCTION kyc.application_view(bigint) RENAME TO application_view_unmasked_fields;

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

-- The view with what is needed to show the identifiers: the sealed value (the caller opens it with the
-- keyring) or, before the seal, the plaintext. Every call is in the audit trail, whether or not the caller
-- can open what it got.
CREATE OR REPLACE FUNCTION kyc.reveal_application(p_application_id bigint) RETURNS jsonb
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

-- ---------------------------------------------------------------------------------------------------------
-- Retention, legal hold, purge, subject access: the data protection officer's role.

DO $role$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kyc_privacy') THEN
        BEGIN
            CREATE ROLE kyc_privacy LOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$role$;
GRANT USAGE ON SCHEMA kyc TO kyc_privacy;

-- How long a decided application keeps its personal data after the decision, per outcome.
CREATE TABLE kyc.retention_policy (
    outcome text PRIMARY KEY CHECK (outcome IN ('approved', 'denied')),
    keep_for interval NOT NULL CHECK (keep_for >= interval '0'),
    changed_by text NOT NULL DEFAULT 'migration',
    changed_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO kyc.retention_policy (outcome, keep_for) VALUES ('approved', '5 years'), ('denied', '5 years');

ALTER TABLE kyc.accounts
    ADD COLUMN legal_hold boolean NOT NULL DEFAULT false,
    ADD COLUMN personal_data_erased_at timestamptz;

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

CREATE FUNCTION kyc.set_retention(p_outcome text, p_keep_for interval, p_note text) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_before interval;
BEGIN
    PERFORM kyc.require_privacy_officer();
    PERFORM kyc.require_note(p_note);
    IF p_keep_for IS NULL OR p_keep_for < interval '0' THEN
        RAISE EXCEPTION 'retention must be zero or more' USING ERRCODE = '22023';
    END IF;
    SELECT keep_for INTO v_before FROM kyc.retention_policy WHERE outcome = p_outcome FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'retention is set for approved or denied, not %', p_outcome USING ERRCODE = '22023';
    END IF;
    UPDATE kyc.retention_policy SET keep_for = p_keep_for, changed_by = session_user, changed_at = now()
    WHERE outcome = p_outcome;
    INSERT INTO kyc.audit_log (actor, action, details)
    VALUES (session_user, 'retention_changed', jsonb_build_object(
        'outcome', p_outcome, 'before', v_before::text, 'after', p_keep_for::text, 'note', p_note));
END
$$;

CREATE FUNCTION kyc.set_legal_hold(p_account_id text, p_hold boolean, p_note text) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM kyc.require_privacy_officer();
    PERFORM kyc.require_note(p_note);
    UPDATE kyc.accounts SET legal_hold = p_hold WHERE account_id = p_account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such account' USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO kyc.audit_log (actor, action, account_id, details)
    VALUES (session_user, CASE WHEN p_hold THEN 'legal_hold_set' ELSE 'legal_hold_lifted' END, p_account_id,
            jsonb_build_object('note', p_note));
END
$$;

-- The applications whose personal data is past retention: decided longer ago than their outcome's
-- retention, not erased yet, their account not on legal hold, their email no longer pending. Oldest
-- first, walking the index of unerased decided applications by decision time (a decided application's
-- status_changed_at is its decision's time), so each batch starts where the eligible rows are.
CREATE FUNCTION kyc.purge_candidates(p_limit integer) RETURNS SETOF bigint
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.id
    FROM kyc.applications a
    JOIN kyc.decisions d ON d.application_id = a.id
    JOIN kyc.retention_policy r ON r.outcome = d.outcome
    JOIN kyc.accounts c ON c.account_id = a.account_id
    WHERE a.personal_data_erased_at IS NULL
      AND a.status IN ('approved', 'denied')
      AND a.status_changed_at <= now() - (SELECT min(keep_for) FROM kyc.retention_policy)
      AND d.decided_at + r.keep_for <= now()
      AND NOT c.legal_hold
      AND NOT EXISTS (SELECT FROM kyc.email_outbox e WHERE e.application_id = a.id AND e.status = 'pending')
    ORDER BY a.status_changed_at, a.id
    LIMIT p_limit
$$;

-- Erases the personal data of up to p_batch_size applications past retention (or, with p_dry_run, only
-- counts all of them): names, date of birth, address, document number and MRZ, image references,
-- selfie, scores, email address, check evidence, free-text notes to and about the applicant. Kept: ids,
-- dates, statuses, outcomes, reason codes, countries, document type, the audit trail. An account whose
-- every application is erased loses its basic info too, and may confirm new basic info if it returns.
-- Safe beside the daemon (rows it holds are skipped), idempotent, audited per batch.
CREATE FUNCTION kyc.purge_personal_data(p_batch_size integer, p_dry_run boolean)
RETURNS TABLE (applications integer, accounts integer)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids bigint[];
    v_accounts text[];
BEGIN
    PERFORM kyc.require_privacy_officer();
    IF p_dry_run THEN
        RETURN QUERY
        SELECT count(*)::integer,
               (SELECT count(DISTINCT a.account_id)::integer FROM kyc.applications a
                WHERE a.id IN (SELECT kyc.purge_candidates(NULL))
                  AND NOT EXISTS (SELECT FROM kyc.applications o
                                  WHERE o.account_id = a.account_id AND o.personal_data_erased_at IS NULL
                                    AND o.id NOT IN (SELECT kyc.purge_candidates(NULL))))
        FROM kyc.purge_candidates(NULL);
        RETURN;
    END IF;

    v_ids := ARRAY(
        SELECT a.id FROM kyc.applications a
        WHERE a.id IN (SELECT kyc.purge_candidates(p_batch_size))
        ORDER BY a.id
        FOR UPDATE OF a SKIP LOCKED);
    IF cardinality(v_ids) = 0 THEN
        RETURN QUERY SELECT 0, 0;
        RETURN;
    END IF;

    UPDATE kyc.applications a
    SET email = NULL,
        document_number = NULL,
        document_number_hint = NULL,
        document_mrz_present = false,
        sealed_identifiers = NULL, document_fingerprint = NULL, key_version = NULL,
        payload = jsonb_strip_nulls(jsonb_build_object(
            'locale', a.payload -> 'locale',
            'capture_channel', a.payload -> 'capture_channel',
            'session_started_at', a.payload -> 'session_started_at',
            'submitted_at', a.payload -> 'submitted_at',
            'basic_info', jsonb_strip_nulls(jsonb_build_object(
                'nationality', a.payload #> '{basic_info,nationality}',
                'country_of_residence', a.payload #> '{basic_info,country_of_residence}')),
            'document', jsonb_build_object('type', a.document_type, 'issuing_country', a.issuing_country))),
        personal_data_erased_at = now()
    WHERE a.id = ANY (v_ids);
    DELETE FROM kyc.identifiers_awaiting_seal WHERE application_id = ANY (v_ids);
    UPDATE kyc.check_results SET evidence = '(erased)' WHERE application_id = ANY (v_ids);
    UPDATE kyc.decisions SET note = CASE WHEN note IS NOT NULL THEN '(erased)' END,
                             applicant_message = CASE WHEN applicant_message IS NOT NULL THEN '(erased)' END
    WHERE application_id = ANY (v_ids);
    UPDATE kyc.decision_proposals SET note = CASE WHEN note IS NOT NULL THEN '(erased)' END
    WHERE application_id = ANY (v_ids);
    UPDATE kyc.email_outbox SET recipient = NULL, last_reply = CASE WHEN last_reply IS NOT NULL THEN '(erased)' END
    WHERE application_id = ANY (v_ids);

    -- Accounts left with no application that still holds personal data.
    WITH erased AS (
        UPDATE kyc.accounts c
        -- Empty, and unlocked: if the applicant ever returns, their next submission confirms basic info anew.
        SET basic_info = '{}'::jsonb, basic_info_unlocked = true, personal_data_erased_at = now()
        WHERE c.account_id IN (SELECT a.account_id FROM kyc.applications a WHERE a.id = ANY (v_ids))
          AND c.personal_data_erased_at IS NULL AND NOT c.legal_hold
          AND NOT EXISTS (SELECT FROM kyc.applications o
                          WHERE o.account_id = c.account_id AND o.personal_data_erased_at IS NULL)
        RETURNING c.account_id
    )
    SELECT array_agg(account_id) INTO v_accounts FROM erased;

    INSERT INTO kyc.audit_log (actor, action, details)
    VALUES (session_user, 'personal_data_purged', jsonb_build_object(
        'applications', cardinality(v_ids), 'application_ids', to_jsonb(v_ids),
        'accounts', coalesce(cardinality(v_accounts), 0)));
    RETURN QUERY SELECT cardinality(v_ids), coalesce(cardinality(v_accounts), 0);
END
$$;

-- Everything held about one account (GDPR Art. 15), every column of every row, as one JSON object;
-- sealed identifiers as stored (the caller opens them with the keyring). Audited.
CREATE FUNCTION kyc.export_subject(p_account_id text) RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids bigint[];
    v_export jsonb;
BEGIN
    PERFORM kyc.require_privacy_officer();
    IF NOT EXISTS (SELECT FROM kyc.accounts WHERE account_id = p_account_id) THEN
        RAISE EXCEPTION 'no such account' USING ERRCODE = 'P0002';
    END IF;
    v_ids := ARRAY(SELECT id FROM kyc.applications WHERE account_id = p_account_id ORDER BY id);
    INSERT INTO kyc.audit_log (actor, action, account_id, details)
    VALUES (session_user, 'subject_exported', p_account_id, jsonb_build_object('applications', to_jsonb(v_ids)));
    SELECT jsonb_build_object(
        'account_id', p_account_id,
        'exported_at', now(),
        'account', (SELECT to_jsonb(c) FROM kyc.accounts c WHERE c.account_id = p_account_id),
        'applications', coalesce((
            SELECT jsonb_agg(to_jsonb(a) - 'sealed_identifiers' - 'document_fingerprint'
                             || jsonb_build_object(
                                    'sealed_identifiers', kyc.base64(a.sealed_identifiers),
                                    'document_fingerprint', encode(a.document_fingerprint, 'hex'))
                             ORDER BY a.id)
            FROM kyc.applications a WHERE a.id = ANY (v_ids)), '[]'),
        'identifiers_awaiting_seal', coalesce((
            SELECT jsonb_agg(to_jsonb(u) ORDER BY u.application_id)
            FROM kyc.identifiers_awaiting_seal u WHERE u.application_id = ANY (v_ids)), '[]'),
        'check_results', coalesce((
            SELECT jsonb_agg(to_jsonb(r) ORDER BY r.application_id, r.name)
            FROM kyc.check_results r WHERE r.application_id = ANY (v_ids)), '[]'),
        'decisions', coalesce((
            SELECT jsonb_agg(to_jsonb(d) ORDER BY d.application_id)
            FROM kyc.decisions d WHERE d.application_id = ANY (v_ids)), '[]'),
        'decision_proposals', coalesce((
            SELECT jsonb_agg(to_jsonb(p) ORDER BY p.application_id)
            FROM kyc.decision_proposals p WHERE p.application_id = ANY (v_ids)), '[]'),
        'emails', coalesce((
            SELECT jsonb_agg(to_jsonb(e) ORDER BY e.id)
            FROM kyc.email_outbox e WHERE e.application_id = ANY (v_ids)), '[]'),
        'audit', coalesce((
            SELECT jsonb_agg(to_jsonb(l) ORDER BY l.id)
            FROM kyc.audit_log l WHERE l.account_id = p_account_id OR l.application_id = ANY (v_ids)), '[]'))
    INTO v_export;
    RETURN v_export;
END
$$;

CREATE FUNCTION kyc.retention() RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_object_agg(outcome, jsonb_build_object('keep_for', keep_for::text, 'keep_for_days',
                                                        extract(epoch FROM keep_for)::bigint / 86400,
                                                        'changed_by', changed_by, 'changed_at', changed_at))
    FROM kyc.retention_policy
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Privileges. Reviewers read applications column by column: never the sealed identifiers nor their
-- fingerprints, which only the audited reveal hands out; nobody but the owner reads the plaintext
-- awaiting its seal.

REVOKE ALL ON ALL TABLES IN SCHEMA kyc FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA kyc FROM PUBLIC;

REVOKE SELECT ON kyc.applications FROM kyc_reviewer;
GRANT SELECT (id, account_id, status, email, locale, document_type, issuing_country, session_started_at,
              submitted_at, received_at, status_changed_at, payload, lease_holder, lease_expires_at,
              check_attempts, automated_verdict, policy_version, duplicate_documents, key_version,
              document_number_hint, document_mrz_present, personal_data_erased_at)
    ON kyc.applications TO kyc_reviewer;
GRANT SELECT ON kyc.retention_policy TO kyc_reviewer, kyc_privacy;

GRANT EXECUTE ON FUNCTION kyc.claim_identified(integer, integer, text, integer) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.count_duplicate_documents(jsonb) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.record_checked(jsonb, text, jsonb) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.seal_identifiers(jsonb) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.identifiers_to_rotate(integer, bigint, integer) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.key_usage() TO kyc_daemon, kyc_privacy;
GRANT EXECUTE ON FUNCTION kyc.application_view(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.replay_page(timestamptz, timestamptz, bigint, integer) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.application_view_unmasked_fields(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.reveal_application(bigint) TO kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.retention() TO kyc_privacy, kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.set_retention(text, interval, text) TO kyc_privacy;
GRANT EXECUTE ON FUNCTION kyc.set_legal_hold(text, boolean, text) TO kyc_privacy;
GRANT EXECUTE ON FUNCTION kyc.purge_personal_data(integer, boolean) TO kyc_privacy;
GRANT EXECUTE ON FUNCTION kyc.export_subject(text) TO kyc_privacy;
