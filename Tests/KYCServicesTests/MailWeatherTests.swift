import Foundation
import KYCPostgres
import KYCServices
import KYCStore
import KYCTestSupport
import Testing

/// One outbox row, as the owner reads it.
struct OutboxRow {
    var status: String
    var attempts: Int
    var lastReply: String?
    var retryInSeconds: Double
    var messageID: String
}

func outboxRow(for recipient: String, in database: TestDatabase) async throws -> OutboxRow? {
    let owner = try await database.connect()
    defer { Task { await owner.close() } }
    let rows = try await owner.query(
        """
        SELECT status, attempts, last_reply, message_id, extract(epoch FROM next_attempt_at - now())::float8 AS retry_in
        FROM kyc.email_outbox WHERE recipient = $1
        """,
        [recipient]
    )
    guard let row = rows.first else { return nil }
    return OutboxRow(
        status: try row.decode("status"), attempts: try row.decode("attempts"), lastReply: try row.decodeIfPresent("last_reply"),
        retryInSeconds: try row.decode("retry_in"), messageID: try row.decode("message_id")
    )
}

/// Waits until the recipient's email has had its first attempt recorded.
func firstAttempt(for recipient: String, in database: TestDatabase) async throws -> OutboxRow? {
    for _ in 0..<200 {
        if let row = try await outboxRow(for: recipient, in: database), row.status != "pending" || row.lastReply != nil {
            return row
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await outboxRow(for: recipient, in: database)
}

func denial(for recipient: String) -> [String: Any] {
    var document = Fixtures.ownLicence("W\(UUID().uuidString.prefix(10))")
    document["email"] = recipient
    document["liveness"] = "failed"
    return document
}

@Suite(.enabled(if: TestServers.enabled))
struct MailWeatherTests {
    func address(_ local: String) -> String { "\(local)-\(UUID().uuidString.prefix(8).lowercased())@example.com" }

    @Test func eachFailureEndsInItsStateAndNoneHoldsBackTheOthers() async throws {
        let database = try await TestServers.freshDatabase()
        let (reject, tempfail, toobig, drop, ok) = (address("reject"), address("tempfail"), address("toobig"), address("drop"), address("ok"))
        try await EndToEndTests().withDaemon(database) {
            for recipient in [reject, tempfail, toobig, drop, ok] {
                _ = try await EndToEndTests().submit(denial(for: recipient), to: database)
            }
            let rejected = try #require(try await firstAttempt(for: reject, in: database))
            #expect(rejected.status == "failed")
            #expect(rejected.attempts == 1)
            #expect(rejected.lastReply?.contains("550") == true)

            let tooBig = try #require(try await firstAttempt(for: toobig, in: database))
            #expect(tooBig.status == "failed", "552 after DATA is permanent")
            #expect(tooBig.attempts == 1)

            let deferred = try #require(try await firstAttempt(for: tempfail, in: database))
            #expect(deferred.status == "pending")
            #expect(deferred.attempts == 1)
            #expect(deferred.lastReply?.contains("451") == true)
            #expect((20...37).contains(deferred.retryInSeconds), "first retry within a minute: \(deferred.retryInSeconds) s")

            let dropped = try #require(try await firstAttempt(for: drop, in: database))
            #expect(dropped.status == "pending", "a connection lost in DATA is retried")
            #expect(dropped.lastReply?.contains("after DATA") == true, "\(dropped.lastReply ?? "")")

            let delivered = try #require(try await firstAttempt(for: ok, in: database))
            #expect(delivered.status == "sent")
            #expect(try await receivedMessages(for: ok).count == 1)
        }
    }

    @Test func aBatchIsSentOverSeveralReusedConnections() async throws {
        let database = try await TestServers.freshDatabase()
        let recipients = (0..<24).map { _ in address("parallel") }
        // Submitted before the daemon starts, so that one batch holds them all.
        for recipient in recipients { _ = try await EndToEndTests().submit(denial(for: recipient), to: database) }
        try await EndToEndTests().withDaemon(database, configure: { $0.mailConnections = 3 }) {
            for recipient in recipients {
                let received = try await receivedMessages(for: recipient, waitingUpTo: 20)
                #expect(received.count == 1)
            }
        }
        let connections = try connectionsUsed(for: recipients)
        #expect(connections.count == 3, "three connections, each reused: \(connections.count)")
    }

    @Test func aServerSlowerThanTheResponseTimeoutIsRetriedLater() async throws {
        let database = try await TestServers.freshDatabase()
        let slow = address("slow")
        try await EndToEndTests().withDaemon(database, configure: { $0.smtpResponseTimeout = .seconds(1) }) {
            _ = try await EndToEndTests().submit(denial(for: slow), to: database)
            let row = try #require(try await firstAttempt(for: slow, in: database))
            #expect(row.status == "pending")
            #expect(row.lastReply?.hasPrefix("timeout") == true, "\(row.lastReply ?? "")")
        }
    }
}
