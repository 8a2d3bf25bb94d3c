import Foundation
import KYCPostgres
import KYCTestSupport
import Testing

@Suite(.enabled(if: TestServers.enabled))
struct PostgresConnectionTests {
    @Test func roundTripsNullQuotesAndUnicodeAsParameters() async throws {
        let connection = try await PostgresConnection.connect(try TestServers.adminURL())
        let tricky = "O'Brien \"quoted\" \\ ; DROP TABLE x; -- Zoë 李 🙂 \u{202E}"
        let row = try await connection.query(
            "SELECT $1::text AS text, $2::text AS null_text, $3::bigint AS number, $4::boolean AS flag",
            [tricky, String?.none, Int64.max, true]
        ).single()
        #expect(try row.decode("text", as: String.self) == tricky)
        #expect(try row.decodeIfPresent("null_text", as: String.self) == nil)
        #expect(try row.decode("number", as: Int64.self) == Int64.max)
        #expect(try row.decode("flag", as: Bool.self))
        await connection.close()
    }

    @Test func roundTripsTimestampsToTheMicrosecond() async throws {
        let connection = try await PostgresConnection.connect(try TestServers.adminURL())
        let instant = Date(timeIntervalSince1970: 1_795_687_770.123456)
        let back = try await connection.query("SELECT $1::timestamptz AS at", [instant]).single().decode("at", as: Date.self)
        #expect(abs(back.timeIntervalSince(instant)) < 0.000_001)
        await connection.close()
    }

    @Test func refusesAParameterWithANulByte() async throws {
        let connection = try await PostgresConnection.connect(try TestServers.adminURL())
        await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT $1::text", ["a\u{0}b"])
        }
        await connection.close()
    }

    @Test func surfacesTheSQLStateWithoutQuotingValues() async throws {
        let connection = try await PostgresConnection.connect(try TestServers.adminURL())
        do {
            try await connection.query("SELECT $1::date", ["secret-value"])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .serverError)
            #expect(error.sqlState == "22007")
            #expect(error.serverMessage?.contains("secret-value") == true)
            #expect(!"\(error)".contains("secret-value"))
        }
        await connection.close()
    }

    @Test func rollsBackATransactionWhoseBodyThrows() async throws {
        let database = try await TestServers.freshDatabase(migrated: false)
        let connection = try await database.connect()
        try await connection.query("CREATE TABLE t (v text)")
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await connection.transaction { connection in
                try connection.query("INSERT INTO t VALUES ($1)", ["x"])
                throw Abort()
            }
        }
        let count = try await connection.query("SELECT count(*) AS n FROM t").single().decode("n", as: Int.self)
        #expect(count == 0)
        await connection.close()
    }

    @Test func deliversNotificationsToAListener() async throws {
        let channel = ChannelName("kyc_test_channel")!
        let listener = try await PostgresConnection.connect(try TestServers.adminURL())
        let sender = try await PostgresConnection.connect(try TestServers.adminURL())
        try await listener.listen(channel)
        #expect(try await listener.waitForNotifications(timeout: .milliseconds(50)).isEmpty)
        try await sender.notify(channel, payload: "42")
        var received: [PostgresConnection.Notification] = []
        for _ in 0..<20 where received.isEmpty {
            received = try await listener.waitForNotifications(timeout: .milliseconds(250))
        }
        #expect(received.map(\.payload) == ["42"])
        #expect(received.first?.channel == "kyc_test_channel")
        await listener.close()
        await sender.close()
    }

    @Test func reportsALostConnectionClearly() async throws {
        let victim = try await PostgresConnection.connect(try TestServers.adminURL())
        let killer = try await PostgresConnection.connect(try TestServers.adminURL())
        let pid = await victim.backendProcessID
        try await killer.query("SELECT pg_terminate_backend($1)", [pid])
        try await Task.sleep(for: .milliseconds(100))
        do {
            try await victim.query("SELECT 1")
            Issue.record("expected an error")
        } catch {
            #expect(error.isConnectionProblem)
        }
        await killer.close()
    }

    @Test func failsAClosedConnectionWithConnectionClosed() async throws {
        let connection = try await PostgresConnection.connect(try TestServers.adminURL())
        await connection.close()
        await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
        do { try await connection.query("SELECT 1") } catch { #expect(error.code == .connectionClosed) }
    }

    @Test func failsToConnectToAPortWithNoServer() async throws {
        do {
            _ = try await PostgresConnection.connect("host=127.0.0.1 port=1 connect_timeout=2")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.isConnectionProblem)
        }
    }
}
