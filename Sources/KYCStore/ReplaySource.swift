public import Foundation
public import KYCDomain
public import KYCPostgres
public import KYCVault

/// A stored application as a replay needs it: what the checks saw, and what they concluded.
public struct StoredVerdict: Sendable {
    public var id: Int64
    /// What the checks saw, or why it cannot be read back (a stored value no instant represents, a seal
    /// that does not open): such a row is skipped and counted, never a reason to stop the replay.
    public var claimed: Result<ClaimedApplication, Unevaluable>
    /// The automated verdict recorded at the time (`approved`, `denied:<reason>`, `in_review`).
    public var recorded: String
}

/// Reads automatically checked applications, page by page, for a policy replay. Writes nothing.
/// Sealed identifiers are opened with the vault; applications whose personal data was purged are left out
/// (there is nothing left to check).
public struct ReplaySource: Sendable {
    let vault: IdentifierVault?

    public init(vault: IdentifierVault? = nil) {
        self.vault = vault
    }

    /// Up to `limit` applications submitted in [since, until) with an id above `after`, by id, each with its
    /// attempt history over `attemptWindow` and `cooldown` (nil: the policy in force's), so a candidate policy
    /// is replayed on the history it would count.
    public func page(
        since: Date,
        until: Date,
        after: Int64,
        limit: Int,
        attemptWindow: Duration? = nil,
        cooldown: Duration? = nil,
        on connection: PostgresConnection
    ) async throws(StoreError) -> [StoredVerdict] {
        do {
            let rows = try await connection.query(
                """
                SELECT id, payload::text AS payload, submitted_at, received_at, session_started_at, automated_verdict,
                       duplicate_documents, earlier_submissions::text AS earlier_submissions,
                       recent_denials::text AS recent_denials, key_version, sealed, document_number, mrz
                FROM kyc.replay_page($1, $2, $3, $4, $5, $6)
                """,
                [since, until, after, limit, attemptWindow.map { Int($0.components.seconds) },
                 cooldown.map { Int($0.components.seconds) }]
            )
            return try rows.map { row in
                let id: Int64 = try row.decode("id")
                let claimed: Result<ClaimedApplication, Unevaluable>
                do {
                    claimed = .success(
                        try ClaimedApplication(row: row, idColumn: "id", identifiers: try self.identifiers(id, row))
                    )
                } catch let problem as Unevaluable {
                    claimed = .failure(problem)
                }
                return StoredVerdict(id: id, claimed: claimed, recorded: try row.decode("automated_verdict"))
            }
        } catch let error as StoreError {
            throw error
        } catch let error as PostgresError {
            throw StoreError(error)
        } catch {
            throw StoreError(code: .unexpected, context: "\(error)")
        }
    }

    /// The row's identifiers; throws `Unevaluable` when its seal does not open, and `StoreError` when the keyring
    /// is missing or lacks the key (every such row would fail: a configuration problem, not a row's).
    private func identifiers(_ id: Int64, _ row: PostgresRow) throws -> DocumentIdentifiers? {
        if let number: String = try row.decodeIfPresent("document_number") {
            return DocumentIdentifiers(number: number, mrz: try row.decodeIfPresent("mrz"))
        }
        guard let sealed: String = try row.decodeIfPresent("sealed"), let version: Int = try row.decodeIfPresent("key_version")
        else { return nil }
        guard let vault = self.vault else {
            throw StoreError(
                code: .refused,
                message: "replaying sealed applications needs the keyring (KYC_KEYRING_FILE)",
                context: "application \(id)"
            )
        }
        do {
            return try vault.open(SealedIdentifiers(keyVersion: version, base64: sealed), applicationID: id)
        } catch .openingFailed {
            throw Unevaluable("the sealed identifiers could not be opened")
        } catch {
            throw StoreError(code: .unexpected, message: error.description, context: "application \(id)")
        }
    }
}
