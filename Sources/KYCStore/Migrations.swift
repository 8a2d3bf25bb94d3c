public import KYCPostgres

/// One versioned schema change from `sql/migrations/`, embedded in the binary at build time. Immutable once
/// released: tables, columns, indexes, roles and data changes. Functions, triggers and grants are not
/// migrations; they live in ``FunctionFile``s.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    let sql: SQL
    let text: [UInt8]
    /// The checksums this version was recorded with by earlier builds whose text of it has since been
    /// rewritten without changing the schema it makes (see ``Migrator/migrations``).
    let earlierChecksums: Set<String>

    init(_ version: Int, _ name: String, _ bytes: [UInt8], earlierChecksums: Set<String> = []) {
        self.version = version
        self.name = name
        self.sql = SQL(embedded: bytes)
        self.text = bytes
        self.earlierChecksums = earlierChecksums
    }
}

/// One repeatable file of `sql/functions/`: the one current text of a feature's functions, views, triggers and
/// function grants. A function is defined in exactly one file (each uses plain `CREATE FUNCTION`, so a second
/// definition fails the migration).
public struct FunctionFile: Sendable {
    public let name: String
    let sql: SQL
    let text: [UInt8]

    init(_ name: String, _ bytes: [UInt8]) {
        self.name = name
        self.sql = SQL(embedded: bytes)
        self.text = bytes
    }
}

/// Brings a database to this build's schema: the migrations of `sql/migrations/` that are missing, in order,
/// recorded in `kyc.schema_migrations`; then, when any file of `sql/functions/` differs from what the database
/// last applied (`kyc.schema_functions`), every function of the schema is dropped and every file applied again
/// in order, so the database holds exactly the functions the files define. All of it in one transaction,
/// under an advisory lock so that concurrent runs wait for each other. Applying it again is a no-op; an
/// applied migration whose text has since changed is an error.
public struct Migrator: Sendable {
    /// Every migration, in order. A test checks this list against the files in `sql/migrations/`.
    ///
    /// Versions 2 to 5 once held the functions too; they moved to `sql/functions/`, and a database migrated
    /// before that recorded the earlier texts' checksums, accepted here. Their tables, indexes and roles are
    /// the same; the functions are replaced by the function files on the next migrate.
    public static let migrations: [Migration] = [
        Migration(1, "countries", PackageResources._001_countries_sql),
        Migration(2, "core", PackageResources._002_core_sql, earlierChecksums: ["b86d8c69db33d7fd4788a3b84c9adb06"]),
        Migration(
            3,
            "decisions_and_review",
            PackageResources._003_decisions_and_review_sql,
            earlierChecksums: ["ec6fe7c79c46e7b6d757af0bf0aaf871"]
        ),
        Migration(
            4,
            "personal_data",
            PackageResources._004_personal_data_sql,
            earlierChecksums: ["647f29127cd9b6239e5e10e4f5809049"]
        ),
        Migration(
            5,
            "set_based_recording",
            PackageResources._005_set_based_recording_sql,
            earlierChecksums: ["165d69390dd22a41a9374899bbbb72cf"]
        ),
        Migration(6, "final_denials_and_normal_numbers", PackageResources._006_final_denials_and_normal_numbers_sql),
        Migration(7, "free_texts_and_policy_role", PackageResources._007_free_texts_and_policy_role_sql),
        Migration(8, "group_roles_and_leads", PackageResources._008_group_roles_and_leads_sql),
    ]

    /// Every function file, in the order they are applied: what a file's SQL-language functions or triggers
    /// refer to comes before it. A test checks this list against the files in `sql/functions/`.
    public static let functionFiles: [FunctionFile] = [
        FunctionFile("guards", PackageResources.guards_sql),
        FunctionFile("trail", PackageResources.trail_sql),
        FunctionFile("intake", PackageResources.intake_sql),
        FunctionFile("policy", PackageResources.policy_sql),
        FunctionFile("claims", PackageResources.claims_sql),
        FunctionFile("decisions", PackageResources.decisions_sql),
        FunctionFile("outbox", PackageResources.outbox_sql),
        FunctionFile("review", PackageResources.review_sql),
        FunctionFile("reports", PackageResources.reports_sql),
        FunctionFile("privacy", PackageResources.privacy_sql),
        FunctionFile("privileges", PackageResources.privileges_sql),
    ]

    /// The schema version this build expects.
    public static var latestVersion: Int { self.migrations.last?.version ?? 0 }

    /// The advisory lock key (an arbitrary constant: "kycmigr" in ASCII).
    static let lockKey: Int64 = 0x6B79_636D_6967_72

    public init() {}

