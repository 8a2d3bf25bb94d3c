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
SET document_number_hint = CASE WHEN length(document_number) <= 3 THEN repeat('*', length(document_number))
                                ELSE repeat('*', length(document_number) - 3) || right(document_number, 3) END,
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
