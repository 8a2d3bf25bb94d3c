public import KYCPostgres

/// Intake (CONTRACT §1): hands a submission document to `kyc.submit_application`, which validates it,
/// applies the account rules, stores it and wakes the daemon.
public struct Intake: Sendable {
    public init() {}

    /// Submits one JSON document; returns the new application's id.
    ///
    /// - Throws: `.invalidSubmission` naming the field (SQLSTATE 22023), `.refused` naming the rule
    ///   (SQLSTATE 55000), `.unavailable` when the database cannot be reached.
    public func submit(_ json: String, on connection: PostgresConnection) async throws(StoreError) -> Int64 {
        do {
            return try await connection.query("SELECT kyc.submit_application($1::jsonb) AS id", [json])
                .single().decode("id")
        } catch {
            // A document that is not JSON at all fails the cast: that is malformed input too.
            if error.sqlState == "22P02" || error.sqlState == "22P05" || error.sqlState == "22021" {
                throw StoreError(
                    code: .invalidSubmission,
                    message: "invalid submission: the document is not valid JSON",
                    underlying: error
                )
            }
            throw StoreError(error)
        }
    }
}
