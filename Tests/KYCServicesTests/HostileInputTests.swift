import Foundation
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

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

    @Test func everyHostileSubmissionIsRefusedClearlyOrDecided() async throws {
        let corpus = try Self.corpus
        #expect(corpus.count >= 200)
        let database = try await TestServers.freshDatabase()
        let intake = try await database.connect(role: "kyc_intake")
        var accepted: [Int64] = []
        var refused = 0
        let (sessionStartedAt, submittedAt) = (Fixtures.timestamp(secondsAgo: 575), Fixtures.timestamp(secondsAgo: 5))
        for (index, item) in corpus.enumerated() {
            // Each case its own account and document, so that no case is referred for another's sake.
            // The corpus's session and submission times moved to now: intake refuses times far from its clock.
            let document = item.document.replacingOccurrences(of: "acct-hostile", with: "acct-h\(index)")
                .replacingOccurrences(of: "HOSTILE1", with: "HOSTILE\(index)")
                .replacingOccurrences(of: "2026-11-26T10:00:00Z", with: sessionStartedAt)
                .replacingOccurrences(of: "2026-11-26T10:09:30Z", with: submittedAt)
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
}
