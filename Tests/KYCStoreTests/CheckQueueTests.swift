import Foundation
import Synchronization
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

/// Approves every claimed application (the verdict does not matter to the queue's mechanics).
@Sendable func approveAll(_ claimed: [ClaimedApplication]) -> [CheckedApplication] {
    claimed.map { CheckedApplication(id: $0.id, results: [], verdict: .approve, policyVersion: 1, duplicateDocuments: 0) }
}

/// Makes every running check lease run out now, as the passing of its time would.
func expireCheckLeases(in database: TestDatabase) async throws {
    let owner = try await database.connect()
    try await owner.query("UPDATE kyc.applications SET lease_expires_at = now() - interval '1 second' WHERE status = 'checking'")
    await owner.close()
}

@Suite(.enabled(if: TestServers.enabled))
struct CheckQueueTests {
    @Test func anInstanceThatDiesMidBatchLeavesALeaseThatAnotherInstanceRescues() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await submit(Fixtures.validSubmission(), to: database)
        let connection = try await database.connect(role: "kyc_daemon")
        let dying = CheckQueue(instance: "dying", lease: .seconds(60))
        // Claimed, then "crashes": no results are recorded.
        let lost = try await dying.processBatch(limit: 10, on: connection) { _ in [] }
        #expect(lost == .init(claimed: 1, recorded: 0))
        let rescuer = CheckQueue(instance: "rescuer", lease: .seconds(60))
        #expect(try await rescuer.processBatch(limit: 10, on: connection, check: approveAll).claimed == 0, "lease still running")
        try await expireCheckLeases(in: database)
        #expect(try await rescuer.processBatch(limit: 10, on: connection, check: approveAll) == .init(claimed: 1, recorded: 1))
        #expect(try await status(of: id, in: database) == "approved")
        await connection.close()
    }

    @Test func aLateResultFromAnInstanceThatLostItsLeaseIsIgnored() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await submit(Fixtures.validSubmission(), to: database)
        let connection = try await database.connect(role: "kyc_daemon")
        // "slow" claims with a one-second lease and takes longer than that to check.
        try await connection.query("SELECT * FROM kyc.claim_for_checks(10, 60, 'slow')")
        try await expireCheckLeases(in: database)
        let rescuerConnection = try await database.connect(role: "kyc_daemon")
        let rescuer = CheckQueue(instance: "rescuer", lease: .seconds(60))
        #expect(try await rescuer.processBatch(limit: 10, on: rescuerConnection, check: approveAll).recorded == 1)
        let lateDenial = "[{\"application_id\": \(id), \"checks\": [], \"outcome\": \"denied\", \"reason_code\": \"other\", \"policy_version\": 1, \"duplicate_documents\": 0}]"
        let recorded = try await connection.query(
            "SELECT kyc.record_automated_results($1::jsonb, 'slow') AS n", [lateDenial]
        ).single().decode("n", as: Int.self)
        let late = CheckQueue.BatchResult(claimed: 1, recorded: recorded)
        #expect(late == .init(claimed: 1, recorded: 0))
        #expect(try await status(of: id, in: database) == "approved")
        let admin = try await database.connect()
        let decisions = try await admin.query("SELECT count(*) AS n FROM kyc.decisions").single().decode("n", as: Int.self)
        #expect(decisions == 1)
        await admin.close()
        await connection.close()
        await rescuerConnection.close()
    }

    @Test func anApplicationWhoseChecksKeepFailingIsParkedToReviewWhileTheRestDrains() async throws {
        let database = try await TestServers.freshDatabase()
        let poison = try await submit(Fixtures.validSubmission(), to: database)
        let connection = try await database.connect(role: "kyc_daemon")
        let crashing = CheckQueue(instance: "crashing", lease: .seconds(60))
        for _ in 0..<3 {
            _ = try await crashing.processBatch(limit: 1, on: connection) { _ in [] }
            try await expireCheckLeases(in: database)
        }
        let healthy = try await submit(Fixtures.validSubmission(), to: database)
        let worker = CheckQueue(instance: "healthy", lease: .seconds(60))
        let batch = try await worker.processBatch(limit: 10, on: connection, check: approveAll)
        #expect(batch == .init(claimed: 1, recorded: 1), "only the healthy application is checked")
        #expect(try await status(of: poison, in: database) == "in_review")
        #expect(try await status(of: healthy, in: database) == "approved")
        let admin = try await database.connect()
        let parked = try await admin.query(
            "SELECT count(*) AS n FROM kyc.audit_log WHERE application_id = $1 AND action = 'parked'", [poison]
        ).single().decode("n", as: Int.self)
        #expect(parked == 1)
        await admin.close()
        await connection.close()
    }

    @Test func anApplicationThatCrashesTheChecksIsParkedAloneNotWithTheBatchItCameIn() async throws {
        let database = try await TestServers.freshDatabase()
        var ids: [Int64] = []
        for _ in 0..<4 { ids.append(try await submit(Fixtures.validSubmission(), to: database)) }
        let poison = ids[2]
        let connection = try await database.connect(role: "kyc_daemon")
        let crashing = CheckQueue(instance: "crashing", lease: .seconds(60))
        let worker = CheckQueue(instance: "worker", lease: .seconds(60))
        // The batch dies twice with its instance: every application is a suspect now.
        for _ in 0..<2 {
            #expect(try await crashing.processBatch(limit: 10, on: connection) { _ in [] }.claimed == 4)
            try await expireCheckLeases(in: database)
        }
        // Suspects come one at a time; the poison keeps killing its instance, the others are decided.
        var given: [Int64] = []
        for _ in 0..<12 {
            let log = ClaimLog()
            let batch = try await worker.processBatch(limit: 10, on: connection) { claimed in
                log.add(claimed.map(\.id))
                return claimed.map(\.id) == [poison] ? [] : approveAll(claimed)
            }
            if batch.claimed == 0 { break }
            #expect(batch.claimed == 1, "a suspect is claimed alone")
            given += log.all
            if log.all == [poison] { try await expireCheckLeases(in: database) }
        }
        #expect(Set(given) == Set(ids))
        #expect(try await status(of: poison, in: database) == "in_review")
        for id in ids where id != poison { #expect(try await status(of: id, in: database) == "approved") }
        let admin = try await database.connect()
        let parked = try await admin.query(
            "SELECT array_agg(application_id ORDER BY application_id)::text AS ids FROM kyc.audit_log WHERE action = 'parked'"
        ).single().decode("ids", as: String.self)
        #expect(parked == "{\(poison)}", "only the application that crashed the checks is parked")
        await admin.close()
        await connection.close()
    }

    @Test func aRowThatCannotBeReadIsRecordedToReviewOnItsOwnAndTheRestOfItsBatchIsChecked() async throws {
        let database = try await TestServers.freshDatabase()
        let first = try await submit(Fixtures.validSubmission(), to: database)
        let broken = try await submit(Fixtures.validSubmission(), to: database)
        let last = try await submit(Fixtures.validSubmission(), to: database)
        let owner = try await database.connect()
        // PostgreSQL stores it; no instant represents it.
        try await owner.query("UPDATE kyc.applications SET submitted_at = 'infinity' WHERE id = $1", [broken])
        let connection = try await database.connect(role: "kyc_daemon")
        let given = ClaimLog()
        let batch = try await CheckQueue(instance: "test").processBatch(limit: 10, on: connection) { claimed in
            given.add(claimed.map(\.id))
            return approveAll(claimed)
        }
        #expect(batch == .init(claimed: 3, recorded: 3, unevaluable: [broken: "submitted_at could not be read"]))
        #expect(given.all == [first, last], "the checks get only what could be read")
        #expect(try await status(of: first, in: database) == "approved")
        #expect(try await status(of: last, in: database) == "approved")
        #expect(try await status(of: broken, in: database) == "in_review")
        let audit = try await owner.query(
            """
            SELECT action, details ->> 'reason' AS reason FROM kyc.audit_log
            WHERE application_id = $1 AND actor = 'auto'
            """,
            [broken]
        ).single()
        #expect(try audit.decode("action", as: String.self) == "unevaluable")
        #expect(try audit.decode("reason", as: String.self) == "submitted_at could not be read")
        let attempts = try await owner.query("SELECT check_attempts FROM kyc.applications WHERE id = $1", [broken])
            .single().decode("check_attempts", as: Int.self)
        #expect(attempts == 1)
        await owner.close()
        await connection.close()
    }

    @Test func fourInstancesClaimingAtOnceNeverShareAnApplication() async throws {
        let database = try await TestServers.freshDatabase()
        for _ in 0..<60 { _ = try await submit(Fixtures.validSubmission(), to: database) }
        let log = ClaimLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in ["a", "b", "c", "d"] {
                group.addTask {
                    let connection = try await database.connect(role: "kyc_daemon")
                    let queue = CheckQueue(instance: name, lease: .seconds(60))
                    while try await queue.processBatch(limit: 5, on: connection, check: { claimed in
                        log.add(claimed.map(\.id))
                        return approveAll(claimed)
                    }).claimed > 0 {}
                    await connection.close()
                }
            }
            try await group.waitForAll()
        }
        #expect(log.all.count == 60)
        #expect(Set(log.all).count == 60)
        let admin = try await database.connect()
        #expect(try await admin.query("SELECT count(*) AS n FROM kyc.decisions").single().decode("n", as: Int.self) == 60)
        await admin.close()
    }
}

/// The application ids claimed, from several tasks.
final class ClaimLog: Sendable {
    private let ids = Mutex<[Int64]>([])

    func add(_ new: [Int64]) { self.ids.withLock { $0 += new } }

    var all: [Int64] { self.ids.withLock { $0 } }
}
