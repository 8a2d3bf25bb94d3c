-- Decisions written a batch at a time, and the claim split into a claim and a read (their functions are in
-- sql/functions/decisions.sql and claims.sql). The row type below carried the claimed rows between the two
-- until migration 0006 dropped it.
CREATE TYPE kyc.claimed_application AS (
    application_id bigint,
    payload jsonb,
    submitted_at timestamptz,
    session_started_at timestamptz,
    earlier_submissions timestamptz[],
    recent_denials timestamptz[],
    duplicate_documents integer
);
