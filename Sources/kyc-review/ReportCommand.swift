import ArgumentParser
import Foundation
import KYCDomain
import KYCMail
import KYCServices
import KYCStore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Queue, SLA, decisions, reviewers, checks and email: for people and for cron.",
        discussion: """
            Reads aggregates only (run it as a member of kyc_reporter). Exit status 2 with --fail-on-breach \
            when a case has waited in review past the SLA target or an email was given up.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, csv }

    @Option(help: "Output format: text, json or csv.")
    var format: Format = .text

    @Option(help: "Start of the window: YYYY-MM-DD or an RFC 3339 time (default: 24 hours ago).")
    var since: String?

    @Option(help: "End of the window, exclusive (default: now).")
    var until: String?

    @Option(help: "The SLA target: hours a case may wait in review.")
    var slaHours: Int = 24

    @Option(name: .customLong("mail-to"), parsing: .upToNextOption, help: "Also email the report (text and HTML) to these addresses.")
    var mailTo: [String] = []

    @Flag(help: "Exit with status 2 when an SLA breach or a failed email exists.")
    var failOnBreach = false

    static func instant(_ text: String, option: String) throws -> Date {
        if let day = CalendarDate(iso: text) {
            return Date(timeIntervalSince1970: TimeInterval(day.daysSince1970) * 86_400)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        throw ValidationError("\(option) must be YYYY-MM-DD or an RFC 3339 time such as 2026-11-26T08:00:00Z")
    }

    func validate() throws {
        if let since { _ = try Self.instant(since, option: "--since") }
        if let until { _ = try Self.instant(until, option: "--until") }
        guard (1...24 * 365).contains(self.slaHours) else { throw ValidationError("--sla-hours must be from 1 to 8760") }
        for address in self.mailTo where EmailAddress(address) == nil {
            throw ValidationError("--mail-to \(address) is not an email address")
        }
    }

    func run() async throws {
        let since = try self.since.map { try Self.instant($0, option: "--since") }
        let until = try self.until.map { try Self.instant($0, option: "--until") }
        let slaHours = self.slaHours
        let json = try await withDatabase { try await Review().report(since: since, until: until, slaHours: slaHours, on: $0) }
        let report: Report
        do {
            report = try Report(json: json)
        } catch {
            fail("kyc-review: the report could not be read: \(error)", ExitStatus.software)
        }
        switch self.format {
        case .json: print(json)
        case .text: print(report.text, terminator: "")
        case .csv: print(report.csv, terminator: "")
        }
        if !self.mailTo.isEmpty {
            try await self.mail(report)
        }
        if self.failOnBreach && report.needsAttention {
            throw ExitCode(2)
        }
    }

    func mail(_ report: Report) async throws {
        let (from, smtp) = mailSettings()
        let message = MailMessage(
            from: from,
            to: self.mailTo.compactMap(EmailAddress.init).map { Mailbox(address: $0) },
            subject: "kyc-review report" + (report.needsAttention ? ": needs attention" : ""),
            messageID: "<kyc-report.\(UUID().uuidString.lowercased())@\(from.address.domain)>",
            date: Date(),
            extraHeaders: [("Auto-Submitted", "auto-generated")],
            text: report.text,
            html: report.html
        )
        do {
            try await SMTPSender(configuration: smtp).send(message)
        } catch {
            fail("kyc-review: the report could not be sent: \(error)", ExitStatus.unavailable)
        }
    }
}
