-- The core schema: accounts, applications, check results, decisions, the email outbox and the audit
-- trail; the four roles of CONTRACT §7. The functions that hold the rules are in sql/functions/.

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
