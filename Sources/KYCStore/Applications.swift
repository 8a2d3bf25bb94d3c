public import KYCPostgres

/// Reading applications for people: the `show` view of CONTRACT §4.
public struct Applications: Sendable {
    public init() {}

    /// The application as one JSON object (id, account_id, status, submitted_at, checks, decision, emails,
    /// audit), or `.notFound`.
    public func view(_ id: Int64, on connection: PostgresConnection) async throws(StoreError) -> String {
        let text: String?
        do {
            text = try await connection.query("SELECT kyc.application_view($1)::text AS view", [id])
                .single().decodeIfPresent("view")
        } catch {
            throw StoreError(error)
        }
        guard let text else { throw StoreError(code: .notFound, context: "application \(id)") }
        return text
    }
}
