import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

/// A known data set, written directly as the owner with times relative to now.
let knownReportData: SQL = """
    INSERT INTO kyc.accounts (account_id, basic_info) SELECT 'acct-' || g, '{}' FROM generate_series(1, 20) g;
    INSERT INTO kyc.applications (id, account_id, status, email, locale, document_type, issuing_country,
                                  document_number, session_started_at, submitted_at, status_changed_at, payload)
    OVERRIDING SYSTEM VALUE
    SELECT s.n, 'acct-' || s.n, s.status, 'a@example.com', 'en', 'passport', 'GB', 'N' || s.n,
           now() - s.age - interval '5 minutes', now() - s.age, now() - s.age + interval '1 minute', '{}'
    FROM (VALUES
        (1, 'submitted', interval '1 minute'), (2, 'submitted', interval '2 minutes'),
        (3, 'checking', interval '1 minute'),
        (4, 'in_review', interval '26 hours'), (5, 'in_review', interval '30 hours'), (6, 'in_review', interval '2 hours'),
        (7, 'approved', interval '3 hours'), (8, 'approved', interval '3 hours'), (9, 'approved', interval '3 hours'),
        (10, 'approved', interval '5 hours'), (11, 'denied', interval '3 hours'), (12, 'denied', interval '3 hours'),
        (13, 'denied', interval '3 hours'), (14, 'approved', interval '50 hours')
    ) AS s(n, status, age);
    -- Decided 10 minutes after submission, except 10 (by alice, an hour after submission, leased 20 minutes
    -- before she decided) and 14 (two days ago: outside the window).
    INSERT INTO kyc.decisions (application_id, outcome, reason_code, decided_by, decided_at, retry_after)
    SELECT a.id, a.status, d.reason, d.by, a.submitted_at + d.after, d.retry
    FROM kyc.applications a JOIN (VALUES
        (7, NULL, 'auto', interval '10 minutes', NULL::timestamptz), (8, NULL, 'auto', interval '10 minutes', NULL),
        (9, NULL, 'auto', interval '10 minutes', NULL), (10, NULL, 'alice', interval '1 hour', NULL),
        (11, 'document_expired', 'auto', interval '10 minutes', NULL),
        (12, 'document_expired', 'auto', interval '10 minutes', NULL),
        (13, 'attempt_limit', 'auto', interval '10 minutes', now() + interval '5 hours'),
        (14, NULL, 'auto', interval '10 minutes', NULL)
    ) AS d(id, reason, by, after, retry) ON d.id = a.id;
    INSERT INTO kyc.audit_log (actor, action, application_id, at)
    SELECT 'alice', 'leased', 10, decided_at - interval '20 minutes' FROM kyc.decisions WHERE application_id = 10;
    INSERT INTO kyc.email_outbox (application_id, kind, recipient, locale, message_id, status, created_at, sent_at, failed_at)
    SELECT d.application_id, CASE d.outcome WHEN 'approved' THEN 'approval' ELSE 'denial' END, 'a@example.com', 'en',
           '<m' || d.application_id || '@x>', e.status, d.decided_at, e.sent, e.failed
    FROM kyc.decisions d JOIN (VALUES
        (7, 'sent', now() - interval '1 hour', NULL::timestamptz), (8, 'sent', now() - interval '1 hour', NULL),
        (9, 'pending', NULL, NULL), (10, 'sent', now() - interval '1 hour', NULL),
        (11, 'failed', NULL, now() - interval '1 hour'), (12, 'sent', now() - interval '1 hour', NULL),
        (13, 'sent', now() - interval '1 hour', NULL), (14, 'sent', now() - interval '49 hours', NULL)
    ) AS e(id, status, sent, failed) ON e.id = d.application_id;
    INSERT INTO kyc.check_results (application_id, name, outcome, reason_code, evidence, recorded_at)
    VALUES (7, 'face_match', 'pass', NULL, '', now() - interval '2 hours'),
           (11, 'document_expiry', 'fail', 'document_expired', '', now() - interval '2 hours'),
           (6, 'liveness', 'refer', NULL, '', now() - interval '2 hours'),
           (14, 'face_match', 'pass', NULL, '', now() - interval '49 hours');
    """

@Suite(.enabled(if: TestServers.enabled))
struct ReportTests {
    @Test func everyFigureMatchesAKnownDataSet() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        try await owner.execute(knownReportData)
        await owner.close()
        let reporter = try await database.connect(role: "kyc_reporter")
        let report = try Report(json: try await Review().report(on: reporter))
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
        let report = try Report(json: try await Review().report(since: since, until: until, slaHours: 48, on: owner))
        #expect(report.window.decided.approved == 1)
        #expect(report.decided24h.approved == 4)
        #expect(report.sla.breaches == 0)
        await owner.close()
    }

    @Test func rendersTextWithinEightyColumnsAndCSVThatParses() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        try await owner.execute(knownReportData)
        let report = try Report(json: try await Review().report(on: owner))
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
