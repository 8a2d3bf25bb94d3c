-- Table privileges (CONTRACT §7), applied after every function file: reads where a role needs them, never a
-- write to a table. The rules live in the functions, where nobody can go around them. Function grants stand
-- beside each function, in its feature's file.
--
-- Declarative: everything is revoked first and granted again, so this file is the whole current truth.

REVOKE ALL ON ALL TABLES IN SCHEMA kyc FROM PUBLIC, kyc_intake, kyc_daemon, kyc_reviewer, kyc_reporter, kyc_privacy;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA kyc FROM PUBLIC;

GRANT SELECT ON kyc.schema_migrations, kyc.schema_functions, kyc.reason_codes TO kyc_daemon;

-- Policy administrators read the versions they publish; the rest goes through kyc.current_policy,
-- kyc.publish_policy and kyc.replay_page.
REVOKE ALL ON ALL TABLES IN SCHEMA kyc FROM kyc_policy;
GRANT SELECT ON kyc.policy_versions TO kyc_policy;

-- Reviewers read applications column by column: never the sealed identifiers nor their fingerprints, which
-- only the audited reveal hands out; nobody but the owner reads the plaintext awaiting its seal.
GRANT SELECT (id, account_id, status, email, locale, document_type, issuing_country, session_started_at,
              submitted_at, received_at, status_changed_at, payload, lease_holder, lease_expires_at,
              check_attempts, automated_verdict, policy_version, duplicate_documents, key_version,
              document_number_hint, document_mrz_present, personal_data_erased_at, fingerprint_normalized)
    ON kyc.applications TO kyc_reviewer;
GRANT SELECT ON kyc.check_results, kyc.decisions, kyc.email_outbox, kyc.audit_log, kyc.reason_codes, kyc.accounts,
    kyc.schema_migrations, kyc.decision_proposals, kyc.policy_versions, kyc.retention_policy TO kyc_reviewer;
-- The trail with its free texts (kyc.free_texts itself is the owner's): what a case's history shows.
GRANT SELECT ON kyc.audit_trail TO kyc_reviewer;

GRANT SELECT ON kyc.retention_policy TO kyc_privacy;
