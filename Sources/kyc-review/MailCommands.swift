import ArgumentParser
import Foundation
import KYCMail
import KYCServices
import KYCStore

struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "Check mail delivery with the live configuration; re-queue emails that gave up.",
        subcommands: [Test.self, RetryFailed.self]
    )

    struct RetryFailed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry-failed",
            abstract: "Put emails that gave up back in the queue, once the cause is fixed (audited; the schema owner's)."
        )

        @Option(help: "Only emails that gave up at or after this time (YYYY-MM-DD or RFC 3339).")
        var since: String?

        func validate() throws {
            if let since { _ = try ReportCommand.instant(since, option: "--since") }
        }

        func run() async throws {
            let since = try self.since.map { try ReportCommand.instant($0, option: "--since") }
            let count = try await withDatabase { try await Outbox().retryFailed(since: since, on: $0) }
            print("re-queued \(count) email\(count == 1 ? "" : "s")")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test message and print the server's reply (exit 69 when it cannot be delivered)."
        )

        @Option(help: "The address to send the test message to.")
        var to: String

        func validate() throws {
            guard EmailAddress(self.to) != nil else { throw ValidationError("--to must be an email address") }
        }

        func run() async throws {
            let (from, smtp) = mailSettings()
            let message = MailMessage(
                from: from,
                to: [Mailbox(address: EmailAddress(self.to)!)],
                subject: "kyc-review test message",
                messageID: "<kyc-test.\(UUID().uuidString.lowercased())@\(from.address.domain)>",
                date: Date(),
                extraHeaders: [("Auto-Submitted", "auto-generated")],
                text: "This is a test message from kyc-review: mail delivery works with this configuration.\n"
            )
            do {
                let receipt = try await SMTPSender(configuration: smtp).send(message)
                print("delivered to \(Configuration.maskingPassword("\(smtp.url)")) (TLS \(smtp.requireTLS ? "required" : "not required")): \(receipt.replyText)")
            } catch {
                var line = "kyc-review: not delivered: \(error.code)"
                if let code = error.replyCode { line += ", reply \(code)" }
                if let text = error.replyText { line += ": \(text.replacingOccurrences(of: "\n", with: " | "))" }
                fail(line, error.isPermanent ? ExitStatus.badData : ExitStatus.unavailable)
            }
        }
    }
}
