import Foundation

/// The queue report (CONTRACT §6) as `kyc.report()` returns it, and its renderings for people: text for a
/// terminal or an email, CSV for spreadsheets, HTML with a small chart for the morning email.
///
/// It encodes to the same keys as it decodes from, nulls included: what `kyc-review report --format json`
/// prints.
public struct Report: Codable, Sendable, Equatable {
    public struct Queue: Codable, Sendable, Equatable {
        public var submitted: Int
        public var checking: Int
        public var inReview: Int

        public init(submitted: Int, checking: Int, inReview: Int) {
            self.submitted = submitted
            self.checking = checking
            self.inReview = inReview
        }

        enum CodingKeys: String, CodingKey {
            case submitted, checking
            case inReview = "in_review"
        }
    }

    public struct Decided: Codable, Sendable, Equatable {
        public var approved: Int
        public var denied: Int
        public var byReason: [String: Int]

        public init(approved: Int, denied: Int, byReason: [String: Int]) {
            self.approved = approved
            self.denied = denied
            self.byReason = byReason
        }

        enum CodingKeys: String, CodingKey {
            case approved, denied
            case byReason = "by_reason"
        }
    }

    public struct Email: Codable, Sendable, Equatable {
        public var pending: Int
        public var sent24h: Int
        public var failed: Int
        public var oldestPendingSeconds: Int?

