import Foundation
import KYCTestSupport
import Testing

@testable import KYCPostgres

/// Review 17, finding 4: every connection has a bounded connect and TCP keepalives, unless the operator's
/// connection string (or PGCONNECT_TIMEOUT) says otherwise; finding 9: libpq's reason for a failed or broken
/// connection is kept apart, on one line, for the logs.
struct ConnectionDefaultsTests {
    @Test func ourDefaultsComeBeforeTheOperatorsConnectionStringSoThatItWins() {
        let uri = "postgresql://a:1,b:2/kyc?target_session_attrs=read-write&connect_timeout=9"
        let parameters = PostgresConnection.parameters(uri, environment: [:])
        #expect(parameters.last?.keyword == "dbname")
        #expect(parameters.last?.value == uri)
        #expect(parameters.dropLast().map(\.keyword) == [
            "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
        ])
        #expect(parameters.first(where: { $0.keyword == "connect_timeout" })?.value == "5")
    }

    @Test(arguments: [nil, ""] as [String?])
    func withoutAConnectionStringOnlyTheDefaultsAreGivenAndPGVariablesDoTheRest(_ conninfo: String?) {
        let parameters = PostgresConnection.parameters(conninfo, environment: [:])
        #expect(!parameters.contains { $0.keyword == "dbname" })
        #expect(parameters.contains { $0.keyword == "keepalives_idle" && $0.value == "10" })
    }

    @Test func pgconnectTimeoutInTheEnvironmentIsNotOverridden() {
        let parameters = PostgresConnection.parameters("host=x", environment: ["PGCONNECT_TIMEOUT": "30"])
        #expect(!parameters.contains { $0.keyword == "connect_timeout" })
        #expect(parameters.contains { $0.keyword == "keepalives_count" && $0.value == "3" })
    }

    @Test func aConnectionReasonIsOneLineAndOnlyForConnectionFailures() {
        let multiHost = """
            connection to server at "10.0.0.1", port 5432 failed: timeout expired
            connection to server at "127.0.0.1", port 1 failed: Connection refused
            \tIs the server running on that host and accepting TCP/IP connections?
            """
        let failed = PostgresError(code: .connectionFailed, serverMessage: multiHost)
        #expect(failed.connectionReason == """
            connection to server at "10.0.0.1", port 5432 failed: timeout expired; connection to server at \
            "127.0.0.1", port 1 failed: Connection refused; Is the server running on that host and accepting \
            TCP/IP connections?
            """)
        #expect(!failed.description.contains("refused"), "the description stays as redacted as before")
        let statement = PostgresError(code: .serverError, sqlState: "22007", serverMessage: "bad \"1990-13-01\"")
        #expect(statement.connectionReason == nil)
        // A connection lost right after the statement's own error: the message is the statement's.
        let lostAfterStatement = PostgresError(code: .connectionLost, sqlState: "22007", serverMessage: "bad \"1990-13-01\"")
        #expect(lostAfterStatement.connectionReason == nil)
    }
}

@Suite(.enabled(if: TestServers.enabled))
struct ConnectionDefaultsServerTests {
    @Test func aKeyValueConnectionStringsOwnSettingsWinAndTheOtherDefaultsApply() async throws {
        let conninfo = try TestServers.conninfo(database: "postgres") + " connect_timeout=17 keepalives_idle=30"
        let connection = try await PostgresConnection.connect(conninfo)
        #expect(await connection.option("connect_timeout") == "17")
        #expect(await connection.option("keepalives_idle") == "30")
        #expect(await connection.option("keepalives") == "1")
        #expect(await connection.option("keepalives_interval") == "5")
        #expect(await connection.option("keepalives_count") == "3")
        #expect(await connection.option("password") == nil)
        await connection.close()
    }

    @Test func aURIGetsTheDefaultsAndItsOwnConnectTimeoutWins() async throws {
        let plain = try await PostgresConnection.connect(try TestServers.adminURL())
        let expected = ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] ?? "5"
        #expect(await plain.option("connect_timeout") == expected)
        #expect(await plain.option("keepalives_idle") == "10")
        await plain.close()
        let own = try await PostgresConnection.connect(try TestServers.adminURL() + "?connect_timeout=11")
        #expect(await own.option("connect_timeout") == "11")
        await own.close()
    }

    @Test func aMultiHostURIFallsPastARefusingHostWithTheDefaults() async throws {
        let admin = try #require(URLComponents(string: try TestServers.adminURL()))
        let host = try #require(admin.host), port = try #require(admin.port)
        let uri = "postgresql://\(admin.user ?? "postgres")@127.0.0.1:1,\(host):\(port)\(admin.path)?target_session_attrs=read-write"
        let connection = try await PostgresConnection.connect(uri)
        #expect(await connection.option("host") == "127.0.0.1,\(host)")
        #expect(await connection.option("connect_timeout") == (ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] ?? "5"))
        #expect(await connection.option("keepalives_count") == "3")
        await connection.close()
    }

    @Test func aRefusedConnectionKeepsLibpqsReason() async throws {
        do {
            _ = try await PostgresConnection.connect("host=127.0.0.1 port=1")
            Issue.record("expected an error")
        } catch {
            #expect(error.connectionReason?.contains("Connection refused") == true, "\(error.connectionReason ?? "nil")")
            #expect(error.connectionReason?.contains("\n") == false)
        }
    }

    /// A server that takes the TCP connection and never answers (what a dropped route or a hung host looks
    /// like to libpq once SYNs get through): without a connect timeout this waits forever.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil))
    func aServerThatNeverAnswersFailsTheConnectWithinTheDefaultTimeout() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let started = ContinuousClock.now
        do {
            _ = try await PostgresConnection.connect("host=127.0.0.1 port=\(silent.port) dbname=x user=x")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.connectionReason?.contains("timeout") == true, "\(error.connectionReason ?? "nil")")
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .seconds(4) && elapsed < .seconds(8), "\(elapsed)")
    }
}

/// A loopback TCP socket that listens and never accepts: the kernel completes the handshake and buffers what
/// the client sends, and no reply ever comes.
struct SilentListener {
    let descriptor: Int32
    let port: Int

    struct Failure: Error {}

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && listen(descriptor, 8) == 0
                    && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(descriptor)
            throw Failure()
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        _ = Glibc.close(self.descriptor)
    }
}
