-- Decisions and reviewers (CONTRACT §2, §4, §7): the policy as data, four-eyes proposals, and the indexes
-- the review and the report read by. Their functions are in sql/functions/ (decisions, review, reports).

-- The policy the checks and the review rules apply, as data: one JSON document per version, the newest in
-- force. The daemon reads it at every batch, so a new version takes effect without a restart; each decision
-- records the version it was made under. Keys and their meaning: README, "Policy". Version 1 holds the
-- defaults of CONTRACT §3; four-eyes is off.
CREATE TABLE kyc.policy_versions (
    version integer PRIMARY KEY,
    settings jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    created_by text NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now(),
    note text NOT NULL
);

INSERT INTO kyc.policy_versions (version, settings, created_by, note) VALUES (1, '{
    "session_window_seconds": 900,
    "attempts_per_day": 10,
    "attempt_window_seconds": 86400,
    "cooldown_seconds": 86400,
    "minimum_age": 18,
    "face_match.deny_below": 0.6,
    "face_match.pass_from": 0.9,
    "image.mime_types": ["image/jpeg", "image/png"],
    "image.max_bytes": 10485760,
    "image.min_long_side": 640,
    "image.min_short_side": 480,
    "document_types.passport": "all",
    "document_types.id_card": {"all_except": ["US", "GB", "CA", "AU", "NZ"]},
    "document_types.drivers_license": {"only": ["US", "CA", "AU", "NZ", "GB", "IE"]},
    "reason_precedence": ["attempt_limit", "age", "session_window", "document_type", "image_quality", "mrz",
                          "document_expiry", "data_consistency", "liveness", "face_match", "duplicate_document"],
    "four_eyes.reasons": [],
    "four_eyes.duplicate_approvals": false
}', 'migration', 'the defaults of CONTRACT §3');

-- A decision waiting for a second, different reviewer (four-eyes).
CREATE TABLE kyc.decision_proposals (
    application_id bigint PRIMARY KEY REFERENCES kyc.applications,
    outcome text NOT NULL CHECK (outcome IN ('approved', 'denied')),
    reason_code text REFERENCES kyc.reason_codes,
    note text,
    applicant_message text,
    proposed_by text NOT NULL,
    proposed_at timestamptz NOT NULL DEFAULT now()
);

-- Reviewers create no temporary objects: nothing can shadow a name in a definer function's search path,
-- and no work escapes the audit trail into private tables.
DO $temp$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$temp$;

CREATE INDEX decisions_retry_after ON kyc.decisions (retry_after) WHERE retry_after IS NOT NULL;
CREATE INDEX email_outbox_failed ON kyc.email_outbox (failed_at) WHERE status = 'failed';
CREATE INDEX email_outbox_pending_created ON kyc.email_outbox (created_at) WHERE status = 'pending';
CREATE INDEX audit_log_leases ON kyc.audit_log (application_id, actor, at) WHERE action = 'leased';

CREATE INDEX check_results_recorded_at ON kyc.check_results (recorded_at);

CREATE INDEX email_outbox_sent_at ON kyc.email_outbox (sent_at) WHERE status = 'sent';
