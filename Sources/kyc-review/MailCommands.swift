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
        var since: Instant?

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let since = self.since?.date
            let count = try await self.database.run { try await Outbox().retryFailed(since: since, on: $0) }
            print("re-queued \(count) email\(count == 1 ? "" : "s")")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test message and print the server's reply (exit 69 when it cannot be delivered)."
        )

        @Option(help: "The address to send the test message to.")
        var to: EmailArgument

        func run() async throws {
            let (from, smtp) = try mailSettings()
            let message = MailMessage(
                from: from,
                to: [Mailbox(address: self.to.address)],
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
                var line = "not delivered: \(error.code)"
                if let code = error.replyCode { line += ", reply \(code)" }
                if let text = error.replyText { line += ": \(text.replacingOccurrences(of: "\n", with: " | "))" }
                throw CommandFailure(error.isPermanent ? .badData : .unavailable, line)
            }
        }
    }
}
