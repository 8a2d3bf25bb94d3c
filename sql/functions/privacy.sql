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
        SET sealed_identifiers = s.sealed, document_fingerprint = s.fingerprint, key_version = s.key_version,
            fingerprint_normalized = true
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
      -- Sealed under another key, or fingerprinted before numbers had one normal form (migration 0006).
      AND (a.key_version IS DISTINCT FROM p_current_version OR NOT a.fingerprint_normalized)
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
-- Erased applications have nothing left to check. For policy administrators (kyc_policy) only: each page
-- handed out is in the audit trail with the window asked for and the ids of the applications it held.
CREATE FUNCTION kyc.replay_page(p_since timestamptz, p_until timestamptz, p_after bigint, p_limit integer,
                                p_attempt_window_seconds integer DEFAULT NULL, p_cooldown_seconds integer DEFAULT NULL)
RETURNS TABLE (id bigint, payload jsonb, submitted_at timestamptz, received_at timestamptz,
               session_started_at timestamptz, automated_verdict text, duplicate_documents integer, earlier_submissions timestamptz[],
               recent_denials timestamptz[], key_version integer, sealed text, document_number text, mrz text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM kyc.require_policy_administrator();
    -- One statement, so the ids audited are exactly the rows handed out.
    RETURN QUERY
    WITH page AS (
        SELECT a.id AS page_id, a.payload, a.submitted_at, a.received_at, a.session_started_at, a.automated_verdict,
               coalesce(a.duplicate_documents, 0), h.earlier_submissions, h.recent_denials,
               a.key_version, kyc.base64(a.sealed_identifiers), u.document_number, u.mrz
        FROM kyc.applications a
        CROSS JOIN LATERAL kyc.attempt_history(a.id, a.account_id, a.received_at,
                                               make_interval(secs => p_attempt_window_seconds),
                                               make_interval(secs => p_cooldown_seconds)) h
        LEFT JOIN kyc.identifiers_awaiting_seal u ON u.application_id = a.id
        WHERE a.automated_verdict IS NOT NULL AND a.submitted_at >= p_since AND a.submitted_at < p_until
          AND a.id > p_after AND a.personal_data_erased_at IS NULL
        ORDER BY a.id
        LIMIT p_limit
    ), audited AS (
        INSERT INTO kyc.audit_log (actor, action, details)
        SELECT session_user, 'replay_read', jsonb_build_object(
                   'applications', count(*), 'application_ids', jsonb_agg(p.page_id ORDER BY p.page_id),
                   'since', p_since, 'until', p_until, 'after_id', p_after)
        FROM page p
        HAVING count(*) > 0
    )
    SELECT * FROM page p ORDER BY p.page_id;
END
$$;

-- Keeps a free text about an application or an account (a reviewer's note, a message to the applicant) in
-- kyc.free_texts, for the audit trail to reference by id: the purge deletes it, the trail stays append-only
-- (README, Personal data). Returns the text's id, NULL for no text. Not granted; the product's functions
-- call it.
CREATE FUNCTION kyc.keep_free_text(p_application_id bigint, p_account_id text, p_kind text, p_text text)
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO kyc.free_texts (application_id, account_id, kind, text)
    SELECT p_application_id, p_account_id, p_kind, p_text
    WHERE p_text IS NOT NULL
    RETURNING id
$$;

-- A kept text is never rewritten: like the trail that references it, it can only be added, and only the purge
-- deletes it (its rows are about erased applications and accounts).
CREATE OR REPLACE TRIGGER free_texts_never_rewritten BEFORE UPDATE ON kyc.free_texts
    FOR EACH ROW EXECUTE FUNCTION kyc.refuse_audit_change();
CREATE OR REPLACE TRIGGER free_texts_no_truncate BEFORE TRUNCATE ON kyc.free_texts
    FOR EACH STATEMENT EXECUTE FUNCTION kyc.refuse_audit_change();

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
            jsonb_build_object('note_id', kyc.keep_free_text(NULL, p_account_id, 'note', p_note)));
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
-- selfie, scores, email address, check evidence, free-text notes to and about the applicant (in the
-- decision, a proposal and kyc.free_texts, which the audit trail references). Kept: ids, dates, statuses,
-- outcomes, reason codes, countries, document type, the audit trail's who, what and when. An account whose
-- every application is erased loses its basic info and its own notes (unlock, legal hold) too, and may
-- confirm new basic info if it returns; if it returns and is erased again, so is what it gave since.
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
    UPDATE kyc.decision_proposals SET note = CASE WHEN note IS NOT NULL THEN '(erased)' END,
                                      applicant_message = CASE WHEN applicant_message IS NOT NULL THEN '(erased)' END
    WHERE application_id = ANY (v_ids);
    DELETE FROM kyc.free_texts WHERE application_id = ANY (v_ids);
    UPDATE kyc.email_outbox SET recipient = NULL, last_reply = CASE WHEN last_reply IS NOT NULL THEN '(erased)' END
    WHERE application_id = ANY (v_ids);

    -- Accounts left with no application that still holds personal data.
    WITH erased AS (
        UPDATE kyc.accounts c
        -- Empty, and unlocked: if the applicant ever returns, their next submission confirms basic info anew.
        SET basic_info = '{}'::jsonb, basic_info_unlocked = true, personal_data_erased_at = now()
        WHERE c.account_id IN (SELECT a.account_id FROM kyc.applications a WHERE a.id = ANY (v_ids))
          AND NOT c.legal_hold
          AND NOT EXISTS (SELECT FROM kyc.applications o
                          WHERE o.account_id = c.account_id AND o.personal_data_erased_at IS NULL)
        RETURNING c.account_id
    )
    SELECT array_agg(account_id) INTO v_accounts FROM erased;
    DELETE FROM kyc.free_texts WHERE account_id = ANY (v_accounts);

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
        'free_texts', coalesce((
            SELECT jsonb_agg(to_jsonb(t) ORDER BY t.id)
            FROM kyc.free_texts t WHERE t.account_id = p_account_id OR t.application_id = ANY (v_ids)), '[]'),
        'audit', coalesce((
            SELECT jsonb_agg(to_jsonb(l) ORDER BY l.id)
            FROM kyc.audit_trail l WHERE l.account_id = p_account_id OR l.application_id = ANY (v_ids)), '[]'))
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

-- Who may call what.
GRANT EXECUTE ON FUNCTION kyc.seal_identifiers(jsonb) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.identifiers_to_rotate(integer, bigint, integer) TO kyc_daemon;
GRANT EXECUTE ON FUNCTION kyc.key_usage() TO kyc_daemon, kyc_privacy;
GRANT EXECUTE ON FUNCTION kyc.replay_page(timestamptz, timestamptz, bigint, integer, integer, integer) TO kyc_policy;
GRANT EXECUTE ON FUNCTION kyc.retention() TO kyc_privacy, kyc_reviewer;
GRANT EXECUTE ON FUNCTION kyc.set_retention(text, interval, text) TO kyc_privacy;
GRANT EXECUTE ON FUNCTION kyc.set_legal_hold(text, boolean, text) TO kyc_privacy;
GRANT EXECUTE ON FUNCTION kyc.purge_personal_data(integer, boolean) TO kyc_privacy;
GRANT EXECUTE ON FUNCTION kyc.export_subject(text) TO kyc_privacy;
