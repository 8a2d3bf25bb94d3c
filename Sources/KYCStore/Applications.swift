public import KYCPostgres

/// Reading applications for people: the `show` view of CONTRACT §4.
public struct Applications: Sendable {
    public init() {}

    /// The application as one JSON object (id, account_id, status, submitted_at, checks, decision, emails,
    /// audit), or `.notFound`.
    ///
    /// Identifiers (document number, MRZ) are masked unless `reveal`, which only a reviewer may ask for and
    /// which the audit trail records.
    public func view(_ id: Int64, reveal: Bool = false, on connection: PostgresConnection) async throws(StoreError)
        -> String
    {
        let text: String?
        do {
            text = try await connection.query(
                reveal
                    ? "SELECT kyc.reveal_application($1)::text AS view" : "SELECT kyc.application_view($1)::text AS view",
                [id]
            ).single().decodeIfPresent("view")
        } catch {
            throw StoreError(error)
        }
        guard let text else { throw StoreError(code: .notFound, context: "application \(id)") }
        return text
    }
}
