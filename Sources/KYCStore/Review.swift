public import Foundation
public import KYCDomain
public import KYCPostgres

/// What reviewers do, each through the database function that enforces its rules: lease the next case,
/// decide a case, unlock an account's basic info. The reviewer is the role the connection logs in as.
public struct Review: Sendable {
    public init() {}

    /// The in-review cases, oldest first, with their refer reasons, age and lease holder.
    public func queue(on connection: PostgresConnection) async throws(StoreError) -> [QueueEntry] {
        let text: String
        do {
            text = try await connection.query(
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
        return try StoredJSON.decode([QueueEntry].self, from: text, context: "review queue")
    }

    /// A lease length as the lease functions' integer seconds: whole seconds, a length past what an integer holds
    /// given as the largest one, which the policy's bound (`kyc.require_lease_within_policy`) refuses with its
    /// own message rather than the parameter failing to convert.
    static func leaseSeconds(_ lease: Duration) -> Int {
        Int(max(Int64(Int32.min), min(Int64(Int32.max), lease.components.seconds)))
    }

    /// Leases the oldest unleased case to the caller for `lease` (refused, 22023, when longer than the policy's
    /// `review.lease_max_seconds`); nil when none waits.
    public func leaseNext(lease: Duration, on connection: PostgresConnection) async throws(StoreError) -> Int64? {
        do {
            return try await connection.query(
                "SELECT kyc.lease_next_case($1) AS id",
                [Self.leaseSeconds(lease)]
            ).single().decodeIfPresent("id")
        } catch {
            throw StoreError(error)
        }
    }

    /// Extends the caller's own lease on a case to `lease` from now (at most the policy's
    /// `review.lease_max_seconds`); returns when it now runs out. Refused when the case is not leased to the
    /// caller.
    public func renewLease(_ id: Int64, lease: Duration, on connection: PostgresConnection) async throws(StoreError) -> Date {
        do {
            return try await connection.query(
                "SELECT kyc.renew_case_lease($1, $2) AS expires_at",
                [id, Self.leaseSeconds(lease)]
            ).single().decode("expires_at")
        } catch {
            throw StoreError(error)
        }
    }

    /// A reviewers' lead (a member of kyc_review_lead) takes a live lease away from whoever holds it; audited
    /// with the previous holder and the note.
    public func breakLease(_ id: Int64, note: String, on connection: PostgresConnection) async throws(StoreError) {
        try await self.call("SELECT kyc.break_lease($1, $2)", [id, note], on: connection)
    }

    /// What a reviewer's decision did.
    public enum DecisionEffect: String, Sendable {
        /// The decision took effect; the applicant's email is in the outbox.
        case decided
        /// Four-eyes applies: the decision waits for a second reviewer.
        case proposed
    }

    /// Approves a case in review.
    @discardableResult
    public func approve(
        _ id: Int64,
        note: String?,
        message: String? = nil,
        on connection: PostgresConnection
    ) async throws(StoreError) -> DecisionEffect {
        try await self.decide(id, outcome: "approved", reason: nil, note: note, message: message, on: connection)
    }

    /// Denies a case in review with a reason code; `message` goes to the applicant, `note` stays internal.
    @discardableResult
    public func deny(
        _ id: Int64,
        reason: ReasonCode,
        note: String?,
        message: String? = nil,
        on connection: PostgresConnection
    ) async throws(StoreError) -> DecisionEffect {
        try await self.decide(id, outcome: "denied", reason: reason, note: note, message: message, on: connection)
    }

    private func decide(
        _ id: Int64,
        outcome: String,
        reason: ReasonCode?,
        note: String?,
        message: String?,
        on connection: PostgresConnection
    ) async throws(StoreError) -> DecisionEffect {
        do {
            let effect: String = try await connection.query(
                "SELECT kyc.review_decide($1, $2, $3, $4, $5) AS effect",
                [id, outcome, reason?.rawValue, note, message]
            ).single().decode("effect")
            return DecisionEffect(rawValue: effect) ?? .decided
        } catch {
            throw StoreError(error)
        }
    }

    /// Four-eyes: makes another reviewer's proposal take effect.
    public func confirmProposal(_ id: Int64, on connection: PostgresConnection) async throws(StoreError) {
        try await self.call("SELECT kyc.confirm_proposal($1)", [id], on: connection)
    }

    /// Four-eyes: turns another reviewer's proposal down; the case stays in review.
    public func rejectProposal(_ id: Int64, note: String, on connection: PostgresConnection) async throws(StoreError) {
        try await self.call("SELECT kyc.reject_proposal($1, $2)", [id, note], on: connection)
    }

    /// Adds a note to a case's audit trail.
    public func addNote(_ id: Int64, note: String, on connection: PostgresConnection) async throws(StoreError) {
        try await self.call("SELECT kyc.add_note($1, $2)", [id, note], on: connection)
    }

    /// Gives back a case the caller holds.
    public func release(_ id: Int64, on connection: PostgresConnection) async throws(StoreError) {
        try await self.call("SELECT kyc.release_case($1)", [id], on: connection)
    }

    private func call(_ sql: SQL, _ parameters: [any PostgresEncodable], on connection: PostgresConnection)
        async throws(StoreError)
    {
        do {
            try await connection.query(sql, parameters)
        } catch {
            throw StoreError(error)
        }
    }

    /// Lets the account's next submission confirm new basic info; audited with the note.
    public func unlockBasicInfo(account: String, note: String, on connection: PostgresConnection) async throws(StoreError) {
        try await self.call("SELECT kyc.unlock_basic_info($1, $2)", [account, note], on: connection)
    }

    /// Lets an account submit again after a final denial (CONTRACT §8); audited with the note. Refused when the
    /// account has no final denial since its last reopen.
    public func reopenAccount(account: String, note: String, on connection: PostgresConnection) async throws(StoreError) {
        try await self.call("SELECT kyc.reopen_account($1, $2)", [account, note], on: connection)
    }

    /// How often each check ended in each outcome in the last 24 hours.
    public func checkOutcomes(on connection: PostgresConnection) async throws(StoreError) -> [(check: String, outcome: String, count: Int)] {
        do {
            return try await connection.query("SELECT name, outcome, n FROM kyc.check_outcomes_24h()").map {
                row throws(PostgresError) in (try row.decode("name"), try row.decode("outcome"), try row.decode("n"))
            }
        } catch {
            throw StoreError(error)
        }
    }

    /// The report of CONTRACT §6: the window [since, until) (default the last 24 hours) and SLA breaches past
    /// `slaHours` in review.
    public func report(
        since: Date? = nil,
        until: Date? = nil,
        slaHours: Int = 24,
        on connection: PostgresConnection
    ) async throws(StoreError) -> Report {
        let text: String
        do {
            text = try await connection.query(
                "SELECT kyc.report($1, $2, $3)::text AS report",
                [since, until, slaHours]
            ).single().decode("report")
        } catch {
            throw StoreError(error)
        }
        return try StoredJSON.decode(Report.self, from: text, context: "report")
    }
}
