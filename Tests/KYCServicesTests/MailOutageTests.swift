import Foundation
import KYCMail
import KYCPostgres
import KYCTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SMTP weather that touches the shared mail server, so it runs in the fault step, alone
/// (`make test` sets KYC_FAULT_TESTS=1 for that step only).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KYC_FAULT_TESTS"] == "1"), .serialized)
struct MailOutageTests {
    var modeFile: String {
        get throws { URL(fileURLWithPath: try TestServers.mailSpool()).deletingLastPathComponent().appendingPathComponent("mail.mode").path }
    }

    @Test func anOutageAnswering421IsRetriedAndTheEmailKeepsItsMessageID() async throws {
        let database = try await TestServers.freshDatabase()
        let recipient = "outage-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try "refuse".write(toFile: try self.modeFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: try! self.modeFile) }
        try await EndToEndTests().withDaemon(database) {
            _ = try await EndToEndTests().submit(denial(for: recipient), to: database)
            let refused = try #require(try await firstAttempt(for: recipient, in: database))
            #expect(refused.status == "pending")
            #expect(refused.attempts == 1)
            #expect(refused.lastReply?.contains("421") == true, "\(refused.lastReply ?? "")")
            // The server recovers; the retry falls due.
            try FileManager.default.removeItem(atPath: try self.modeFile)
            let owner = try await database.connect()
            try await owner.query("UPDATE kyc.email_outbox SET next_attempt_at = now() WHERE recipient = $1", [recipient])
            try await owner.notify(ChannelName("kyc_outbox")!)
            await owner.close()
            let message = try #require(try await receivedMessages(for: recipient, waitingUpTo: 20).first)
            let delivered = try #require(try await outboxRow(for: recipient, in: database))
            #expect(delivered.status == "sent")
            #expect(delivered.attempts == 2)
            #expect(String(decoding: message, as: UTF8.self).contains("Message-ID: \(refused.messageID)\r\n"))
        }
    }

    /// libcurl notices a closed idle connection itself; SMTPSender also retries once, fresh, when a reused
    /// connection breaks before DATA in a way libcurl cannot see in advance (a race this test cannot force).
    @Test func aMailServerRestartBetweenMessagesFailsNoSend() async throws {
        let sender = SMTPSender(configuration: SMTPConfiguration(url: try TestServers.smtpURL()))
        let first = "reuse-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let second = "reuse-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        func message(to address: String) -> MailMessage {
            MailMessage(
                from: Mailbox(address: EmailAddress("kyc@exchange.example")!), to: [Mailbox(address: EmailAddress(address)!)],
                subject: "reuse", messageID: "<\(UUID().uuidString)@kyc-review>", date: Date(), text: "x"
            )
        }
        try await sender.send(message(to: first))
        // The server goes away and comes back: the sender's idle connection is dead.
        let script = ProcessInfo.processInfo.environment["KYC_TEST_SERVICES"]!
        #expect(system("'\(script)' restart-mail </dev/null >/dev/null 2>&1") == 0)
        try await sender.send(message(to: second))
        #expect(try await receivedMessages(for: second).count == 1)
    }
}
