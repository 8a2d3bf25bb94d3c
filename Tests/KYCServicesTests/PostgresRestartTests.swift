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

    @Test(arguments: ["fast", "immediate"])
    func aRestartDuringARunLosesNothingAndProcessingResumes(mode: String) async throws {
        let database = try await TestServers.freshDatabase()
        let load = 3000
        let intake = try await database.connect(role: "kyc_intake")
        for index in 0..<load {
            let document = Fixtures.ownLicence("RESTART\(index)")
            _ = try await Intake().submit(Fixtures.json(document), on: intake)
        }
        await intake.close()
        let daemon = try startDaemon(database)
        defer { if daemon.isRunning { daemon.terminate() } }
        // Restart as soon as work is visibly in progress.
        var before = 0
        while before == 0 { before = await finished(database) ?? 0 }
        try restartPostgres(mode)
        let restarted = ContinuousClock.now
        // Recovery: from the server being back to the daemon finishing more work.
        var after = before
        var recovery: Duration?
        while after < load && ContinuousClock.now - restarted < .seconds(60) {
            if let now = await finished(database), now > after {
                if recovery == nil { recovery = ContinuousClock.now - restarted }
                after = now
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        daemon.terminate()
        _ = try await waitForExit(daemon, seconds: 12)
        print("PostgreSQL restart (\(mode)) with \(before) of \(load) done: work resumed after \(recovery.map { "\($0)" } ?? "never")")
        #expect(recovery != nil)
        #expect(before < load, "the restart came while work was in progress")
        let admin = try await database.connect()
        let counts = try await admin.query(
            """
            SELECT (SELECT count(*) FROM kyc.applications WHERE status IN ('approved', 'denied')) AS decided,
                   (SELECT count(*) FROM kyc.applications WHERE status = 'in_review') AS in_review,
                   (SELECT count(*) FROM kyc.decisions) AS decisions,
                   (SELECT count(*) FROM kyc.email_outbox) AS emails
            """
        ).single()
        let decided: Int = try counts.decode("decided")
        #expect(decided + (try counts.decode("in_review", as: Int.self)) == load)
        #expect(try counts.decode("decisions", as: Int.self) == decided)
        #expect(try counts.decode("emails", as: Int.self) == decided)
        let lost = load - decided - (try counts.decode("in_review", as: Int.self))
        printFaultSummary("pg_ctl restart -m \(mode), \(load) applications", runs: 1, lost: lost,
                          duplicates: (try counts.decode("decisions", as: Int.self)) - decided, crashes: recovery == nil ? 1 : 0)
        await admin.close()
    }
}
