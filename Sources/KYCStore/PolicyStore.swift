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
    ///
    /// - Parameter expectedVersion: the version `policy` was derived from, for a read-modify-write: when another
    ///   version has been published since, nothing is published and `.conflict` is thrown, so that the caller
    ///   reads again instead of reverting that change. nil publishes over whatever version is in force.
    /// - Throws: `.invalidSubmission` naming the key and the rule when `kyc.publish_policy` refuses a value,
    ///   `.conflict` for a stale `expectedVersion`, `.refused` when the caller may not publish.
    public func publish(
        _ policy: Policy, note: String, replacing expectedVersion: Int? = nil, on connection: PostgresConnection
    ) async throws(StoreError) -> Int {
        do {
            return try await connection.query(
                "SELECT kyc.publish_policy($1::jsonb, $2, $3::integer) AS version",
                [policy.json, note, expectedVersion]
            ).single().decode("version")
        } catch {
            throw StoreError(error)
        }
    }
}
