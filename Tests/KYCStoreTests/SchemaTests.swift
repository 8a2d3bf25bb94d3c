import Foundation
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

@Suite struct MigrationListTests {
    @Test func listsEveryFileInTheSQLFolderInOrder() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../sql")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let listed = Migrator.migrations.map { String(format: "%04d_%@.sql", $0.version, $0.name) }
        #expect(files == listed)
    }
}

@Suite(.enabled(if: TestServers.enabled))
struct SchemaTests {
    @Test func migratingTwiceIsANoOp() async throws {
        let database = try await TestServers.freshDatabase(migrated: false)
        let connection = try await database.connect()
        #expect(try await Migrator().migrate(connection) == Migrator.migrations.map(\.version))
        #expect(try await Migrator().migrate(connection) == [])
        #expect(try await Migrator().currentVersion(connection) == Migrator.latestVersion)
        await connection.close()
    }

    @Test func concurrentMigrationsDoNotCollide() async throws {
        let database = try await TestServers.freshDatabase(migrated: false)
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let connection = try await database.connect()
                    let applied = try await Migrator().migrate(connection)
                    await connection.close()
                    return applied
                }
            }
            return try await group.reduce(into: [[Int]]()) { $0.append($1) }
        }
        #expect(applied.filter { !$0.isEmpty } == [Migrator.migrations.map(\.version)])
    }

    @Test func theAuditTrailIsAppendOnlyEvenForItsOwner() async throws {
        let database = try await TestServers.freshDatabase()
        _ = try await submit(Fixtures.validSubmission(), to: database)
        let connection = try await database.connect()
        for statement: SQL in ["UPDATE kyc.audit_log SET actor = 'x'", "DELETE FROM kyc.audit_log", "TRUNCATE kyc.audit_log"] {
            do {
                try await connection.query(statement)
                Issue.record("the audit trail accepted \(statement)")
            } catch {
                #expect(error.sqlState == "42501")
            }
        }
        await connection.close()
    }

    @Test func rolesCannotWriteTablesDirectly() async throws {
        let database = try await TestServers.freshDatabase()
        _ = try await submit(Fixtures.validSubmission(), to: database)
        for role in ["kyc_intake", "kyc_daemon", "kyc_reviewer", "kyc_reporter"] {
            let connection = try await database.connect(role: role)
            for statement: SQL in [
                "UPDATE kyc.applications SET status = 'approved'", "DELETE FROM kyc.decisions",
                "INSERT INTO kyc.audit_log (actor, action) VALUES ('x', 'y')",
            ] {
                do {
                    try await connection.query(statement)
                    Issue.record("\(role) could run \(statement)")
                } catch {
                    #expect(error.sqlState == "42501", "\(role): \(error)")
                }
            }
            await connection.close()
        }
    }

    @Test func oneDecisionPerApplicationIsEnforced() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await submit(Fixtures.validSubmission(), to: database)
        try await IntakeTests.decide(id, outcome: "approved", in: database)
        let connection = try await database.connect()
        do {
            try await connection.query(
                "INSERT INTO kyc.decisions (application_id, outcome, decided_by) VALUES ($1, 'approved', 'x')", [id]
            )
            Issue.record("a second decision was stored")
        } catch {
            #expect(error.sqlState == "23505")
        }
        let outbox = try await connection.query("SELECT count(*) AS n FROM kyc.email_outbox WHERE application_id = $1", [id])
        #expect(try outbox.single().decode("n", as: Int.self) == 1)
        await connection.close()
    }

    @Test func theClaimWalksOnlyWaitingApplications() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        let plan = try await connection.query(
            "EXPLAIN SELECT id FROM kyc.applications WHERE status = 'submitted' ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED"
        ).map { try $0.decode("QUERY PLAN", as: String.self) }.joined(separator: "\n")
        #expect(plan.contains("applications_waiting"), "\(plan)")
        await connection.close()
    }
}
