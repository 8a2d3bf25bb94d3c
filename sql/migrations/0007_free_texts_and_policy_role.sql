-- Free text out of the audit trail (issue 16, item 5), and the policy administrators' role (item 6).
--
-- The audit trail is append-only, and it used to copy reviewers' notes and applicants' messages into its
-- rows: a purge erased them from kyc.decisions but the trail kept them forever (CONTRACT §8: after a purge
-- no free text about the application may remain anywhere). Now free text about an application or an
-- account lives in kyc.free_texts, and an audit entry carries only its id ({"note_id": n,
-- "applicant_message_id": m}); the purge deletes the rows, the trail keeps who did what and when.
-- kyc.audit_trail (sql/functions/trail.sql) shows the trail with each reference resolved ("(erased)" once
-- purged).

CREATE TABLE kyc.free_texts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Whom the text is about: an application, or an account (unlock and legal-hold notes). The purge finds
    -- it through these.
    application_id bigint REFERENCES kyc.applications,
    account_id text REFERENCES kyc.accounts,
    kind text NOT NULL CHECK (kind IN ('note', 'applicant_message')),
    text text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    CHECK (application_id IS NOT NULL OR account_id IS NOT NULL)
);

CREATE INDEX free_texts_application ON kyc.free_texts (application_id) WHERE application_id IS NOT NULL;
CREATE INDEX free_texts_account ON kyc.free_texts (account_id) WHERE account_id IS NOT NULL;

-- Entries written before this migration hold their text inline. They are the one rewrite the trail ever
-- gets: here, by the schema owner, in the migration's transaction (nobody sees the trigger off), counted in
-- an audit entry of its own. Each text moves to kyc.free_texts and the entry keeps its id; the text of an
-- application or account already purged is dropped, as its purge would now have done. Actions whose notes
-- are about no person (retention_changed, policy_published) keep them inline.
DO $move$
DECLARE
    v_guarded boolean;
    v_entries integer;
    v_texts integer;
    v_dropped integer;
BEGIN
    v_guarded := EXISTS (SELECT FROM pg_catalog.pg_trigger
                         WHERE tgrelid = 'kyc.audit_log'::regclass AND tgname = 'audit_log_append_only');
    IF v_guarded THEN
        ALTER TABLE kyc.audit_log DISABLE TRIGGER audit_log_append_only;
    END IF;

    WITH moved AS (
        SELECT nextval(pg_catalog.pg_get_serial_sequence('kyc.free_texts', 'id')) AS text_id, l.id AS audit_id,
               l.application_id, CASE WHEN l.application_id IS NULL THEN l.account_id END AS account_id,
               t.kind, t.text, l.at
        FROM kyc.audit_log l
        CROSS JOIN LATERAL (VALUES ('note', l.details ->> 'note'),
                                   ('applicant_message', l.details ->> 'applicant_message')) AS t(kind, text)
        WHERE l.action IN ('decided', 'proposed', 'proposal_rejected', 'note', 'basic_info_unlocked',
                           'legal_hold_set', 'legal_hold_lifted')
          AND t.text IS NOT NULL
          -- An entry about nobody (the product's functions write none) keeps its text.
          AND (l.application_id IS NOT NULL OR l.account_id IS NOT NULL)
    ), kept AS (
        INSERT INTO kyc.free_texts (id, application_id, account_id, kind, text, written_at)
        OVERRIDING SYSTEM VALUE
        SELECT text_id, application_id, account_id, kind, text, at FROM moved
    ), refs AS (
        SELECT audit_id, jsonb_object_agg(kind || '_id', text_id) AS ids FROM moved GROUP BY audit_id
    )
    UPDATE kyc.audit_log l
    SET details = l.details - 'note' - 'applicant_message' || refs.ids
    FROM refs
    WHERE l.id = refs.audit_id;
    GET DIAGNOSTICS v_entries = ROW_COUNT;
    SELECT count(*) INTO v_texts FROM kyc.free_texts;

    -- What a purge has already erased loses its moved text at once.
    DELETE FROM kyc.free_texts t
    WHERE t.application_id IN (SELECT id FROM kyc.applications WHERE personal_data_erased_at IS NOT NULL)
       OR t.account_id IN (SELECT account_id FROM kyc.accounts WHERE personal_data_erased_at IS NOT NULL);
    GET DIAGNOSTICS v_dropped = ROW_COUNT;
    UPDATE kyc.decision_proposals p SET applicant_message = '(erased)'
    FROM kyc.applications a
    WHERE a.id = p.application_id AND a.personal_data_erased_at IS NOT NULL AND p.applicant_message IS NOT NULL;

    IF v_entries > 0 THEN
        INSERT INTO kyc.audit_log (actor, action, details)
        VALUES (session_user, 'audit_free_text_moved', jsonb_build_object(
            'entries', v_entries, 'texts', v_texts, 'erased', v_dropped));
    END IF;

    IF v_guarded THEN
        ALTER TABLE kyc.audit_log ENABLE TRIGGER audit_log_append_only;
    END IF;
END
$move$;

-- Policy administrators: publish the policy and run replays (which read sealed identifiers). A group role;
-- people log in as their own roles that are members. Roles are cluster-wide: create it only when missing.
DO $role$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kyc_policy') THEN
        BEGIN
            CREATE ROLE kyc_policy NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$role$;
GRANT USAGE ON SCHEMA kyc TO kyc_policy;
