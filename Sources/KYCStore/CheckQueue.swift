public import Foundation
public import KYCDomain
public import KYCPostgres

/// An application claimed for checking, with the facts its checks need.
public struct ClaimedApplication: Sendable {
    public var id: Int64
    /// The stored submission document, as JSON text.
    public var payload: String
    public var submittedAt: Date
    public var sessionStartedAt: Date
    public var history: AttemptHistory
}

extension ClaimedApplication {
    /// Reads the columns every claim and replay query returns: the id (named `idColumn`), `payload`,
    /// `submitted_at`, `session_started_at`, `earlier_submissions` and `recent_denials` as text, and
    /// `duplicate_documents`.
    init(row: PostgresRow, idColumn: String) throws(PostgresError) {
        self.init(
            id: try row.decode(idColumn),
            payload: try row.decode("payload"),
            submittedAt: try row.decode("submitted_at"),
            sessionStartedAt: try row.decode("session_started_at"),
            history: AttemptHistory(
                earlierSubmissions: try CheckQueue.timestamps(row.decode("earlier_submissions")),
                recentDenials: try CheckQueue.timestamps(row.decode("recent_denials")),
                duplicateDocuments: try row.decode("duplicate_documents")
            )
        )
    }

    /// The application as the checks take it, or nil when the stored document cannot be read.
    public func underCheck() -> ApplicationUnderCheck? {
        guard let submission = try? JSONDecoder().decode(Submission.self, from: Data(self.payload.utf8)) else {
            return nil
        }
        return ApplicationUnderCheck(
            id: self.id,
            submission: submission,
            sessionStartedAt: self.sessionStartedAt,
            submittedAt: self.submittedAt,
            history: self.history
        )
    }
}

/// The result of checking one application, as the check worker records it.
public struct CheckedApplication: Sendable {
    public var id: Int64
    public var results: [CheckResult]
    public var verdict: Verdict
    /// The policy version the checks applied.
    public var policyVersion: Int
    /// The duplicate-document count the checks saw, kept for replay.
    public var duplicateDocuments: Int

    public init(id: Int64, results: [CheckResult], verdict: Verdict, policyVersion: Int, duplicateDocuments: Int) {
        self.id = id
        self.results = results
        self.verdict = verdict
        self.policyVersion = policyVersion
        self.duplicateDocuments = duplicateDocuments
    }
}

/// The queue of submitted applications. A batch is claimed as a lease (committed on its own, attempts
/// counted), checked, and recorded by the lease holder: checks, decisions, outbox emails and audit entries
/// in one transaction. A crash between the two leaves leases that run out; another instance rescues those
/// applications, and one whose checks keep failing is parked to review rather than stopping the queue.
public struct CheckQueue: Sendable {
    /// Who holds the leases: one value per running daemon instance.
    public let instance: String
    /// How long a claim is held before another instance may rescue it.
    public let lease: Duration

    public init(instance: String, lease: Duration = .seconds(60)) {
        self.instance = instance
        self.lease = lease
    }

    /// What one batch did.
    public struct BatchResult: Sendable, Equatable {
        public var claimed: Int
        public var recorded: Int

        public init(claimed: Int, recorded: Int) {
            self.claimed = claimed
            self.recorded = recorded
        }
    }

    /// Claims up to `limit` applications, lets `check` decide them, and records the results the lease
    /// still covers.
    public func processBatch(
        limit: Int,
        on connection: PostgresConnection,
        check: @Sendable ([ClaimedApplication]) -> [CheckedApplication]
    ) async throws(StoreError) -> BatchResult {
        do {
            let rows = try await connection.query(
                """
                SELECT application_id, payload::text AS payload, submitted_at, session_started_at,
                       earlier_submissions::text AS earlier_submissions,
                       recent_denials::text AS recent_denials, duplicate_documents
                FROM kyc.claim_for_checks($1, $2, $3)
                """,
                [limit, Int(self.lease.components.seconds), self.instance]
            )
            guard !rows.isEmpty else { return BatchResult(claimed: 0, recorded: 0) }
            let claimed = try rows.map { row throws(PostgresError) in try ClaimedApplication(row: row, idColumn: "application_id") }
            let checked = check(claimed)
            let recorded: Int = try await connection.query(
                "SELECT kyc.record_automated_results($1::jsonb, $2) AS recorded",
                [try ResultDocument.encode(checked), self.instance]
            ).single().decode("recorded")
            return BatchResult(claimed: claimed.count, recorded: recorded)
        } catch {
            throw StoreError(error)
        }
    }

    /// Parses a `timestamptz[]` in text form: `{"2026-11-26 10:00:00+00","…"}`.
    static func timestamps(_ text: String) throws(PostgresError) -> [Date] {
        let inner = text.dropFirst().dropLast()
        guard !inner.isEmpty else { return [] }
        return try inner.split(separator: ",").map { element throws(PostgresError) in
            let value = element.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard let date = Date(postgresText: value) else {
                throw PostgresError(code: .decodingFailed, context: "timestamp array element")
            }
            return date
        }
    }
}

/// The JSON document `kyc.record_automated_results` reads.
enum ResultDocument {
    struct Entry: Encodable {
        var application_id: Int64
        var checks: [Check]
        var outcome: String
        var reason_code: String?
        var attempts_remaining: Int?
        var retry_after: String?
        var policy_version: Int
        var duplicate_documents: Int
    }

    struct Check: Encodable {
        var name: String
        var outcome: String
        var reason_code: String?
        var evidence: String
    }

    static func encode(_ checked: [CheckedApplication]) throws -> String {
        let entries = checked.map { application in
            var entry = Entry(
                application_id: application.id,
                checks: application.results.map {
                    Check(name: $0.name.rawValue, outcome: $0.outcome.rawValue, reason_code: $0.reason?.rawValue,
                          evidence: $0.evidence)
                },
                outcome: "approved",
                policy_version: application.policyVersion,
                duplicate_documents: application.duplicateDocuments
            )
            switch application.verdict {
            case .approve:
                break
            case .review:
                entry.outcome = "in_review"
            case .deny(let reason, let retry):
                entry.outcome = "denied"
                entry.reason_code = reason.rawValue
                switch retry {
                case .attemptsRemaining(let count): entry.attempts_remaining = count
                case .after(let date): entry.retry_after = date.postgresText
                case .final: break
                }
            }
            return entry
        }
        return String(decoding: try JSONEncoder().encode(entries), as: UTF8.self)
    }
}
