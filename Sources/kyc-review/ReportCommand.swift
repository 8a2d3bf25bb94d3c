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

    /// The report's formats: CSV besides text and JSON (CONTRACT §6).
    enum Format: String, OutputFormatChoice { case text, json, csv }

    @OptionGroup var output: FormatOption<Format>

    @Option(help: "Start of the window: YYYY-MM-DD or an RFC 3339 time (default: 24 hours ago).")
    var since: Instant?

    @Option(help: "End of the window, exclusive: YYYY-MM-DD or an RFC 3339 time (default: now).")
    var until: Instant?

    @Option(help: "The SLA target: hours a case may wait in review.")
    var slaHours: Int = 24

    @Option(name: .customLong("mail-to"), parsing: .upToNextOption, help: "Also email the report (text and HTML) to these addresses.")
    var mailTo: [EmailArgument] = []

    @Flag(help: "Exit with status 2 when an SLA breach or a failed email exists.")
    var failOnBreach = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (1...24 * 365).contains(self.slaHours) else { throw ValidationError("--sla-hours must be from 1 to 8760") }
    }

    func run() async throws {
        let (since, until, slaHours) = (self.since?.date, self.until?.date, self.slaHours)
        let report = try await self.database.run {
            try await Review().report(since: since, until: until, slaHours: slaHours, on: $0)
        }
        switch self.output.format {
        case .json: print(try JSONOutput.line(report))
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
        let (from, smtp) = try mailSettings()
        let message = MailMessage(
            from: from,
            to: self.mailTo.map { Mailbox(address: $0.address) },
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
            throw CommandFailure.unavailable("the report could not be sent: \(error)")
        }
    }
}

/// The From mailbox and SMTP settings; missing or wrong ones are a configuration failure.
func mailSettings() throws(CommandFailure) -> (from: Mailbox, smtp: SMTPConfiguration) {
    do {
        let settings = try Configuration.load().mailSettings()
        CurlRuntime.initialise()
        return settings
    } catch {
        throw .configuration("\(error)")
    }
}
