

-- kyc.claim_identified claimed in one statement and read the claimed rows' document and identifiers in
-- the same statement, under that statement's snapshot. An application whose intake committed after the
-- statement began but before kyc.claim_for_checks looked for work was claimed (its own statements see it)
-- yet missing from the join: left in 'checking' until its lease ran out, a minute later (found by issue
-- 8's pickup-latency benchmark: about 1.5% of submissions arriving every 10 ms). Now the claim is one
-- statement and the read another, which sees everything the claim saw.
CREATE TYPE kyc.claimed_application AS (
    application_id bigint,
    payload jsonb,
    submitted_at timestamptz,
    session_started_at timestamptz,
    earlier_submissions timestamptz[],
    recent_denials timestamptz[],
    duplicate_documents integer
);
