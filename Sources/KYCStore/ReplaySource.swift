public import Foundation
import KYCDomain
public import KYCPostgres

/// A stored application as a replay needs it: what the checks saw, and what they concluded.
public struct StoredVerdict: Sendable {
    public var claimed: ClaimedApplication
    /// The automated verdict recorded at the time (`approved`, `denied:<reason>`, `in_review`).
    public var recorded: String
}

/// Reads automatically checked applications, page by page, for a policy replay. Writes nothing.
public struct ReplaySource: Sendable {
    public init() {}

    /// Up to `limit` applications submitted in [since, until) with an id above `after`, by id.
    public func page(
        since: Date,
        until: Date,
        after: Int64,
        limit: Int,
        on connection: PostgresConnection
    ) async throws(StoreError) -> [StoredVerdict] {
        do {
            let rows = try await connection.query(
                """
                SELECT a.id, a.payload::text AS payload, a.submitted_at, a.session_started_at, a.automated_verdict,
                       coalesce(a.duplicate_documents, 0) AS duplicate_documents,
                       h.earlier_submissions::text AS earlier_submissions, h.recent_denials::text AS recent_denials
                FROM kyc.applications a, kyc.attempt_history(a.id, a.account_id, a.submitted_at) h
                WHERE a.automated_verdict IS NOT NULL AND a.submitted_at >= $1 AND a.submitted_at < $2 AND a.id > $3
                ORDER BY a.id
                LIMIT $4
                """,
                [since, until, after, limit]
            )
            return try rows.map { row throws(PostgresError) in
                StoredVerdict(
                    claimed: try ClaimedApplication(row: row, idColumn: "id"),
                    recorded: try row.decode("automated_verdict")
                )
            }
        } catch {
            throw StoreError(error)
        }
    }
}
