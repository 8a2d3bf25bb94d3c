import Foundation
import KYCDomain
import KYCPostgres
public import KYCStore
public import Logging
public import ServiceLifecycle

/// Every `interval`, reads the queue figures (`kyc.report()`, aggregates only) and tells systemd in a
/// STATUS line, and writes them with the loops' progress as a Prometheus text file for node_exporter's
/// textfile collector (atomically: a temporary file renamed over the old one), with what the mailer found
/// about the mail server's view of the configuration (`MailHealth`).
public struct StatusReporter: Service {
    private let database: Database
    private let notifier: SystemdNotifier
    private let heartbeat: Heartbeat
    private let mailHealth: MailHealth?
    private let metricsFile: String?
    private let interval: Duration
    private let logger: Logger

    public init(
        configuration: Configuration,
        database: Database,
        notifier: SystemdNotifier,
        heartbeat: Heartbeat,
        mailHealth: MailHealth? = nil,
        interval: Duration = .seconds(10),
        logger: Logger
    ) {
        self.database = database
        self.notifier = notifier
        self.heartbeat = heartbeat
        self.mailHealth = mailHealth
        self.metricsFile = configuration.metricsFile
        self.interval = interval
        self.logger = logger
    }

    /// Reports every `interval` until graceful shutdown, which ends the wait at once.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var failures = FailureStreak()
            while true {
                await self.reportOnce(&failures)
                try await Task.sleep(for: self.interval)
            }
        }
    }

    /// Consecutive failed turns, so that an outage is logged when it begins and when it ends, not every turn
    /// (the listener and the workers report the database's side of it too).
    struct FailureStreak: Sendable, Equatable {
        private(set) var count = 0

        /// A turn failed: true when it is the first of a streak, the one to log.
        mutating func failed() -> Bool {
            self.count += 1
            return self.count == 1
        }

        /// A turn succeeded: the length of the streak it ends, if any, for the recovery line.
        mutating func succeeded() -> Int? {
            defer { self.count = 0 }
            return self.count > 0 ? self.count : nil
        }
    }

    /// One STATUS line and, when configured, one metrics file. The first failure of a streak is logged (with
    /// libpq's reason when the database is out of reach) and STATUS says the daemon waits for the database;
    /// the turn that succeeds again logs `status.recovered`.
    func reportOnce(_ failures: inout FailureStreak) async {
        do {
            let wantsOutcomes = self.metricsFile != nil
            let (report, outcomes) = try await self.database.withConnection(setting: .fiveSecondStatements) { connection in
                let report = try await Review().report(on: connection)
                let outcomes = wantsOutcomes ? try await Review().checkOutcomes(on: connection) : []
                return (report, outcomes)
            }
            if let failed = failures.succeeded() {
                self.logger.notice("status.recovered", metadata: ["failures": "\(failed)"])
            }
            let mail = self.mailHealth?.snapshot ?? MailHealth.Snapshot()
            self.notifier.notify("STATUS=" + Self.statusLine(report, mail: mail))
            if let metricsFile {
                try Self.write(
                    Self.metrics(
                        report, checkOutcomes: outcomes, progress: self.heartbeat.snapshot,
                        mail: mail
                    ),
                    to: metricsFile
                )
            }
        } catch where !Task.isCancelled {
            if failures.failed() {
                self.logger.warning("status.failed", metadata: Database.logMetadata(for: error))
                self.notifier.notify("STATUS=cannot read the queue figures or write the metrics (see the journal)")
            }
        } catch {
            // Cancelled at shutdown: nothing to report.
        }
    }

    /// `queue: 3 submitted, 0 checking, 5 in review; emails: 1 pending, 0 failed`, and a warning while the mail
    /// server refuses the configuration. Without a report (none read yet) the figures are 0.
    static func statusLine(_ report: Report?, mail: MailHealth.Snapshot = MailHealth.Snapshot()) -> String {
        let queue = report?.queue, email = report?.email
        return "queue: \(queue?.submitted ?? 0) submitted, \(queue?.checking ?? 0) checking, "
            + "\(queue?.inReview ?? 0) in review; emails: \(email?.pending ?? 0) pending, \(email?.failed ?? 0) failed"
            + (mail.configurationError ? "; MAIL SERVER REFUSES THE CONFIGURATION (credentials or TLS)" : "")
    }

    /// The Prometheus text exposition of the report's figures and the loops' progress.
    static func metrics(
        _ report: Report?,
        checkOutcomes: [(check: String, outcome: String, count: Int)],
        progress: [String: Heartbeat.Progress],
        mail: MailHealth.Snapshot = MailHealth.Snapshot()
    ) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        let queue = report?.queue, decided = report?.decided24h, email = report?.email
        metric("kyc_queue_applications", "gauge", "Applications waiting, being checked or in review, by state.",
               [("submitted", queue?.submitted), ("checking", queue?.checking), ("in_review", queue?.inReview)]
                   .map { ("{state=\"\($0.0)\"}", "\($0.1 ?? 0)") })
        metric("kyc_oldest_in_review_seconds", "gauge", "Age of the oldest application in review.",
               [("", "\(report?.oldestInReviewSeconds ?? 0)")])
        metric("kyc_decisions_24h", "gauge", "Decisions in the last 24 hours, by outcome.",
               [("approved", decided?.approved), ("denied", decided?.denied)]
                   .map { ("{outcome=\"\($0.0)\"}", "\($0.1 ?? 0)") })
        let reasons = decided?.byReason ?? [:]
        metric("kyc_denials_24h", "gauge", "Denials in the last 24 hours, by reason code.",
               reasons.keys.sorted().map { ("{reason=\"\($0)\"}", "\(reasons[$0]!)") })
        metric("kyc_emails", "gauge", "Emails pending delivery, and given up.",
               [("{state=\"pending\"}", "\(email?.pending ?? 0)"), ("{state=\"failed\"}", "\(email?.failed ?? 0)")])
        metric("kyc_emails_sent_24h", "gauge", "Emails delivered in the last 24 hours.",
               [("", "\(email?.sent24h ?? 0)")])
        metric("kyc_check_outcomes_24h", "gauge", "Check results in the last 24 hours, by check and outcome.",
               checkOutcomes.map { ("{check=\"\($0.check)\",outcome=\"\($0.outcome)\"}", "\($0.count)") })
        metric("kyc_mail_configuration_error", "gauge",
               "1 while the mail server refuses the configuration (credentials, TLS) and emails wait; 0 once it accepts.",
               [("", mail.configurationError ? "1" : "0")])
        metric("kyc_mail_configuration_errors_total", "counter",
               "Mail batches the server refused for the configuration since start, by error code.",
               mail.configurationErrors.keys.sorted().map { ("{code=\"\($0)\"}", "\(mail.configurationErrors[$0]!)") })
        let loops = progress.keys.sorted()
        metric("kyc_loop_batches_total", "counter", "Batches each loop has done since start.",
               loops.map { ("{loop=\"\($0)\"}", "\(progress[$0]!.batches)") })
        metric("kyc_loop_items_total", "counter", "Applications or emails each loop has handled since start.",
               loops.map { ("{loop=\"\($0)\"}", "\(progress[$0]!.items)") })
        metric("kyc_loop_last_batch_seconds", "gauge", "How long each loop's last batch took.",
               loops.map { ("{loop=\"\($0)\"}", seconds(progress[$0]!.lastBatchDuration)) })
        let now = ContinuousClock.now
        metric("kyc_loop_last_progress_seconds", "gauge", "Time since each loop last made progress.",
               loops.map { ("{loop=\"\($0)\"}", seconds(now - progress[$0]!.lastBeat)) })
        return lines.joined(separator: "\n") + "\n"
    }

    static func seconds(_ duration: Duration) -> String {
        let (whole, fraction) = duration.components
        return String(format: "%.3f", Double(whole) + Double(fraction) / 1e18)
    }

    static func write(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
