public import KYCPostgres

/// One versioned schema change from `sql/`, embedded in the binary at build time.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    let sql: SQL
    let text: [UInt8]

    init(_ version: Int, _ name: String, _ bytes: [UInt8]) {
        self.version = version
        self.name = name
        self.sql = SQL(embedded: bytes)
        self.text = bytes
    }
}

/// Applies the migrations of `sql/` in order, each in its own transaction, recorded in
/// `kyc.schema_migrations`, under an advisory lock so that concurrent runs wait for each other. Applying
/// them again is a no-op; an applied migration whose text has since changed is an error.
public struct Migrator: Sendable {
    /// Every migration, in order. A test checks this list against the files in `sql/`.
    public static let migrations: [Migration] = [
        Migration(1, "countries", PackageResources._001_countries_sql),
        Migration(2, "core", PackageResources._002_core_sql),
        Migration(3, "decisions_and_review", PackageResources._003_decisions_and_review_sql),
        Migration(4, "personal_data", PackageResources._004_personal_data_sql),
        Migration(5, "set_based_recording", PackageResources._005_set_based_recording_sql),
    ]

    /// The schema version this build expects.
    public static var latestVersion: Int { self.migrations.last?.version ?? 0 }

    /// The advisory lock key (an arbitrary constant: "kycmigr" in ASCII).
    static let lockKey: Int64 = 0x6B79_636D_6967_72

    public init() {}

    /// Applies what is missing; returns the versions applied by this call.
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
                    """
                )
                let applied = try connection.query("SELECT version, checksum FROM kyc.schema_migrations")
                var checksums: [Int: String] = [:]
                for row in applied {
                    checksums[try row.decode("version")] = try row.decode("checksum", as: String.self)
                }
                var done: [Int] = []
                for migration in Self.migrations {
                    let checksum = try connection.query(
                        "SELECT md5($1) AS checksum",
                        [String(decoding: migration.text, as: UTF8.self)]
                    ).single().decode("checksum", as: String.self)
                    if let recorded = checksums[migration.version] {
                        guard recorded == checksum else {
                            throw StoreError(code: .migrationChanged, context: "migration \(migration.version)")
                        }
                        continue
                    }
                    try connection.transaction { connection in
                        try connection.query("SELECT set_config('kyc.migration_version', $1, true)", [String(migration.version)])
                        try connection.execute(migration.sql)
                        try connection.query(
                            "INSERT INTO kyc.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                            [migration.version, migration.name, checksum]
                        )
                        // Who migrated, and when, goes into the audit trail once it exists.
                        try connection.query(
                            """
                            DO $$ BEGIN
                                IF to_regclass('kyc.audit_log') IS NOT NULL THEN
                                    INSERT INTO kyc.audit_log (actor, action, details) VALUES
                                        (session_user, 'migrated', jsonb_build_object('version', current_setting('kyc.migration_version')::int));
                                END IF;
                            END $$
                            """
                        )
                    }
                    done.append(migration.version)
                }
                return done
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
}
