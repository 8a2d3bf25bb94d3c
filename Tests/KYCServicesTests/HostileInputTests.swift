import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Logging
import Testing

@testable import KYCServices

/// The committed corpus of hostile submissions (scripts/generate-hostile-corpus): each gets a clear intake
/// error or a decision with a reason, and the daemon neither crashes nor stalls behind any of them.
@Suite(.enabled(if: TestServers.enabled))
struct HostileInputTests {
    struct Case: Decodable {
        var name: String
        var document: String
    }

    static var corpus: [Case] {
        get throws {
            let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../Corpus/hostile-submissions.jsonl")
            return try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map {
                try JSONDecoder().decode(Case.self, from: Data($0.utf8))
            }
        }
    }

    /// The corpus was written around the contract example's submission, 2026-11-26T10:09:30Z. Intake bounds
    /// times by its own clock (CONTRACT §8), so every UTC time of those days moves by the same amount to end
    /// five seconds before `now`: a session 20 minutes long, a start after the submission or three days
    /// before it keep their meaning.
    static func movedToNow(_ document: String, now: Date) -> String {
        let example = Date(timeIntervalSince1970: 1_795_687_770)
        let shift = (now.timeIntervalSince(example) - 5).rounded(.down)
        let pattern = try! NSRegularExpression(pattern: #"2026-11-2[0-9]T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"#)
        let formatter = ISO8601DateFormatter()
        var result = document
        for match in pattern.matches(in: document, range: NSRange(document.startIndex..., in: document)).reversed() {
            let range = Range(match.range, in: document)!
            guard let time = formatter.date(from: String(document[range])) else { continue }
            result.replaceSubrange(
                Range(match.range, in: result)!, with: formatter.string(from: time.addingTimeInterval(shift))
            )
        }
        return result
    }

    @Test func theCorpusTimesMoveTogetherToNow() {
        let now = Date(timeIntervalSince1970: 1_796_300_000)
        let moved = Self.movedToNow(
            #"{"session_started_at": "2026-11-26T10:00:00Z", "submitted_at": "2026-11-26T10:09:30Z", "x": "2026-11-23T10:09:30Z"}"#,
            now: now
        )
        let formatter = ISO8601DateFormatter()
        #expect(moved.contains(formatter.string(from: now.addingTimeInterval(-5))))
        #expect(moved.contains(formatter.string(from: now.addingTimeInterval(-575))))
        #expect(moved.contains(formatter.string(from: now.addingTimeInterval(-5 - 3 * 86_400))))
    }

    @Test func everyHostileSubmissionIsRefusedClearlyOrDecided() async throws {
        let corpus = try Self.corpus
        #expect(corpus.count >= 200)
        let database = try await TestServers.freshDatabase()
        let intake = try await database.connect(role: "kyc_intake")
        var accepted: [Int64] = []
        var refused = 0
        let now = Date()
        for (index, item) in corpus.enumerated() {
            // Each case its own account and document, so that no case is referred for another's sake.
            let document = Self.movedToNow(
                item.document.replacingOccurrences(of: "acct-hostile", with: "acct-h\(index)")
                    .replacingOccurrences(of: "HOSTILE1", with: "HOSTILE\(index)"),
                now: now
            )
            do {
                accepted.append(try await Intake().submit(document, on: intake))
            } catch {
                #expect(error.code == .invalidSubmission || error.code == .refused, "\(item.name): \(error)")
                #expect(error.message?.isEmpty == false, "\(item.name): a clear message")
                refused += 1
            }
        }
        await intake.close()
        #expect(refused > 0 && !accepted.isEmpty)
        try await EndToEndTests().withDaemon(database) {
            let owner = try await database.connect()
            var waiting = 1
            for _ in 0..<300 where waiting > 0 {
                try await Task.sleep(for: .milliseconds(100))
                waiting = try await owner.query(
                    "SELECT count(*) AS n FROM kyc.applications WHERE status IN ('submitted', 'checking')"
                ).single().decode("n")
            }
            #expect(waiting == 0, "the queue drained")
            let unexplained = try await owner.query(
                """
                SELECT count(*) AS n FROM kyc.applications a LEFT JOIN kyc.decisions d ON d.application_id = a.id
                WHERE NOT (a.status = 'in_review' OR d.outcome = 'approved' OR (d.outcome = 'denied' AND d.reason_code IS NOT NULL))
                """
            ).single().decode("n", as: Int.self)
            #expect(unexplained == 0, "every accepted case is approved, denied with a reason, or in review")
            let checks = try await owner.query("SELECT count(*) AS n FROM kyc.check_results").single().decode("n", as: Int.self)
            #expect(checks == accepted.count * 11)
            await owner.close()
        }
    }

    /// Issue 16, item 3: one extreme timestamp used to fail its whole batch, which was claimed three times and
    /// parked to review entire. Stored as the table owner, bypassing intake (which refuses them now): whatever
    /// a past or future intake lets in, the daemon decides the rest of the batch and sends each such
    /// application to review on its own, audited with a reason that names the field and not its value.
    @Test func anApplicationTheChecksCannotEvaluateGoesToReviewAloneWhileTheRestOfItsBatchIsDecided() async throws {
        let database = try await TestServers.freshDatabase()
        let intake = try await database.connect(role: "kyc_intake")
        var ids: [String: Int64] = [:]
        for (index, name) in ["valid-first", "year-10000", "one-bc", "infinite-session", "wrong-shape", "valid-last"]
            .enumerated()
        {
            ids[name] = try await Intake().submit(Fixtures.json(Fixtures.ownLicence("ISOLATE\(index)")), on: intake)
        }
        await intake.close()
        let owner = try await database.connect()
        for (name, statement): (String, SQL) in [
            ("year-10000", "UPDATE kyc.applications SET submitted_at = '9999-12-31T23:59:59-14:00' WHERE id = $1"),
            ("one-bc", "UPDATE kyc.applications SET submitted_at = '0001-01-01T00:00:00+14:00' WHERE id = $1"),
            ("infinite-session", "UPDATE kyc.applications SET session_started_at = 'infinity' WHERE id = $1"),
            (
                "wrong-shape",
                #"""
                UPDATE kyc.applications SET payload = jsonb_set(payload, '{document,images}', '{"front": true}')
                WHERE id = $1
                """#
            ),
        ] {
            try await owner.query(statement, [ids[name]!])
        }

        let daemon = try await database.connect(role: "kyc_daemon")
        let worker = CheckWorker(
            configuration: Configuration(), database: Database(url: nil, logger: Logger(label: "test")),
            logger: Logger(label: "test")
        )
        let batch = try await worker.checkBatch(on: daemon)
        await daemon.close()
        #expect(batch.claimed == 6 && batch.recorded == 6, "one batch, every application recorded")
        let expected = [
            "year-10000": "submitted_at is outside the years 0001 to 9999",
            "one-bc": "submitted_at is outside the years 0001 to 9999",
            "infinite-session": "session_started_at could not be read",
            "wrong-shape": "the stored submission could not be read: document.images: wrong type",
        ]
        #expect(batch.unevaluable == Dictionary(uniqueKeysWithValues: expected.map { (ids[$0.key]!, $0.value) }))

        for (name, id) in ids {
            let row = try await owner.query(
                """
                SELECT a.status, a.check_attempts, d.outcome,
                       (SELECT count(*) FROM kyc.check_results c WHERE c.application_id = a.id) AS checks,
                       (SELECT count(*) FROM kyc.check_results c WHERE c.application_id = a.id AND c.outcome = 'refer')
                           AS referred,
                       (SELECT string_agg(l.action || ':' || coalesce(l.details ->> 'reason', ''), ',')
                        FROM kyc.audit_log l WHERE l.application_id = a.id AND l.actor = 'auto') AS audit
                FROM kyc.applications a LEFT JOIN kyc.decisions d ON d.application_id = a.id
                WHERE a.id = $1
                """,
                [id]
            ).single()
            #expect(try row.decode("check_attempts", as: Int.self) == 1, "\(name): claimed once, never re-claimed")
            #expect(try row.decode("checks", as: Int.self) == CheckName.allCases.count, "\(name)")
            if let reason = expected[name] {
                #expect(try row.decode("status", as: String.self) == "in_review", "\(name)")
                #expect(try row.decodeIfPresent("outcome", as: String.self) == nil, "\(name): no decision")
                #expect(try row.decode("referred", as: Int.self) == CheckName.allCases.count, "\(name)")
                #expect(try row.decode("audit", as: String.self) == "unevaluable:\(reason)", "\(name): audited once")
            } else {
                #expect(try row.decode("status", as: String.self) == "approved", "\(name): decided as usual")
                #expect(try row.decodeIfPresent("outcome", as: String.self) == "approved", "\(name)")
            }
        }
        let parked = try await owner.query("SELECT count(*) AS n FROM kyc.audit_log WHERE action = 'parked'")
            .single().decode("n", as: Int.self)
        #expect(parked == 0)
        await owner.close()

        // A policy replay over all of them reads back what it can and counts the rest, rather than failing.
        let administrator = try await database.connect(role: try await makePolicyAdministrator(in: database))
        let summary = try await PolicyReplay(candidate: Policy()).run(
            since: Date(timeIntervalSince1970: -70_000_000_000),
            until: Date(timeIntervalSince1970: 300_000_000_000),
            on: administrator
        )
        await administrator.close()
        #expect(summary.replayed == 2 && summary.changed == 0)
        #expect(summary.unreadable == 4)
    }
}
