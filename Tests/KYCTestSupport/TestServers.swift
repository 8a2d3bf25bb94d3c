import Foundation
public import KYCPostgres
import KYCStore

/// The PostgreSQL cluster and SMTP sink that `make test` starts (scripts/dev-services), found through
/// the variables in var/env. Under `make test` and CI (`KYC_REQUIRE_SERVERS=1`) a missing server fails the
/// integration suites instead of skipping them.
public enum TestServers {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether the integration suites run: the servers are configured, or they are required.
    public static var enabled: Bool {
        environment["KYC_TEST_ADMIN_URL"] != nil || environment["KYC_REQUIRE_SERVERS"] == "1"
    }

    public struct Missing: Error, CustomStringConvertible {
        public let variable: String
        public var description: String { "\(variable) is not set: run the tests with `make test`" }
    }

    static func variable(_ name: String) throws -> String {
        guard let value = environment[name], !value.isEmpty else { throw Missing(variable: name) }
        return value
    }

    /// A superuser connection URI to the cluster's `postgres` database.
    public static func adminURL() throws -> String { try variable("KYC_TEST_ADMIN_URL") }
    /// `smtp://127.0.0.1:PORT` of the mail sink.
    public static func smtpURL() throws -> String { try variable("KYC_TEST_SMTP_URL") }
    /// The folder where the mail sink stores each message it accepts.
    public static func mailSpool() throws -> String { try variable("KYC_TEST_MAIL_SPOOL") }
    /// The PostgreSQL server's log file.
    public static func postgresLog() throws -> String { try variable("KYC_TEST_PG_LOG") }

    /// Host and port of the cluster, read from the admin URL (`postgresql://user@host:port/db`).
    static func hostAndPort() throws -> (host: String, port: String) {
        let url = try adminURL()
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port
        else { throw Missing(variable: "KYC_TEST_ADMIN_URL (host and port)") }
        return (host, String(port))
    }

    /// A connection string for `database` as `role`. The product's group roles cannot log in (migration
    /// 0008): for one of them, the connection logs in as its member ``loginRole(for:)``.
    public static func conninfo(database: String, role: String = "postgres") throws -> String {
        let (host, port) = try hostAndPort()
        // Not the product's 5 s: the suite runs some ninety suites at once on two cores, and a connect that
        // meets a CREATE DATABASE's checkpoint can take longer (clean-clone run of 824beb4: four tests failed
        // to connect in 5 s, none in the rerun). The default itself is pinned through adminURL()'s connections.
        return "host=\(host) port=\(port) dbname=\(database) user=\(loginRole(for: role)) connect_timeout=30"
    }

    /// The product's group roles: NOLOGIN, with privileges that their members inherit.
    public static let groupRoles: [String] = [
        "kyc_intake", "kyc_daemon", "kyc_reviewer", "kyc_reporter", "kyc_privacy", "kyc_review_lead", "kyc_policy",
    ]

    /// The role a connection "as `role`" logs in as: for a group role, a login role that is a member of it
    /// (made by ``freshDatabase(migrated:)``, once per cluster); any other role is itself.
    public static func loginRole(for role: String) -> String {
        groupRoles.contains(role) ? role + "_login" : role
    }

    /// Makes each group role's member login role, when missing. Roles are cluster-wide and tests run in
    /// parallel: a concurrent creation or grant of the same role counts as done.
    static func makeLoginRoles(_ connection: PostgresConnection) async throws {
        // DO takes no parameters; the text is made here of constants only.
        let names = groupRoles.map { "'\($0)'" }.joined(separator: ", ")
        try await connection.execute(SQL(embedded: Array(
            """
            DO $login$
            DECLARE
                group_name text;
            BEGIN
                FOREACH group_name IN ARRAY ARRAY[\(names)] LOOP
                    CONTINUE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = group_name);
                    BEGIN
                        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = group_name || '_login') THEN
                            EXECUTE format('CREATE ROLE %I LOGIN', group_name || '_login');
                        END IF;
                        IF NOT pg_catalog.pg_has_role(group_name || '_login', group_name, 'MEMBER') THEN
                            EXECUTE format('GRANT %I TO %I', group_name, group_name || '_login');
                        END IF;
                    EXCEPTION WHEN duplicate_object OR unique_violation THEN
                        NULL;
                    END;
                END LOOP;
            END
            $login$
            """.utf8)))
    }

    /// A new, empty database of its own for one test (tests run in parallel), optionally migrated.
    public static func freshDatabase(migrated: Bool = true) async throws -> TestDatabase {
        let name = "kyc_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try await PostgresConnection.connect(try adminURL(), label: "kyc.test.admin")
        // CREATE DATABASE takes no parameters; the name is made here of hex digits only.
        try await admin.execute(SQL(embedded: Array("CREATE DATABASE \(name)".utf8)))
        await admin.close()
        let database = TestDatabase(name: String(name))
        if migrated {
            let connection = try await database.connect()
            try await Migrator().migrate(connection)
            try await TestServers.makeLoginRoles(connection)
            await connection.close()
        }
        return database
    }
}

/// A database created for one test.
public struct TestDatabase: Sendable {
    public let name: String

    /// The connection string for a role (the superuser by default).
    public func conninfo(role: String = "postgres") throws -> String {
        try TestServers.conninfo(database: self.name, role: role)
    }

    public func connect(role: String = "postgres") async throws -> PostgresConnection {
        try await PostgresConnection.connect(try self.conninfo(role: role), label: "kyc.test")
    }
}

/// Creates a login role that is a reviewer (roles are cluster-wide: the name is unique per test).
public func makeReviewer(in database: TestDatabase) async throws -> String {
    try await makeMember(of: "kyc_reviewer", prefix: "reviewer", in: database)
}

/// Creates a login role that is a privacy officer (kyc_privacy), unique per test.
public func makePrivacyOfficer(in database: TestDatabase) async throws -> String {
    try await makeMember(of: "kyc_privacy", prefix: "privacy", in: database)
}

/// Creates a login role that is a policy administrator (kyc_policy: publishes and replays the policy), unique
/// per test.
public func makePolicyAdministrator(in database: TestDatabase) async throws -> String {
    try await makeMember(of: "kyc_policy", prefix: "policy", in: database)
}

/// Creates a login role that is a reviewers' lead (kyc_review_lead, itself a reviewer), unique per test.
public func makeReviewLead(in database: TestDatabase) async throws -> String {
    try await makeMember(of: "kyc_review_lead", prefix: "lead", in: database)
}

func makeMember(of group: StaticString, prefix: StaticString, in database: TestDatabase) async throws -> String {
    let name = "\(prefix)_" + UUID().uuidString.prefix(8).lowercased()
    let admin = try await database.connect()
    // CREATE ROLE takes no parameters; the name is made here of a constant and hex digits only.
    try await admin.execute(SQL(embedded: Array("CREATE ROLE \(name) LOGIN IN ROLE \(group)".utf8)))
    await admin.close()
    return name
}

