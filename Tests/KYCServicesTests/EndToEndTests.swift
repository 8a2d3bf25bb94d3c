import Foundation
import KYCMail
import KYCPostgres
import KYCServices
import KYCStore
import KYCDomain
import KYCTestSupport
import KYCVault
import Logging
import ServiceLifecycle
import Testing

/// The whole path on the real servers: intake → check worker → decision → outbox → mailer → SMTP sink.
@Suite(.enabled(if: TestServers.enabled))
struct EndToEndTests {
    init() {}

    /// Runs the daemon's two services against `database` while `body` runs, then shuts them down.
    func withDaemon(
        _ database: TestDatabase,
        configure: (inout Configuration) -> Void = { _ in },
        vault: IdentifierVault? = TestKeyring.vault,
        logger: Logger = Logger(label: "kyc-reviewd-test"),
        mailHealth: MailHealth = MailHealth(),
        _ body: () async throws -> Void
    ) async throws {
        var configuration = Configuration()
        configuration.databaseURL = try database.conninfo(role: "kyc_daemon")
        configuration.mailFrom = "KYC Review <kyc@exchange.example>"
        configuration.smtpURL = try TestServers.smtpURL()
        configuration.pollInterval = .seconds(30)  // so that only NOTIFY can wake the workers in time
        configure(&configuration)
        let database = Database(url: configuration.databaseURL, logger: logger)
        let services: [any Service] = [
            database,
            CheckWorker(configuration: configuration, database: database, vault: vault, logger: logger),
            try OutboxMailer(configuration: configuration, database: database, health: mailHealth, logger: logger),
        ]
        let group = ServiceGroup(services: services, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(500))
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func headers(_ message: [UInt8]) -> [String: String] {
        let text = String(decoding: message, as: UTF8.self)
        let block = text.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ")
        var headers: [String: String] = [:]
        for line in block.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon]).lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }

    func view(_ id: Int64, in database: TestDatabase) async throws -> [String: Any] {
        let connection = try await database.connect()
        let view = try await Applications().view(id, on: connection)
        await connection.close()
        // Read as the JSON `show --format json` prints, so the assertions name the contract's keys.
        return try JSONSerialization.jsonObject(with: try JSONEncoder().encode(view)) as! [String: Any]
    }

    func submit(_ document: [String: Any], to database: TestDatabase) async throws -> Int64 {
        let connection = try await database.connect(role: "kyc_intake")
        let id = try await Intake().submit(Fixtures.json(document), on: connection)
        await connection.close()
        return id
    }

    @Test func approvesAValidApplicationAndEmailsTheApplicant() async throws {
        let database = try await TestServers.freshDatabase()
        let recipient = "approved-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await withDaemon(database) {
            let id = try await submit(Fixtures.validSubmission(email: recipient), to: database)
            let messages = try await receivedMessages(for: recipient, waitingUpTo: 20)
            #expect(messages.count == 1)
            let message = try #require(messages.first)
            let headers = headers(message)
            let application = try await view(id, in: database)
            let decision = application["decision"] as? [String: Any]
            let emails = application["emails"] as? [[String: Any]] ?? []
            #expect(application["status"] as? String == "approved")
            #expect(decision?["decided_by"] as? String == "auto")
            #expect(headers["from"] == "\"KYC Review\" <kyc@exchange.example>")
            #expect(headers["to"] == "\"Ada Lovelace\" <\(recipient)>")
            #expect(headers["subject"] == "Your account is verified")
            #expect(headers["x-kyc-application"] == String(id))
            #expect(headers["message-id"] == emails.first?["message_id"] as? String)
            #expect(headers["content-type"]?.hasPrefix("multipart/alternative") == true)
            let text = String(decoding: message, as: UTF8.self)
            #expect(!text.contains("1990"), "no date of birth in the email")
            #expect(!text.contains("L898902C3"), "no document number in the email")
            #expect(!text.contains("0.97"), "no score in the email")
            // The mailer records delivery shortly after the server accepted the message.
            var status = emails.first?["status"] as? String
            for _ in 0..<40 where status != "sent" {
                try await Task.sleep(for: .milliseconds(100))
                status = (try await view(id, in: database)["emails"] as? [[String: Any]])?.first?["status"] as? String
            }
            #expect(status == "sent")
        }
    }

    @Test func deniesAnExpiredSessionAndSaysHowManyAttemptsRemain() async throws {
        let database = try await TestServers.freshDatabase()
        let recipient = "denied-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await withDaemon(database) {
            let document = Fixtures.validSubmission(email: recipient, sessionStartedAt: Fixtures.timestamp(secondsAgo: 1_205))
            let id = try await submit(document, to: database)
            let messages = try await receivedMessages(for: recipient, waitingUpTo: 20)
            #expect(messages.count == 1)
            let application = try await view(id, in: database)
            #expect(application["status"] as? String == "denied")
            #expect((application["decision"] as? [String: Any])?["reason_code"] as? String == "session_expired")
            let checks = application["checks"] as? [[String: Any]] ?? []
            #expect(checks.count == 11)
            #expect(checks.first { $0["name"] as? String == "session_window" }?["outcome"] as? String == "fail")
            let text = String(decoding: messages.first ?? [], as: UTF8.self)
            #expect(headers(messages.first ?? [])["subject"] == "We could not verify your identity")
            #expect(text.contains("9 attempts remaining"))
        }
    }

    @Test func aNonASCIINameArrivesIntactInTheToHeaderAndTheGreeting() async throws {
        let database = try await TestServers.freshDatabase()
        let recipient = "unicode-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let first = "Zoë 李 ‏عائشة"
        let last = "Ångström-Ñúñez 🙂"
        try await withDaemon(database) {
            var document = Fixtures.ownLicence("UNI\(UUID().uuidString.prefix(6))")
            document["email"] = recipient
            document = Fixtures.setting("basic_info.first_name", to: first, in: document)
            document = Fixtures.setting("basic_info.last_name", to: last, in: document)
            _ = try await submit(document, to: database)
            let message = try #require(try await receivedMessages(for: recipient, waitingUpTo: 20).first)
            let raw = headers(message)["to"] ?? ""
            #expect(raw.unicodeScalars.allSatisfy { $0.isASCII }, "the header itself is ASCII: RFC 2047 encoded words")
            #expect(RFC2047.decode(raw) == "\(first) \(last) <\(recipient)>")
            let body = QuotedPrintableDecoder.decode(String(decoding: message, as: UTF8.self))
            #expect(body.contains("Hello \(first),"))
        }
    }

    @Test func aReviewersMessageCannotAddAHeaderOrARecipient() async throws {
        let database = try await TestServers.freshDatabase()
        let recipient = "inject-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await withDaemon(database) {
            var document = Fixtures.ownLicence("INJ\(UUID().uuidString.prefix(6))")
            document["email"] = recipient
            document["liveness"] = "inconclusive"
            let id = try await submit(document, to: database)
            let reviewer = try await database.connect(role: try await makeReviewer(in: database))
            for _ in 0..<100 {
                if (try? await Review().deny(
                    id, reason: .other, note: nil,
                    message: "Sorry.\r\nBcc: victim@example.com\r\n\r\n.\r\nRCPT TO:<victim@example.com>", on: reviewer
                )) != nil { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            await reviewer.close()
            let message = try #require(try await receivedMessages(for: recipient, waitingUpTo: 20).first)
            let text = String(decoding: message, as: UTF8.self)
            let headerBlock = text.components(separatedBy: "\r\n\r\n")[0]
            #expect(!headerBlock.lowercased().contains("bcc"))
            #expect(try await receivedMessages(for: "victim@example.com", waitingUpTo: 1).isEmpty)
            #expect(QuotedPrintableDecoder.decode(text).contains("Sorry."))
        }
    }

    @Test func anOperatorsTemplateDirectoryChangesTheEmailWithoutARebuild() async throws {
        let database = try await TestServers.freshDatabase()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kyc-templates-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("de"), withIntermediateDirectories: true)
        try "Willkommen bei der Börse".write(to: directory.appendingPathComponent("de/approval.subject.mustache"), atomically: true, encoding: .utf8)
        let recipient = "template-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await withDaemon(database, configure: { $0.templateDirectory = directory.path }) {
            var document = Fixtures.ownLicence("TPL\(UUID().uuidString.prefix(6))")
            document["email"] = recipient
            document["locale"] = "de"
            _ = try await submit(document, to: database)
            let message = try #require(try await receivedMessages(for: recipient, waitingUpTo: 20).first)
            #expect(RFC2047.decode(headers(message)["subject"] ?? "") == "Willkommen bei der Börse")
            #expect(QuotedPrintableDecoder.decode(String(decoding: message, as: UTF8.self)).contains("Ihr Konto ist verifiziert"))
        }
    }

    @Test func aBrokenOrUnknownTemplateStopsTheMailerAtStartUp() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kyc-templates-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("en"), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.mailFrom = "kyc@exchange.example"
        configuration.smtpURL = "smtp://127.0.0.1:25"
        configuration.templateDirectory = directory.path
        let unused = Database(url: nil, logger: Logger(label: "test"))
        try "{{#open}}".write(to: directory.appendingPathComponent("en/denial.text.mustache"), atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try OutboxMailer(configuration: configuration, database: unused, logger: Logger(label: "test")) }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("en/denial.text.mustache"))
        try "x".write(to: directory.appendingPathComponent("en/approvl.subject.mustache"), atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try OutboxMailer(configuration: configuration, database: unused, logger: Logger(label: "test")) }
    }

    @Test func anInternationalisedDomainIsDeliveredInItsALabelForm() async throws {
        let database = try await TestServers.freshDatabase()
        let local = "idn-\(UUID().uuidString.prefix(8).lowercased())"
        try await withDaemon(database) {
            var document = Fixtures.ownLicence("IDN\(UUID().uuidString.prefix(6))")
            document["email"] = "\(local)@bücher.example"
            _ = try await submit(document, to: database)
            let message = try #require(try await receivedMessages(for: "\(local)@xn--bcher-kva.example", waitingUpTo: 20).first)
            #expect(headers(message)["to"]?.hasSuffix("<\(local)@xn--bcher-kva.example>") == true)
        }
    }

    @Test func routesAnInconclusiveLivenessToReviewWithoutEmail() async throws {
        let database = try await TestServers.freshDatabase()
        let recipient = "review-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await withDaemon(database) {
            var document = Fixtures.validSubmission(email: recipient)
            document["liveness"] = "inconclusive"
            let id = try await submit(document, to: database)
            var status = ""
            for _ in 0..<100 where status != "in_review" {
                try await Task.sleep(for: .milliseconds(100))
                status = try await view(id, in: database)["status"] as? String ?? ""
            }
            #expect(status == "in_review")
            #expect(try await receivedMessages(for: recipient, waitingUpTo: 1).isEmpty)
        }
    }
}
