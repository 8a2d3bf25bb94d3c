import Foundation
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

@Suite struct MigrationListTests {
    static let sqlFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../sql")

    static func files(in subfolder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sqlFolder.appendingPathComponent(subfolder).path)
            .filter { $0.hasSuffix(".sql") }.sorted()
    }

    @Test func listsEveryMigrationFileInOrder() throws {
        let listed = Migrator.migrations.map { String(format: "%04d_%@.sql", $0.version, $0.name) }
        #expect(try Self.files(in: "migrations") == listed)
    }

    @Test func listsEveryFunctionFile() throws {
        #expect(try Self.files(in: "functions") == Migrator.functionFiles.map { "\($0.name).sql" }.sorted())
        #expect(try FileManager.default.contentsOfDirectory(atPath: Self.sqlFolder.path).sorted() == ["functions", "migrations"])
    }

    /// A function's current text is in one file: no migration defines one, and no two function files do.
    @Test func everyFunctionIsDefinedInExactlyOneFile() throws {
        var definedIn: [String: [String]] = [:]
        for folder in ["migrations", "functions"] {
            for file in try Self.files(in: folder) {
                let text = try String(contentsOf: Self.sqlFolder.appendingPathComponent("\(folder)/\(file)"), encoding: .utf8)
                for line in text.split(separator: "\n") where line.hasPrefix("CREATE FUNCTION") || line.hasPrefix("CREATE OR REPLACE FUNCTION") {
                    let name = line.split(separator: "(").first.map(String.init) ?? String(line)
                    definedIn[name.replacingOccurrences(of: "OR REPLACE ", with: ""), default: []].append("\(folder)/\(file)")
                }
            }
        }
        #expect(!definedIn.isEmpty)
        for (function, files) in definedIn {
            #expect(files.count == 1, "\(function) is defined in \(files)")
            #expect(files.allSatisfy { $0.hasPrefix("functions/") }, "\(function) is defined in a migration")
        }
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

    @Test func aMigratedDatabaseHasEveryFunctionFileApplied() async throws {
        let database = try await TestServers.freshDatabase(migrated: false)
        let connection = try await database.connect()
        #expect(try await Migrator().staleFunctionFiles(connection) == Migrator.functionFiles.map(\.name))
        try await Migrator().migrate(connection)
        #expect(try await Migrator().staleFunctionFiles(connection) == [])
        await connection.close()
    }

    /// A database migrated before the functions left the migrations recorded the earlier texts' checksums:
    /// they are accepted, and the functions are replaced by the files', dropping any the files no longer
    /// define.
    @Test func aDatabaseFromBeforeTheFunctionFilesIsBroughtToTheFilesFunctions() async throws {
        let database = try await TestServers.freshDatabase(migrated: false)
        let connection = try await database.connect()
        try await Migrator().migrate(connection)
        try await connection.execute(
            """
            UPDATE kyc.schema_migrations SET checksum = CASE version
                WHEN 2 THEN 'b86d8c69db33d7fd4788a3b84c9adb06' WHEN 3 THEN 'ec6fe7c79c46e7b6d757af0bf0aaf871'
                WHEN 4 THEN '647f29127cd9b6239e5e10e4f5809049' WHEN 5 THEN '165d69390dd22a41a9374899bbbb72cf'
                ELSE checksum END;
            DROP TABLE kyc.schema_functions;
            CREATE FUNCTION kyc.left_from_an_old_migration() RETURNS int LANGUAGE sql AS 'SELECT 1';
            """
        )
        #expect(try await Migrator().migrate(connection) == [])
        #expect(try await Migrator().staleFunctionFiles(connection) == [])
        let leftover = try await connection.query(
            "SELECT to_regprocedure('kyc.left_from_an_old_migration()') IS NULL AS gone"
        ).single().decode("gone", as: Bool.self)
        #expect(leftover)
        await connection.close()
    }

    @Test func aChangedMigrationIsRefused() async throws {
        let database = try await TestServers.freshDatabase(migrated: false)
        let connection = try await database.connect()
        try await Migrator().migrate(connection)
        try await connection.execute("UPDATE kyc.schema_migrations SET checksum = md5('edited') WHERE version = 3")
        await #expect(throws: StoreError.self) { try await Migrator().migrate(connection) }
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
