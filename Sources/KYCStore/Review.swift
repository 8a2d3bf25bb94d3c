public import KYCDomain
public import KYCPostgres

/// What reviewers do, each through the database function that enforces its rules: lease the next case,
/// decide a case, unlock an account's basic info. The reviewer is the role the connection logs in as.
public struct Review: Sendable {
    public init() {}

    /// The in-review cases, oldest first, with their refer reasons, age and lease holder, as a JSON array.
    public func queue(on connection: PostgresConnection) async throws(StoreError) -> String {
        do {
            return try await connection.query(
                """
                SELECT coalesce(jsonb_agg(q ORDER BY q.in_review_since, q.id), '[]'::jsonb)::text AS queue
                FROM (
                    SELECT a.id, a.account_id, a.submitted_at, a.status_changed_at AS in_review_since,
                           floor(extract(epoch FROM now() - a.status_changed_at))::bigint AS age_seconds,
                           CASE WHEN a.lease_expires_at > now() THEN a.lease_holder END AS lease_holder,
                           CASE WHEN a.lease_expires_at > now() THEN a.lease_expires_at END AS lease_expires_at,
                           coalesce((SELECT jsonb_agg(c.name ORDER BY c.name) FROM kyc.check_results c
                                     WHERE c.application_id = a.id AND c.outcome = 'refer'), '[]'::jsonb) AS refer
                    FROM kyc.applications a
                    WHERE a.status = 'in_review'
                ) q
                """
            ).single().decode("queue")
        } catch {
            throw StoreError(error)
        }
    }

    /// Leases the oldest unleased case to the caller for `lease`; nil when none waits.
    public func leaseNext(lease: Duration, on connection: PostgresConnection) async throws(StoreError) -> Int64? {
        do {
            return try await connection.query(
                "SELECT kyc.lease_next_case($1) AS id",
                [Int(lease.components.seconds)]
            ).single().decodeIfPresent("id")
        } catch {
            throw StoreError(error)
        }
    }

    /// Approves a case in review.
    public func approve(_ id: Int64, note: String?, on connection: PostgresConnection) async throws(StoreError) {
        do {
            try await connection.query("SELECT kyc.review_decide($1, 'approved', NULL, $2)", [id, note])
        } catch {
            throw StoreError(error)
        }
    }

    /// Denies a case in review with a reason code.
    public func deny(
        _ id: Int64,
        reason: ReasonCode,
        note: String?,
        on connection: PostgresConnection
    ) async throws(StoreError) {
        do {
            try await connection.query("SELECT kyc.review_decide($1, 'denied', $2, $3)", [id, reason.rawValue, note])
        } catch {
            throw StoreError(error)
        }
    }

    /// Lets the account's next submission confirm new basic info; audited with the note.
    public func unlockBasicInfo(account: String, note: String, on connection: PostgresConnection) async throws(StoreError) {
        do {
            try await connection.query("SELECT kyc.unlock_basic_info($1, $2)", [account, note])
        } catch {
            throw StoreError(error)
        }
    }

    /// The report of CONTRACT §6, as a JSON object.
    public func report(on connection: PostgresConnection) async throws(StoreError) -> String {
        do {
            return try await connection.query("SELECT kyc.report()::text AS report").single().decode("report")
        } catch {
            throw StoreError(error)
        }
    }
}
