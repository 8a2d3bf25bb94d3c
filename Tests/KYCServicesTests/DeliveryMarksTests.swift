import Foundation
import KYCDomain
import KYCPostgres
import KYCTestSupport
import Logging
import Synchronization
import Testing

@testable import KYCServices
@testable import KYCStore

/// Review 17, finding 7: every delivery result handed to the recorder is written, whatever happens meanwhile;
/// a lost "sent" mark is an email sent twice.
@Suite(.enabled(if: TestServers.enabled))
struct DeliveryMarksTests {
    /// `count` denied applications whose emails are claimed by the daemon's role, as the mailer would hold them.
    func claimedEmails(_ count: Int, in database: TestDatabase) async throws -> [OutboxEmail] {
        for _ in 0..<count {
            let id = try await EndToEndTests().submit(Fixtures.validSubmission(), to: database)
            let connection = try await database.connect(role: "kyc_daemon")
            try await connection.transaction { connection in
                try connection.query("SELECT * FROM kyc.claim_for_checks(10, 60, 'test')")
                try connection.query(
                    "SELECT kyc.record_automated_results($1::jsonb, 'test')",
                    ["[{\"application_id\": \(id), \"checks\": [], \"outcome\": \"denied\", \"reason_code\": \"other\"}]"]
                )
            }
            await connection.close()
        }
        let connection = try await database.connect(role: "kyc_daemon")
        let emails = try await Outbox().claimDue(limit: count, lease: .seconds(300), on: connection)
        await connection.close()
        return emails
    }

    func statuses(of emails: [OutboxEmail], in database: TestDatabase) async throws -> [String] {
        let owner = try await database.connect()
        let rows = try await owner.query(
            "SELECT status FROM kyc.email_outbox WHERE id = ANY($1::bigint[]) ORDER BY id",
            ["{" + emails.map { String($0.id) }.joined(separator: ",") + "}"]
        )
        await owner.close()
        return try rows.map { try $0.decode("status", as: String.self) }
    }

    func sent(_ email: OutboxEmail) -> DeliveryResult {
        DeliveryResult(outboxID: email.id, status: .sent, reply: "250 OK")
    }

    @Test func resultsHandedOverAfterCancellationAreStillWritten() async throws {
        let database = try await TestServers.freshDatabase()
        let emails = try await self.claimedEmails(4, in: database)
        let pool = Database(url: try database.conninfo(role: "kyc_daemon"), logger: Logger(label: "test"))
        let recorder = DeliveryRecorder()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await recorder.run(database: pool) }
            try await Task.sleep(for: .milliseconds(300))  // the writer has its connection and waits
            group.cancelAll()  // as the service group does once the grace period is over
            try await Task.sleep(for: .milliseconds(100))
            // Sends that were in flight end now, on the senders' threads.
            for email in emails { recorder.add(self.sent(email)) }
            recorder.close()
            try await group.waitForAll()
        }
        #expect(try await self.statuses(of: emails, in: database) == Array(repeating: "sent", count: 4))
    }

    @Test func aWriteOnAKilledSessionIsRetriedOnAFreshConnection() async throws {
        let database = try await TestServers.freshDatabase()
        let emails = try await self.claimedEmails(5, in: database)
        let log = RecordedLog()
        let pool = Database(url: try database.conninfo(role: "kyc_daemon"), logger: log.logger)
        let recorder = DeliveryRecorder(logger: log.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await recorder.run(database: pool) }
            recorder.add(self.sent(emails[0]))
            for _ in 0..<100 where try await self.statuses(of: [emails[0]], in: database) != ["sent"] {
                try await Task.sleep(for: .milliseconds(50))
            }
            // The recorder's session is the only one of the daemon's role in this database.
            let owner = try await database.connect()
            try await owner.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND usename = $1
                """,
                [TestServers.loginRole(for: "kyc_daemon")]
            )
            await owner.close()
            for email in emails.dropFirst() { recorder.add(self.sent(email)) }
            recorder.close()
            try await group.waitForAll()
        }
        #expect(recorder.failure == nil)
        #expect(try await self.statuses(of: emails, in: database) == Array(repeating: "sent", count: 5))
        let retrying = try #require(log.all.first { $0.message == "delivery.marks_retrying" })
        #expect(retrying.metadata["db.reason"] != nil, "\(retrying.metadata)")
    }
}
