import Foundation
import KYCMail
import KYCTestSupport
import Logging
import Synchronization
import Testing

@testable import KYCServices

/// Every log record, kept for a test to read.
final class RecordedLog: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])

    var all: [Record] { self.records.withLock { $0 } }

    func append(_ record: Record) { self.records.withLock { $0.append(record) } }

    var logger: Logger {
        Logger(label: "kyc-reviewd-test") { _ in RecordingHandler(log: self) }
    }

    struct RecordingHandler: LogHandler {
        let log: RecordedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
            self.log.append(
                Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
            )
        }
    }
}

/// A server that refuses the credentials or TLS is a configuration problem: the emails wait, and the log and
/// the metrics say so. The mail sink refuses every password with 535 when the EHLO name (the SMTP URL's path)
/// is `auth-reject…`.
@Suite(.enabled(if: TestServers.enabled))
struct MailConfigurationTests {
    func address(_ local: String) -> String { "\(local)-\(UUID().uuidString.prefix(8).lowercased())@example.com" }

    func passwordFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kyc-smtp-\(UUID().uuidString)").path
        try "wrong-password\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func keepsEmailsPendingWhenTheServerRejectsThePassword() async throws {
        let database = try await TestServers.freshDatabase()
        let recipients = (0..<3).map { _ in self.address("password") }
        let passwordFile = try self.passwordFile()
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        // Submitted before the daemon starts, so that one batch holds them all, over both connections.
        for recipient in recipients { _ = try await EndToEndTests().submit(denial(for: recipient), to: database) }
        let log = RecordedLog()
        let health = MailHealth()
        let smtpURL = try TestServers.smtpURL() + "/auth-reject.test"
        try await EndToEndTests().withDaemon(
            database,
            configure: {
                $0.smtpURL = smtpURL
                $0.smtpUser = "kyc"
                $0.smtpPasswordFile = passwordFile
                $0.mailConnections = 2
            },
            logger: log.logger,
            mailHealth: health
        ) {
            for recipient in recipients {
                let row = try #require(try await firstAttempt(for: recipient, in: database))
                #expect(row.status == "pending", "a rejected password fails no email")
                #expect(row.attempts == 1)
                #expect(row.lastReply?.contains("authenticationFailed") == true, "\(row.lastReply ?? "")")
                // 30 s ± 20 % from the attempt; read seconds later on a loaded machine, so only its upper end is exact.
                #expect((5...37).contains(row.retryInSeconds), "backs off: \(row.retryInSeconds) s")
            }
            #expect(try await receivedMessages(for: recipients[0], waitingUpTo: 1).isEmpty)
        }

        let alarms = log.all.filter { $0.message == "mail.configuration_error" }
        #expect(alarms.count == 1, "one line for the batch, not one per email or connection")
        let alarm = try #require(alarms.first)
        #expect(alarm.level == .error)
        #expect(alarm.metadata["error.code"] == "authenticationFailed")
        #expect(alarm.metadata["smtp.reply"] == "535")
        #expect(alarm.metadata["curl.code"] == "67")
        #expect(alarm.metadata["emails.unsent"] == "3")
        for record in log.all {
            let text = record.message + " " + record.metadata.values.joined(separator: " ")
            for recipient in recipients { #expect(!text.contains(recipient), "no address in the log") }
        }

        let snapshot = health.snapshot
        #expect(snapshot.configurationError)
        #expect(snapshot.configurationErrors == ["authenticationFailed": 1])
        #expect(snapshot.lastReplyCode == 535)
        let metrics = StatusReporter.metrics(nil, checkOutcomes: [], progress: [:], mail: snapshot)
        #expect(metrics.contains("\nkyc_mail_configuration_error 1\n"))
        #expect(metrics.contains("\nkyc_mail_configuration_errors_total{code=\"authenticationFailed\"} 1\n"))
        #expect(StatusReporter.statusLine(nil, mail: snapshot).contains("MAIL SERVER REFUSES THE CONFIGURATION"))
    }

    @Test func clearsTheAlarmOnceTheServerAcceptsAnEmailAgain() async throws {
        let database = try await TestServers.freshDatabase()
        let recipient = self.address("fixed")
        let passwordFile = try self.passwordFile()
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let health = MailHealth()
        health.configurationRefused(SMTPErrorFixture.rejectedPassword)
        let smtpURL = try TestServers.smtpURL() + "/auth-accept.test"
        try await EndToEndTests().withDaemon(
            database,
            configure: {
                $0.smtpURL = smtpURL
                $0.smtpUser = "kyc"
                $0.smtpPasswordFile = passwordFile
            },
            mailHealth: health
        ) {
            _ = try await EndToEndTests().submit(denial(for: recipient), to: database)
            #expect(try await receivedMessages(for: recipient, waitingUpTo: 20).count == 1)
            for _ in 0..<50 where health.snapshot.configurationError { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(!health.snapshot.configurationError)
        #expect(health.snapshot.configurationErrors == ["authenticationFailed": 1], "the counter only grows")
        let metrics = StatusReporter.metrics(nil, checkOutcomes: [], progress: [:], mail: health.snapshot)
        #expect(metrics.contains("\nkyc_mail_configuration_error 0\n"))
    }
}

enum SMTPErrorFixture {
    static let rejectedPassword = SMTPError(code: .authenticationFailed, replyCode: 535, curlCode: 67)
}
