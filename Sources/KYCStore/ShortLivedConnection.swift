public import KYCPostgres

/// The connection the store's methods take. A program names it through this alias, only to hand it to the
/// store; it never calls the driver itself.
public typealias DatabaseConnection = PostgresConnection

/// Database access for a short-lived program (`kyc-review`): one connection per run, opened, used, closed.
///
/// A program goes through the store's methods with the connection it is handed and never names the driver.
public enum DatabaseAccess {
    /// Opens a connection with `url` (a libpq connection string or URI; nil uses libpq's PG* variables), runs
    /// `body` with it and closes it, whether `body` returns or throws; what `body` throws is passed on.
    ///
    /// A connection that cannot be opened throws `StoreError` `.unavailable` whose message is libpq's (host,
    /// port and the reason, never row data).
    public static func withConnection<Result>(
        url: String?,
        label: String,
        _ body: (DatabaseConnection) async throws -> Result
    ) async throws -> Result {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(url, label: label)
        } catch {
            throw StoreError(
                code: .unavailable,
                message: "cannot reach the database: \(error.serverMessage ?? "\(error.code)")",
                underlying: error
            )
        }
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }
}