    /// Applies what is missing; returns the migration versions applied by this call (function files applied
    /// again are recorded in `kyc.schema_functions` and the audit trail, not returned).
    @discardableResult
    public func migrate(_ connection: PostgresConnection) async throws(StoreError) -> [Int] {
        do {
            return try await connection.withAdvisoryLock(Self.lockKey) { connection in
                try connection.execute(
                    """
                    CREATE SCHEMA IF NOT EXISTS kyc;
                    CREATE TABLE IF NOT EXISTS kyc.schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    );
                    CREATE TABLE IF NOT EXISTS kyc.schema_functions (
                        file text PRIMARY KEY,
                        checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    );
                    """
                )
                let recorded = try Self.recordedChecksums(connection)
                var missing: [(Migration, String)] = []
                for migration in Self.migrations {
                    let checksum = try Self.checksum(migration.text, connection)
                    if let applied = recorded[migration.version] {
                        guard applied == checksum || migration.earlierChecksums.contains(applied) else {
                            throw StoreError(code: .migrationChanged, context: "migration \(migration.version)")
                        }
                        continue
                    }
                    missing.append((migration, checksum))
                }
                let pending = missing
                let stale = try Self.staleFunctionFiles(connection)
                guard !pending.isEmpty || !stale.isEmpty else { return [] }
                try connection.transaction { connection in
                    for (migration, checksum) in pending {
                        try connection.query(
                            "SELECT set_config('kyc.migration_version', $1, true)",
                            [String(migration.version)]
                        )
                        try connection.execute(migration.sql)
                        try connection.query(
                            "INSERT INTO kyc.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                            [migration.version, migration.name, checksum]
                        )
                        try Self.audit("migrated", ["version": migration.version], connection)
                    }
                    try Self.applyFunctionFiles(connection)
                }
                return pending.map { $0.0.version }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as PostgresError {
            throw StoreError(error)
        } catch {
            throw StoreError(code: .unexpected, context: String(describing: type(of: error)))
        }
    }

    /// The highest applied version, 0 when the schema is not there.
    public func currentVersion(_ connection: PostgresConnection) async throws(StoreError) -> Int {
        do {
            let rows = try await connection.query(
                """
                SELECT CASE WHEN to_regclass('kyc.schema_migrations') IS NULL THEN 0
                            ELSE (SELECT coalesce(max(version), 0) FROM kyc.schema_migrations) END AS version
                """
            )
            return try rows.single().decode("version")
        } catch {
            throw StoreError(error)
        }
    }

    /// The function files whose text the database has not applied (all of them before the first migrate): a
    /// program of this build must not run against functions of another.
    public func staleFunctionFiles(_ connection: PostgresConnection) async throws(StoreError) -> [String] {
        do {
            return try await Self.staleFunctionFiles(connection)
        } catch {
            throw StoreError(error)
        }
    }

    // MARK: - Steps, on the connection's own thread

    private static func recordedChecksums(_ connection: isolated PostgresConnection) throws -> [Int: String] {
        var checksums: [Int: String] = [:]
        for row in try connection.query("SELECT version, checksum FROM kyc.schema_migrations") {
            checksums[try row.decode("version")] = try row.decode("checksum", as: String.self)
        }
        return checksums
    }

    private static func checksum(_ text: [UInt8], _ connection: isolated PostgresConnection) throws -> String {
        try connection.query("SELECT md5($1) AS checksum", [String(decoding: text, as: UTF8.self)])
            .single().decode("checksum", as: String.self)
    }

    private static func staleFunctionFiles(_ connection: isolated PostgresConnection) throws -> [String] {
        let exists = try connection.query("SELECT to_regclass('kyc.schema_functions') IS NOT NULL AS present")
            .single().decode("present", as: Bool.self)
        var applied: [String: String] = [:]
        if exists {
            for row in try connection.query("SELECT file, checksum FROM kyc.schema_functions") {
                applied[try row.decode("file", as: String.self)] = try row.decode("checksum", as: String.self)
            }
        }
        var stale: [String] = []
        for file in functionFiles where applied.removeValue(forKey: file.name) != (try checksum(file.text, connection)) {
            stale.append(file.name)
        }
        return stale + applied.keys.sorted()
    }

    /// Drops every view and function of the schema (their triggers go with them) and applies every file again, so
    /// that one removed from the files is gone and a changed signature needs no hand-written DROP.
    private static func applyFunctionFiles(_ connection: isolated PostgresConnection) throws {
        try connection.execute(
            """
            DO $drop$
            DECLARE
                function regprocedure;
                view regclass;
            BEGIN
                FOR view IN
                    SELECT c.oid::regclass FROM pg_catalog.pg_class c
                    WHERE c.relnamespace = 'kyc'::regnamespace AND c.relkind = 'v'
                LOOP
                    EXECUTE format('DROP VIEW IF EXISTS %s CASCADE', view);
                END LOOP;
                FOR function IN
                    SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
                    WHERE p.pronamespace = 'kyc'::regnamespace
                      AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                                      WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                                        AND d.deptype = 'e')
                LOOP
                    EXECUTE format('DROP FUNCTION %s CASCADE', function);
                END LOOP;
            END
            $drop$;
            TRUNCATE kyc.schema_functions;
            """
        )
        for file in functionFiles {
            try connection.execute(file.sql)
            try connection.query(
                "INSERT INTO kyc.schema_functions (file, checksum) VALUES ($1, md5($2))",
                [file.name, String(decoding: file.text, as: UTF8.self)]
            )
        }
        try audit("functions_applied", [:], connection)
    }

    /// Who migrated, and when, goes into the audit trail once it exists.
    private static func audit(_ action: String, _ details: [String: Int], _ connection: isolated PostgresConnection) throws {
        try connection.query(
            """
            SELECT set_config('kyc.migration_action', $1, true),
                   set_config('kyc.migration_details', $2, true)
            """,
            [action, "{" + details.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"]
        )
        try connection.execute(
            """
            DO $$ BEGIN
                IF to_regclass('kyc.audit_log') IS NOT NULL THEN
                    INSERT INTO kyc.audit_log (actor, action, details) VALUES
                        (session_user, current_setting('kyc.migration_action'),
                         current_setting('kyc.migration_details')::jsonb);
                END IF;
            END $$
            """
        )
    }
}
