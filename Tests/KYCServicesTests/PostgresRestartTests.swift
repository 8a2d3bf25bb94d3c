import Foundation
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Restarts the test cluster under a running daemon. It breaks every other test's connections, so it
/// runs on its own after the main suite (`make test` sets KYC_FAULT_TESTS=1 for that step only).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KYC_FAULT_TESTS"] == "1"), .serialized)
struct PostgresRestartTests {
    /// `pg_ctl restart` leaves a new postmaster holding the descriptors it inherited, which keeps
    /// Foundation's `Process.waitUntilExit` waiting: a plain system(3) returns when pg_ctl does.
    func restartPostgres(_ mode: String) throws {
        let script = ProcessInfo.processInfo.environment["KYC_TEST_SERVICES"]!
        let status = system("'\(script)' restart-postgres \(mode) </dev/null >/dev/null 2>&1")
        #expect(status == 0)
    }

    /// The number of applications no longer waiting, or nil while the server is away.
    func finished(_ database: TestDatabase) async -> Int? {
        guard let connection = try? await database.connect() else { return nil }
        defer { Task { await connection.close() } }
        return try? await connection.query(
            "SELECT count(*) AS n FROM kyc.applications WHERE status NOT IN ('submitted', 'checking')"
        ).single().decode("n")
    }

    /// The longest any application has been in `checking`, in seconds, or nil while the server is away.
    func longestCheckingSeconds(_ database: TestDatabase) async -> Double? {
        guard let connection = try? await database.connect() else { return nil }
        defer { Task { await connection.close() } }
        return try? await connection.query(
            """
            SELECT coalesce(extract(epoch FROM max(now() - status_changed_at)), 0)::float8 AS seconds
            FROM kyc.applications WHERE status = 'checking'
            """
        ).single().decode("seconds")
    }

    static let restarts = 5
    static let lease = 2
    static let pollInterval = 1

    @Test(arguments: ["fast", "immediate"])
    func fiveRestartsDuringARunLoseNothingAndStrandNothing(mode: String) async throws {
        let database = try await TestServers.freshDatabase()
        let load = 5000
        let intake = try await database.connect(role: "kyc_intake")
        for index in 0..<load {
            let document = Fixtures.ownLicence("RESTART\(index)")
            _ = try await Intake().submit(Fixtures.json(document), on: intake)
        }
        await intake.close()
        // Small batches stretch the run over five restarts; the lease and the poll interval (how often an
        // idle daemon looks for leases to rescue) are short so that stranded work shows within the test.
        let daemon = try startDaemon(
            database,
            environment: [
                "KYC_CHECK_BATCH_SIZE": "5", "KYC_CHECK_LEASE_SECONDS": "\(Self.lease)",
                "KYC_POLL_INTERVAL_SECONDS": "\(Self.pollInterval)",
            ]
        )
        defer { if daemon.isRunning { daemon.terminate() } }
        var done = 0
        var restarted = 0
        var slowestRestart = Duration.zero
        var longestInChecking = 0.0
        var recoveries: [Duration] = []
        let deadline = ContinuousClock.now + .seconds(240)
        while restarted < Self.restarts && ContinuousClock.now < deadline {
            // Restart as soon as work is visibly in progress (again).
            let before = done
            while done == before && ContinuousClock.now < deadline {
                done = await finished(database) ?? done
                longestInChecking = max(longestInChecking, await longestCheckingSeconds(database) ?? 0)
                try await Task.sleep(for: .milliseconds(20))
            }
            guard done < load else { break }
            let started = ContinuousClock.now
            try restartPostgres(mode)
            slowestRestart = max(slowestRestart, ContinuousClock.now - started)
            restarted += 1
            let resumedFrom = done
            while ContinuousClock.now < deadline {
                if let now = await finished(database), now > resumedFrom {
                    recoveries.append(ContinuousClock.now - started)
                    done = now
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        // Then the rest of the run, still watching for stranded leases.
        while done < load && ContinuousClock.now < deadline {
            done = await finished(database) ?? done
            longestInChecking = max(longestInChecking, await longestCheckingSeconds(database) ?? 0)
            try await Task.sleep(for: .milliseconds(50))
        }
        daemon.terminate()
        _ = try await waitForExit(daemon, seconds: 12)
        // A lease claimed just before a restart runs out `lease` later; the daemon rescues it at its next
        // claim, within one poll interval — plus the time the server itself was away and the reconnect.
        let bound = Double(Self.lease + Self.pollInterval) + Double(slowestRestart.components.seconds) + 1.5
        print(
            "PostgreSQL restart (\(mode)) x\(restarted): recoveries \(recoveries), slowest restart \(slowestRestart), "
                + "longest in checking \(longestInChecking) s (bound \(bound) s)"
        )
        #expect(restarted == Self.restarts, "five restarts while work was in progress")
        #expect(recoveries.count == restarted, "work resumed after every restart")
        #expect(longestInChecking <= bound, "no application stuck in checking past its lease plus one rescue interval")
        let admin = try await database.connect()
        let counts = try await admin.query(
            """
            SELECT (SELECT count(*) FROM kyc.applications WHERE status IN ('approved', 'denied')) AS decided,
                   (SELECT count(*) FROM kyc.applications WHERE status = 'in_review') AS in_review,
                   (SELECT count(*) FROM kyc.applications WHERE status IN ('submitted', 'checking')) AS waiting,
                   (SELECT count(*) FROM kyc.decisions) AS decisions,
                   (SELECT count(*) FROM kyc.email_outbox) AS emails
            """
        ).single()
        let decided: Int = try counts.decode("decided")
        let inReview: Int = try counts.decode("in_review")
        #expect(try counts.decode("waiting", as: Int.self) == 0)
        #expect(decided + inReview == load)
        #expect(try counts.decode("decisions", as: Int.self) == decided)
        #expect(try counts.decode("emails", as: Int.self) == decided)
        printFaultSummary("pg_ctl restart -m \(mode) x\(restarted), \(load) applications", runs: restarted,
                          lost: load - decided - inReview,
                          duplicates: (try counts.decode("decisions", as: Int.self)) - decided,
                          crashes: recoveries.count == restarted ? 0 : 1)
        await admin.close()
    }
}
