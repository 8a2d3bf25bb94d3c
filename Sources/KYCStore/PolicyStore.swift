public import KYCDomain
public import KYCPostgres

/// The versioned policy in `kyc.policy_versions`: the newest version is in force.
public struct PolicyStore: Sendable {
    public init() {}

    /// The version in force and its JSON document.
    public func current(on connection: PostgresConnection) async throws(StoreError) -> (version: Int, json: String) {
        do {
            let row = try await connection.query("SELECT version, settings::text AS settings FROM kyc.current_policy()")
                .single()
            return (try row.decode("version"), try row.decode("settings"))
        } catch {
            throw StoreError(error)
        }
    }

    /// Publishes `policy` as a new version, audited with the caller and `note`; returns the version.
    public func publish(_ policy: Policy, note: String, on connection: PostgresConnection) async throws(StoreError) -> Int {
        do {
            return try await connection.query(
                "SELECT kyc.publish_policy($1::jsonb, $2) AS version",
                [policy.json, note]
            ).single().decode("version")
        } catch {
            throw StoreError(error)
        }
    }
}
