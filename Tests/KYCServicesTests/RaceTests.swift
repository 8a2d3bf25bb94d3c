import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Synchronization
import Testing

/// Two or four daemons and four reviewers on 2,000 applications at once: every third application is referred
/// and decided by whichever reviewer leases it, while the reviewers also try to snatch cases from each
/// other. No application is decided twice, no reviewer loses a case they hold, and no deadlock or other
/// database error reaches a reviewer. Runs in `make test-faults` (KYC_FAULT_TESTS=1).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KYC_FAULT_TESTS"] == "1"), .serialized)
struct RaceTests {
    static let load = 2000

    struct Tally: Sendable {
        var decided = 0
        /// A reviewer's decision on a case they had just leased, refused: a lost lease.
        var lostLeases = 0
        /// Attempts on a case leased to someone else, refused as the contract says.
        var snatchesRefused = 0
        /// Errors other than the product's own refusals (deadlocks, serialization failures, anything).
        var escaped: [String] = []
    }

    @Test(arguments: [2, 4])
    func daemonsAndFourReviewersDecideEveryApplicationExactlyOnce(daemonCount: Int) async throws {
        let database = try await TestServers.freshDatabase()
        let intake = try await database.connect(role: "kyc_intake")
        for index in 0..<Self.load {
            var document = Fixtures.ownLicence("RACE\(index)")
            if index % 3 == 0 { document["face_match_score"] = 0.75 }
            _ = try await Intake().submit(Fixtures.json(document), on: intake)
        }
        await intake.close()
        let referred = (Self.load + 2) / 3
        let daemons = try (0..<daemonCount).map { _ in try startDaemon(database) }
        defer { for daemon in daemons where daemon.isRunning { daemon.terminate() } }
        var reviewers: [String] = []
        for _ in 0..<4 { reviewers.append(try await makeReviewer(in: database)) }

        let tallies = try await withThrowingTaskGroup(of: Tally.self) { group in
            for (index, reviewer) in reviewers.enumerated() {
                group.addTask { try await Self.review(as: reviewer, number: index, in: database, expecting: referred) }
            }
            return try await group.reduce(into: [Tally]()) { $0.append($1) }
        }
        for daemon in daemons { daemon.terminate() }
        for daemon in daemons { _ = try await waitForExit(daemon, seconds: 15) }

        let admin = try await database.connect()
        let counts = try await admin.query(
            """
            SELECT (SELECT count(*) FROM kyc.applications WHERE status IN ('approved', 'denied')) AS decided,
                   (SELECT count(*) FROM kyc.applications WHERE status NOT IN ('approved', 'denied')) AS open,
                   (SELECT count(*) FROM kyc.decisions) AS decisions,
                   (SELECT count(*) FROM kyc.email_outbox) AS emails,
                   (SELECT count(*) FROM kyc.decisions WHERE decided_by <> 'auto') AS by_reviewers,
                   (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM kyc.audit_log WHERE action = 'decided'
                                                     GROUP BY application_id) d) AS most_decisions
            """
        ).single()
        await admin.close()
        let byReviewers = tallies.reduce(0) { $0 + $1.decided }
        let lostLeases = tallies.reduce(0) { $0 + $1.lostLeases }
        let escaped = tallies.flatMap(\.escaped)
        print("race: \(daemonCount) daemons, \(Self.load) applications, \(referred) referred; reviewers decided \(tallies.map(\.decided)), "
            + "refused \(tallies.reduce(0) { $0 + $1.snatchesRefused }) snatches; lost leases \(lostLeases), escaped errors \(escaped.count)")
        for error in escaped.prefix(5) { print("race: escaped: \(error)") }
        let open: Int = try counts.decode("open")
        printFaultSummary("\(daemonCount) daemons + 4 reviewers, \(Self.load) applications", runs: 1, lost: open,
                          duplicates: (try counts.decode("most_decisions", as: Int.self)) - 1, crashes: escaped.count)
        #expect(open == 0)
        #expect(try counts.decode("decided", as: Int.self) == Self.load)
        #expect(try counts.decode("decisions", as: Int.self) == Self.load)
        #expect(try counts.decode("emails", as: Int.self) == Self.load)
        #expect(try counts.decode("most_decisions", as: Int.self) == 1)
        #expect(try counts.decode("by_reviewers", as: Int.self) == byReviewers)
        #expect(byReviewers == referred)
        #expect(lostLeases == 0)
        #expect(escaped.isEmpty)
    }

    /// One reviewer: lease the next case and decide it; every fourth round, first try to decide a case
    /// someone else holds. Stops when nothing is left to check or review.
    static func review(as reviewer: String, number: Int, in database: TestDatabase, expecting referred: Int) async throws -> Tally {
        var tally = Tally()
        let connection = try await database.connect(role: reviewer)
        defer { Task { await connection.close() } }
        var round = 0
        let deadline = ContinuousClock.now + .seconds(240)
        while ContinuousClock.now < deadline {
            round += 1
            if round % 4 == 0, let other = try? await connection.query(
                """
                SELECT id FROM kyc.applications WHERE status = 'in_review' AND lease_holder IS NOT NULL
                  AND lease_holder <> current_user AND lease_expires_at > now() LIMIT 1
                """
            ).first?.decode("id", as: Int64.self) {
                do {
                    try await Review().approve(other, note: "snatch", on: connection)
                    // The holder released it in between and it was unleased: allowed.
                    tally.decided += 1
                } catch where error.code == .refused {
                    tally.snatchesRefused += 1
                } catch {
                    tally.escaped.append("snatch: \(error)")
                }
            }
            let id: Int64?
            do {
                id = try await Review().leaseNext(lease: .seconds(120), on: connection)
            } catch {
                tally.escaped.append("lease: \(error)")
                continue
            }
            guard let id else {
                let open: Int = try await connection.query(
                    "SELECT count(*) AS n FROM kyc.applications WHERE status IN ('submitted', 'checking', 'in_review')"
                ).single().decode("n")
                if open == 0 { break }
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            do {
                if (id + Int64(number)) % 2 == 0 {
                    try await Review().approve(id, note: "reviewer \(number)", on: connection)
                } else {
                    try await Review().deny(id, reason: .documentUnreadable, note: "reviewer \(number)", on: connection)
                }
                tally.decided += 1
            } catch where error.code == .refused {
                tally.lostLeases += 1
            } catch {
                tally.escaped.append("decide: \(error)")
            }
        }
        return tally
    }
}