        enum CodingKeys: String, CodingKey {
            case pending, failed
            case sent24h = "sent_24h"
            case oldestPendingSeconds = "oldest_pending_seconds"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.pending, forKey: .pending)
            try container.encode(self.sent24h, forKey: .sent24h)
            try container.encode(self.failed, forKey: .failed)
            try container.encode(self.oldestPendingSeconds, forKey: .oldestPendingSeconds)
        }
    }

    public struct SLA: Codable, Sendable, Equatable {
        public var targetHours: Int
        public var breaches: Int
        public var breachIds: [Int64]

        enum CodingKeys: String, CodingKey {
            case breaches
            case targetHours = "target_hours"
            case breachIds = "breach_ids"
        }
    }

    public struct Reviewer: Codable, Sendable, Equatable {
        public var reviewer: String
        public var decisions: Int
        public var medianHandlingSeconds: Double?

        public init(reviewer: String, decisions: Int, medianHandlingSeconds: Double?) {
            self.reviewer = reviewer
            self.decisions = decisions
            self.medianHandlingSeconds = medianHandlingSeconds
        }

        enum CodingKeys: String, CodingKey {
            case reviewer, decisions
            case medianHandlingSeconds = "median_handling_seconds"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.reviewer, forKey: .reviewer)
            try container.encode(self.decisions, forKey: .decisions)
            try container.encode(self.medianHandlingSeconds, forKey: .medianHandlingSeconds)
        }
    }

    public struct Day: Codable, Sendable, Equatable {
        public var day: String
        public var approved: Int
        public var denied: Int
    }

    public struct Percentiles: Codable, Sendable, Equatable {
        public var p50: Double?
        public var p95: Double?

        enum CodingKeys: String, CodingKey {
            case p50, p95
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.p50, forKey: .p50)
            try container.encode(self.p95, forKey: .p95)
        }
    }

    public struct Window: Codable, Sendable, Equatable {
        public var since: String
        public var until: String
        public var decided: Decided
        public var decidedAutomatically: Int
        public var decidedByReviewers: Int
        public var automaticShare: Double?
        public var timeToDecisionSeconds: Percentiles
        public var attemptLimitDenials: Int
        public var reviewers: [Reviewer]
        public var checks: [String: [String: Int]]
        public var daily14d: [Day]

        enum CodingKeys: String, CodingKey {
            case since, until, decided, reviewers, checks
            case decidedAutomatically = "decided_automatically"
            case decidedByReviewers = "decided_by_reviewers"
            case automaticShare = "automatic_share"
            case timeToDecisionSeconds = "time_to_decision_seconds"
            case attemptLimitDenials = "attempt_limit_denials"
            case daily14d = "daily_decisions_14d"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.since, forKey: .since)
            try container.encode(self.until, forKey: .until)
            try container.encode(self.decided, forKey: .decided)
            try container.encode(self.decidedAutomatically, forKey: .decidedAutomatically)
            try container.encode(self.decidedByReviewers, forKey: .decidedByReviewers)
            try container.encode(self.automaticShare, forKey: .automaticShare)
            try container.encode(self.timeToDecisionSeconds, forKey: .timeToDecisionSeconds)
            try container.encode(self.attemptLimitDenials, forKey: .attemptLimitDenials)
            try container.encode(self.reviewers, forKey: .reviewers)
            try container.encode(self.checks, forKey: .checks)
            try container.encode(self.daily14d, forKey: .daily14d)
        }
    }

    public var generatedAt: String
    public var queue: Queue
    public var oldestInReviewSeconds: Int?
    public var decided24h: Decided
    public var email: Email
    public var sla: SLA
    public var accountsInCooldown: Int
    public var window: Window

    enum CodingKeys: String, CodingKey {
        case queue, email, sla, window
        case generatedAt = "generated_at"
        case oldestInReviewSeconds = "oldest_in_review_seconds"
        case decided24h = "decided_24h"
        case accountsInCooldown = "accounts_in_cooldown"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.generatedAt, forKey: .generatedAt)
        try container.encode(self.queue, forKey: .queue)
        try container.encode(self.oldestInReviewSeconds, forKey: .oldestInReviewSeconds)
        try container.encode(self.decided24h, forKey: .decided24h)
        try container.encode(self.email, forKey: .email)
        try container.encode(self.sla, forKey: .sla)
        try container.encode(self.accountsInCooldown, forKey: .accountsInCooldown)
        try container.encode(self.window, forKey: .window)
    }

    /// Reads `kyc.report()`'s JSON.
    public init(json: String) throws {
        self = try JSONDecoder().decode(Report.self, from: Data(json.utf8))
    }

    /// True when a case waits longer than the SLA target or an email was given up: what --fail-on-breach
    /// reports.
    public var needsAttention: Bool { self.sla.breaches > 0 || self.email.failed > 0 }

    // MARK: Rendering

    /// `3d 4h`, `2h 5m`, `7m 3s`, `12s`; `-` for none.
    public static func duration(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        let total = Int(seconds.rounded())
        let (days, hours, minutes, secs) = (total / 86_400, total / 3600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(secs)s" }
        return "\(secs)s"
    }

    static func reasons(_ byReason: [String: Int]) -> String {
        byReason.isEmpty ? "none" : byReason.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// The text form: readable in a terminal and in an email, within 80 columns.
    public var text: String {
        var lines: [String] = []
        let window = self.window
        lines.append("kyc-review report, generated \(self.generatedAt)")
        lines.append("window \(window.since) to \(window.until)")
        lines.append("")
        lines.append("queue          submitted \(self.queue.submitted), checking \(self.queue.checking), "
            + "in review \(self.queue.inReview)")
        lines.append("oldest review  \(Self.duration(self.oldestInReviewSeconds.map(Double.init)))")
        let breaches = self.sla.breachIds.prefix(10).map(String.init).joined(separator: ", ")
        lines.append("SLA \(self.sla.targetHours) h       \(self.sla.breaches) breach\(self.sla.breaches == 1 ? "" : "es")"
            + (self.sla.breaches > 0 ? ": \(breaches)\(self.sla.breaches > 10 ? ", …" : "")" : ""))
        lines.append("")
        lines.append("decided        approved \(window.decided.approved), denied \(window.decided.denied)")
        lines.append("  denied for   \(Self.reasons(window.decided.byReason))")
        let share = window.automaticShare.map { String(format: "%.0f%%", $0 * 100) } ?? "-"
        lines.append("  by           auto \(window.decidedAutomatically), reviewers \(window.decidedByReviewers) "
            + "(\(share) automatic)")
        lines.append("  submission to decision: p50 \(Self.duration(window.timeToDecisionSeconds.p50)), "
            + "p95 \(Self.duration(window.timeToDecisionSeconds.p95))")
        for reviewer in window.reviewers {
            lines.append("  reviewer \(reviewer.reviewer): \(reviewer.decisions) decisions, median handling "
                + Self.duration(reviewer.medianHandlingSeconds))
        }
        lines.append("attempt limit  \(window.attemptLimitDenials) denials, \(self.accountsInCooldown) accounts "
            + "waiting to try again")
        lines.append("")
        lines.append("checks               pass   fail  refer   skip")
        for name in window.checks.keys.sorted() {
            let outcomes = window.checks[name] ?? [:]
            lines.append(
                name.padding(toLength: 19, withPad: " ", startingAt: 0)
                    + ["pass", "fail", "refer", "skip"].map {
                        String(outcomes[$0] ?? 0).leftPadded(to: 7)
                    }.joined()
            )
        }
        lines.append("")
        lines.append("email          pending \(self.email.pending) (oldest "
            + "\(Self.duration(self.email.oldestPendingSeconds.map(Double.init)))), sent 24 h \(self.email.sent24h), "
            + "failed \(self.email.failed)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The figures as `metric,value` rows, the same as the text and JSON carry.
    public var csv: String {
        var rows: [(String, String)] = [
            ("generated_at", self.generatedAt),
            ("queue.submitted", "\(self.queue.submitted)"), ("queue.checking", "\(self.queue.checking)"),
            ("queue.in_review", "\(self.queue.inReview)"),
            ("oldest_in_review_seconds", self.oldestInReviewSeconds.map(String.init) ?? ""),
            ("decided_24h.approved", "\(self.decided24h.approved)"), ("decided_24h.denied", "\(self.decided24h.denied)"),
        ]
        rows += self.decided24h.byReason.keys.sorted().map { ("decided_24h.by_reason.\($0)", "\(self.decided24h.byReason[$0]!)") }
        rows += [
            ("email.pending", "\(self.email.pending)"), ("email.sent_24h", "\(self.email.sent24h)"),
            ("email.failed", "\(self.email.failed)"),
            ("email.oldest_pending_seconds", self.email.oldestPendingSeconds.map(String.init) ?? ""),
            ("sla.target_hours", "\(self.sla.targetHours)"), ("sla.breaches", "\(self.sla.breaches)"),
            ("sla.breach_ids", self.sla.breachIds.map(String.init).joined(separator: " ")),
            ("accounts_in_cooldown", "\(self.accountsInCooldown)"),
            ("window.since", self.window.since), ("window.until", self.window.until),
            ("window.decided.approved", "\(self.window.decided.approved)"),
            ("window.decided.denied", "\(self.window.decided.denied)"),
        ]
        rows += self.window.decided.byReason.keys.sorted().map {
            ("window.decided.by_reason.\($0)", "\(self.window.decided.byReason[$0]!)")
        }
        rows += [
            ("window.decided_automatically", "\(self.window.decidedAutomatically)"),
            ("window.decided_by_reviewers", "\(self.window.decidedByReviewers)"),
            ("window.automatic_share", self.window.automaticShare.map { "\($0)" } ?? ""),
            ("window.time_to_decision_seconds.p50", self.window.timeToDecisionSeconds.p50.map { "\($0)" } ?? ""),
            ("window.time_to_decision_seconds.p95", self.window.timeToDecisionSeconds.p95.map { "\($0)" } ?? ""),
            ("window.attempt_limit_denials", "\(self.window.attemptLimitDenials)"),
        ]
        for reviewer in self.window.reviewers {
            rows.append(("window.reviewers.\(reviewer.reviewer).decisions", "\(reviewer.decisions)"))
            rows.append(("window.reviewers.\(reviewer.reviewer).median_handling_seconds",
                         reviewer.medianHandlingSeconds.map { "\($0)" } ?? ""))
        }
        for name in self.window.checks.keys.sorted() {
            for outcome in (self.window.checks[name] ?? [:]).keys.sorted() {
                rows.append(("window.checks.\(name).\(outcome)", "\(self.window.checks[name]![outcome]!)"))
            }
        }
        func quoted(_ field: String) -> String {
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }
        return "metric,value\r\n" + rows.map { quoted($0.0) + "," + quoted($0.1) + "\r\n" }.joined()
    }

    /// The email form: the text in a <pre>, and a bar chart of the daily decisions of the last 14 days
    /// drawn with table cells (email clients show neither scripts nor, reliably, SVG).
    public var html: String {
        let days = self.window.daily14d
        let peak = max(1, days.map { $0.approved + $0.denied }.max() ?? 1)
        let bars = days.map { day -> String in
            let approved = Int((Double(day.approved) / Double(peak) * 120).rounded())
            let denied = Int((Double(day.denied) / Double(peak) * 120).rounded())
            return """
                <td style="vertical-align:bottom;text-align:center;font:10px sans-serif;padding:0 2px">\
                <div style="background:#c0392b;width:14px;height:\(denied)px;margin:0 auto" title="denied \(day.denied)"></div>\
                <div style="background:#27ae60;width:14px;height:\(approved)px;margin:0 auto" title="approved \(day.approved)"></div>\
                \(DecisionEmail.escape(String(day.day.suffix(5))))</td>
                """
        }.joined()
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>kyc-review report</title></head>
            <body>
            <h3 style="font:bold 14px sans-serif">Decisions per day, last 14 days (green approved, red denied)</h3>
            <table style="border-collapse:collapse;height:150px"><tr>\(bars)</tr></table>
            <pre style="font:12px monospace">\(DecisionEmail.escape(self.text))</pre>
            </body></html>

            """
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - self.count)) + self
    }
}
