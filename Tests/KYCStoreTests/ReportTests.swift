import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

@Suite(.enabled(if: TestServers.enabled))
struct ReportTests {
    @Test func everyFigureMatchesAKnownDataSet() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        try await owner.execute(knownReportData)
        await owner.close()
        let reporter = try await database.connect(role: "kyc_reporter")
        let report = try await Review().report(on: reporter)
        await reporter.close()

        #expect(report.queue == .init(submitted: 2, checking: 1, inReview: 3))
        #expect((report.oldestInReviewSeconds ?? 0) / 60 == 29 * 60 + 59 || (report.oldestInReviewSeconds ?? 0) / 60 == 29 * 60)
        #expect(report.decided24h == .init(approved: 4, denied: 3, byReason: ["document_expired": 2, "attempt_limit": 1]))
        #expect(report.email.pending == 1)
        #expect(report.email.sent24h == 5)
        #expect(report.email.failed == 1)
        #expect(report.email.oldestPendingSeconds != nil)
        #expect(report.sla.targetHours == 24)
        #expect(report.sla.breaches == 2)
        #expect(report.sla.breachIds == [5, 4], "oldest first")
        #expect(report.accountsInCooldown == 1)
        let window = report.window
        #expect(window.decided == report.decided24h)
        #expect(window.decidedAutomatically == 6)
        #expect(window.decidedByReviewers == 1)
        #expect(abs((window.automaticShare ?? 0) - 6.0 / 7.0) < 0.001)
        #expect(window.timeToDecisionSeconds.p50 == 600)
        #expect(window.timeToDecisionSeconds.p95 == 600 + 0.7 * 3000, "p95 of six 600 s and one 3600 s")
        #expect(window.attemptLimitDenials == 1)
        #expect(window.reviewers == [.init(reviewer: "alice", decisions: 1, medianHandlingSeconds: 1200)])
        #expect(window.checks == ["face_match": ["pass": 1], "document_expiry": ["fail": 1], "liveness": ["refer": 1]])
        #expect(window.daily14d.count == 14)
        #expect(window.daily14d.map(\.approved).reduce(0, +) == 5, "the two-day-old approval is in the 14 days")
        #expect(report.needsAttention)
    }

    @Test func aWindowSelectsDecisionsButTheContractsKeysStayTheLast24Hours() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        try await owner.execute(knownReportData)
        let since = Date().addingTimeInterval(-72 * 3600)
        let until = Date().addingTimeInterval(-24 * 3600)
        let report = try await Review().report(since: since, until: until, slaHours: 48, on: owner)
        #expect(report.window.decided.approved == 1)
        #expect(report.decided24h.approved == 4)
        #expect(report.sla.breaches == 0)
        await owner.close()
    }

    @Test func rendersTextWithinEightyColumnsAndCSVThatParses() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        try await owner.execute(knownReportData)
        let report = try await Review().report(on: owner)
        await owner.close()
        for line in report.text.split(separator: "\n") { #expect(line.count <= 80, "\(line)") }
        #expect(report.text.contains("2 breaches: 5, 4"))
        let rows = report.csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.first == "metric,value")
        for row in rows.dropFirst() { #expect(row.split(separator: ",", omittingEmptySubsequences: false).count == 2, "\(row)") }
        #expect(rows.contains("queue.in_review,3"))
        #expect(rows.contains("window.reviewers.alice.median_handling_seconds,1200.0"))
        #expect(report.html.contains("<table"))
    }
}
