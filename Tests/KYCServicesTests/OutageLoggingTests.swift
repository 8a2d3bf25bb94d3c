import KYCPostgres
import KYCStore
import Logging
import Testing

@testable import KYCServices

/// Review 17, finding 9: an outage is logged with libpq's reason when it begins and when it ends, not every
/// turn; a statement's error never adds a reason.
struct OutageLoggingTests {
    @Test func aFailureStreakIsReportedAtItsStartAndItsEnd() {
        var streak = StatusReporter.FailureStreak()
        let nothingToEnd = streak.succeeded()
        let logged = [streak.failed(), streak.failed(), streak.failed()]
        let ended = streak.succeeded()
        let loggedAgain = streak.failed()
        #expect(nothingToEnd == nil)
        #expect(logged == [true, false, false])
        #expect(ended == 3)
        #expect(loggedAgain)
    }

    @Test func onlyAConnectionFailureAddsTheReasonToTheLogMetadata() {
        let refused = PostgresError(code: .connectionFailed, serverMessage: "connection to server at \"db\", port 5432 failed: Connection refused")
        #expect(Database.logMetadata(for: StoreError(refused))["db.reason"] != nil)
        #expect(Database.logMetadata(for: refused)["db.reason"] != nil)
        let statement = PostgresError(code: .serverError, sqlState: "22P02", serverMessage: "x")
        #expect(Database.logMetadata(for: StoreError(statement))["db.reason"] == nil)
    }

    @Test func theStatusReporterLogsAnUnreachableDatabaseOnceWithItsReason() async throws {
        let log = RecordedLog()
        let reporter = StatusReporter(
            configuration: Configuration(), database: Database(url: "host=127.0.0.1 port=1", logger: log.logger),
            notifier: SystemdNotifier(environment: [:]), heartbeat: Heartbeat(loops: []), logger: log.logger
        )
        var streak = StatusReporter.FailureStreak()
        for _ in 0..<3 { await reporter.reportOnce(&streak) }
        let lines = log.all.filter { $0.message == "status.failed" }
        #expect(lines.count == 1)
        #expect(lines.first?.metadata["db.reason"]?.contains("Connection refused") == true, "\(lines)")
    }
}
