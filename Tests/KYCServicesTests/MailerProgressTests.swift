import Foundation
import KYCDomain
import Logging
import Testing

@testable import KYCServices
@testable import KYCStore

/// Review 17, finding 5: on a slow relay one call delivers for minutes; every email's result counts as the
/// mailer's progress for the watchdog. Needs no server: invalid addresses fail before any SMTP command.
struct MailerProgressTests {
    @Test func everyEmailsResultBeatsTheMailersHeartbeat() async throws {
        var configuration = Configuration()
        configuration.mailFrom = "KYC Review <kyc@exchange.example>"
        configuration.smtpURL = "smtp://127.0.0.1:1"
        let heartbeat = Heartbeat(loops: ["mailer"])
        let mailer = try OutboxMailer(
            configuration: configuration, database: Database(url: nil, logger: Logger(label: "test")),
            heartbeat: heartbeat, logger: Logger(label: "test")
        )
        let before = try #require(heartbeat.snapshot["mailer"]).lastBeat
        let emails = (1...3).map { id in
            OutboxEmail(
                id: Int64(id), applicationID: Int64(id), recipient: "not an address", recipientName: nil,
                messageID: "<\(id)@exchange.example>", attempts: 1, createdAt: Date(),
                notice: DecisionNotice(applicationID: Int64(id), outcome: .approved, locale: "en")
            )
        }
        let recorder = DeliveryRecorder()
        await mailer.send(emails, recorder: recorder)
        #expect(try #require(heartbeat.snapshot["mailer"]).lastBeat > before)
    }
}
