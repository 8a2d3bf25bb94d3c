import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

func setPolicy(_ key: String, _ value: String, in database: TestDatabase) async throws {
    let owner = try await database.connect()
    let current = try await PolicyStore().current(on: owner)
    _ = try await PolicyStore().publish(try Policy(json: current.json).setting(key, to: value), note: "test", on: owner)
    await owner.close()
}

func status(of id: Int64, in database: TestDatabase) async throws -> String {
    let connection = try await database.connect()
    defer { Task { await connection.close() } }
    return try await connection.query("SELECT status FROM kyc.applications WHERE id = $1", [id]).single().decode("status")
}

@Suite(.enabled(if: TestServers.enabled))
struct FourEyesTests {
    @Test func isOffByDefaultSoOneReviewersDenialTakesEffect() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let reviewer = try await database.connect(role: try await makeReviewer(in: database))
        #expect(try await Review().deny(id, reason: .suspectedFraud, note: nil, on: reviewer) == .decided)
        #expect(try await status(of: id, in: database) == "denied")
        await reviewer.close()
    }

    @Test func aChosenReasonWaitsForASecondDifferentReviewer() async throws {
        let database = try await TestServers.freshDatabase()
        try await setPolicy("four_eyes.reasons", "[\"suspected_fraud\", \"duplicate_identity\"]", in: database)
        let id = try await applicationInReview(database)
        let alice = try await database.connect(role: try await makeReviewer(in: database))
        let bob = try await database.connect(role: try await makeReviewer(in: database))
        #expect(try await Review().deny(id, reason: .suspectedFraud, note: "forged", on: alice) == .proposed)
        #expect(try await status(of: id, in: database) == "in_review")
        let emails = try await alice.query("SELECT count(*) AS n FROM kyc.email_outbox").single().decode("n", as: Int.self)
        #expect(emails == 0, "no email before the second reviewer confirms")

        do {
            try await Review().confirmProposal(id, on: alice)
            Issue.record("the proposer confirmed their own proposal")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message?.contains("second reviewer") == true)
        }
        await #expect(throws: StoreError.self) { try await Review().approve(id, note: nil, on: bob) }

        try await Review().confirmProposal(id, on: bob)
        #expect(try await status(of: id, in: database) == "denied")
        let decision = try await bob.query("SELECT decided_by, confirmed_by, reason_code FROM kyc.decisions WHERE application_id = $1", [id]).single()
        #expect(try decision.decode("reason_code", as: String.self) == "suspected_fraud")
        #expect(try decision.decode("decided_by", as: String.self) != decision.decode("confirmed_by", as: String.self))
        await alice.close()
        await bob.close()
    }

    @Test func aRejectedProposalLeavesTheCaseInReview() async throws {
        let database = try await TestServers.freshDatabase()
        try await setPolicy("four_eyes.reasons", "[\"duplicate_identity\"]", in: database)
        let id = try await applicationInReview(database)
        let alice = try await database.connect(role: try await makeReviewer(in: database))
        let bob = try await database.connect(role: try await makeReviewer(in: database))
        #expect(try await Review().deny(id, reason: .duplicateIdentity, note: nil, on: alice) == .proposed)
        await #expect(throws: StoreError.self) { try await Review().rejectProposal(id, note: "mine", on: alice) }
        try await Review().rejectProposal(id, note: "not the same person", on: bob)
        #expect(try await status(of: id, in: database) == "in_review")
        // The case can be decided afresh.
        #expect(try await Review().approve(id, note: nil, on: bob) == .decided)
        await alice.close()
        await bob.close()
    }

    @Test func approvingACaseWithADuplicateDocumentCanNeedFourEyes() async throws {
        let database = try await TestServers.freshDatabase()
        try await setPolicy("four_eyes.duplicate_approvals", "true", in: database)
        let id = try await submit(Fixtures.validSubmission(), to: database)
        let daemon = try await database.connect(role: "kyc_daemon")
        try await daemon.transaction { connection in
            try connection.query("SELECT * FROM kyc.claim_for_checks(10, 60, 'test')")
            try connection.query(
                "SELECT kyc.record_automated_results($1::jsonb, 'test')",
                ["[{\"application_id\": \(id), \"checks\": [{\"name\": \"duplicate_document\", \"outcome\": \"refer\", \"evidence\": \"1 other\"}], \"outcome\": \"in_review\"}]"]
            )
        }
        await daemon.close()
        let alice = try await database.connect(role: try await makeReviewer(in: database))
        #expect(try await Review().approve(id, note: nil, on: alice) == .proposed)
        await alice.close()
    }

    @Test func refusesAnUnknownPolicyKeyOrAReasonThatDoesNotExist() async throws {
        let database = try await TestServers.freshDatabase()
        await #expect(throws: PolicyError.self) { try await setPolicy("four_eyes.everything", "true", in: database) }
        await #expect(throws: PolicyError.self) { try await setPolicy("four_eyes.reasons", "[\"nope\"]", in: database) }
        // The database refuses a bad four-eyes list even from someone who goes around kyc-review.
        let owner = try await database.connect()
        await #expect(throws: PostgresError.self) {
            try await owner.query("SELECT kyc.publish_policy($1::jsonb, 'x')", ["{\"four_eyes.reasons\": [\"nope\"], \"four_eyes.duplicate_approvals\": false}"])
        }
        await owner.close()
    }
}

@Suite(.enabled(if: TestServers.enabled))
struct ReviewerPathTests {
    @Test func twoConcurrentApprovesTwoHundredTimesDecideOnceWithOneEmail() async throws {
        let database = try await TestServers.freshDatabase()
        let reviewers = [try await makeReviewer(in: database), try await makeReviewer(in: database)]
        let connections = [try await database.connect(role: reviewers[0]), try await database.connect(role: reviewers[1])]
        var ids: [Int64] = []
        for _ in 0..<200 {
            let id = try await applicationInReview(database)
            ids.append(id)
            let wins = await withTaskGroup(of: Bool.self) { group in
                for connection in connections {
                    group.addTask { (try? await Review().approve(id, note: nil, on: connection)) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1, "application \(id)")
        }
        let admin = try await database.connect()
        let counts = try await admin.query(
            """
            SELECT (SELECT count(*) FROM kyc.decisions WHERE application_id = ANY($1::bigint[])) AS decisions,
                   (SELECT count(*) FROM kyc.email_outbox WHERE application_id = ANY($1::bigint[])) AS emails
            """,
            ["{" + ids.map(String.init).joined(separator: ",") + "}"]
        ).single()
        #expect(try counts.decode("decisions", as: Int.self) == 200)
        #expect(try counts.decode("emails", as: Int.self) == 200)
        for connection in connections { await connection.close() }
        await admin.close()
    }

    @Test func releasingACaseOnlyWorksForItsHolder() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let alice = try await database.connect(role: try await makeReviewer(in: database))
        let bob = try await database.connect(role: try await makeReviewer(in: database))
        #expect(try await Review().leaseNext(lease: .seconds(900), on: alice) == id)
        await #expect(throws: StoreError.self) { try await Review().release(id, on: bob) }
        try await Review().release(id, on: alice)
        #expect(try await Review().leaseNext(lease: .seconds(900), on: bob) == id)
        await alice.close()
        await bob.close()
    }

    @Test func anExpiredLeaseFreesTheCaseByItself() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let alice = try await database.connect(role: try await makeReviewer(in: database))
        let bob = try await database.connect(role: try await makeReviewer(in: database))
        #expect(try await Review().leaseNext(lease: .seconds(1), on: alice) == id)
        try await Task.sleep(for: .milliseconds(1200))
        #expect(try await Review().leaseNext(lease: .seconds(900), on: bob) == id)
        await alice.close()
        await bob.close()
    }

    @Test func storesSQLMetacharactersInNotesLiterally() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let reviewer = try await database.connect(role: try await makeReviewer(in: database))
        let note = "'); DELETE FROM kyc.audit_log; -- $1 \\ \" %s 🙂"
        try await Review().addNote(id, note: note, on: reviewer)
        try await Review().deny(id, reason: .other, note: note, message: "Please retry in daylight.", on: reviewer)
        let stored = try await reviewer.query(
            "SELECT (SELECT note FROM kyc.decisions WHERE application_id = $1) AS decision_note, (SELECT details ->> 'note' FROM kyc.audit_trail WHERE application_id = $1 AND action = 'note') AS audit_note",
            [id]
        ).single()
        #expect(try stored.decode("decision_note", as: String.self) == note)
        #expect(try stored.decode("audit_note", as: String.self) == note)
        await reviewer.close()
    }

    @Test func aNoteOnAnUnknownApplicationIsNotFound() async throws {
        let database = try await TestServers.freshDatabase()
        let reviewer = try await database.connect(role: try await makeReviewer(in: database))
        do {
            try await Review().addNote(424_242, note: "x", on: reviewer)
            Issue.record("noted an unknown application")
        } catch {
            #expect(error.code == .notFound)
        }
        await reviewer.close()
    }

    @Test func aDefinerFunctionWritesTheRealAuditTableWhateverTheCallersSearchPath() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        // Only a role that may create temporary objects can try this: the superuser.
        let owner = try await database.connect()
        try await owner.query("CREATE TEMP TABLE audit_log (actor text, action text, application_id bigint, details jsonb)")
        try await owner.query("CREATE TEMP TABLE applications (id bigint, status text)")
        try await owner.query("SET search_path = pg_temp, kyc, public")
        try await owner.query("SELECT kyc.review_decide($1, 'approved', NULL, 'hostile path')", [id])
        let shadow = try await owner.query("SELECT count(*) AS n FROM pg_temp.audit_log").single().decode("n", as: Int.self)
        let real = try await owner.query(
            "SELECT count(*) AS n FROM kyc.audit_log WHERE application_id = $1 AND action = 'decided'", [id]
        ).single().decode("n", as: Int.self)
        #expect(shadow == 0)
        #expect(real == 1)
        await owner.close()
    }

    @Test func aReviewerCannotCreateTemporaryObjects() async throws {
        let database = try await TestServers.freshDatabase()
        let reviewer = try await database.connect(role: try await makeReviewer(in: database))
        do {
            try await reviewer.query("CREATE TEMP TABLE audit_log (x int)")
            Issue.record("a reviewer created a temporary table")
        } catch {
            #expect(error.sqlState == "42501")
        }
        await reviewer.close()
    }
}

@Suite(.enabled(if: TestServers.enabled))
struct RoleMatrixTests {
    static let privileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"]
    /// Every table each role may read; nothing else, and no role may write any table.
    static let readable: [String: Set<String>] = [
        "kyc_intake": [],
        "kyc_daemon": ["schema_migrations", "schema_functions", "reason_codes"],
        // Applications column by column: see reviewersReadApplicationsButNeverTheSealedIdentifiers.
        "kyc_reviewer": [
            "check_results", "decisions", "email_outbox", "audit_log", "reason_codes", "accounts",
            "schema_migrations", "decision_proposals", "policy_versions", "retention_policy",
        ],
        "kyc_reporter": [],
        "kyc_privacy": ["retention_policy"],
        "kyc_policy": ["policy_versions"],
    ]

    @Test func everyRoleHasExactlyTheExpectedPrivilegesOnEveryTable() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        let rows = try await connection.query(
            """
            SELECT r.rolname AS role, c.relname AS table, p.privilege,
                   has_table_privilege(r.oid, c.oid, p.privilege) AS granted
            FROM pg_roles r, pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                 unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p(privilege)
            WHERE r.rolname IN ('kyc_intake', 'kyc_daemon', 'kyc_reviewer', 'kyc_reporter', 'kyc_privacy', 'kyc_policy', 'kyc_review_lead')
              AND n.nspname = 'kyc' AND c.relkind = 'r'
            """
        )
        #expect(rows.count > 50)
        for row in rows {
            let role: String = try row.decode("role")
            let table: String = try row.decode("table")
            let privilege: String = try row.decode("privilege")
            // A lead is a reviewer (a member of kyc_reviewer) and reads exactly what reviewers read.
            let readable = Self.readable[role == "kyc_review_lead" ? "kyc_reviewer" : role]!
            let expected = privilege == "SELECT" && readable.contains(table)
            #expect(try row.decode("granted", as: Bool.self) == expected, "\(role) \(privilege) \(table)")
        }
        await connection.close()
    }

    @Test func reviewersReadApplicationsButNeverTheSealedIdentifiers() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        let rows = try await connection.query(
            """
            SELECT a.attname AS column, has_column_privilege('kyc_reviewer', 'kyc.applications', a.attname, 'SELECT') AS readable
            FROM pg_attribute a WHERE a.attrelid = 'kyc.applications'::regclass AND a.attnum > 0 AND NOT a.attisdropped
            """
        )
        let unreadable = Set(try rows.filter { !(try $0.decode("readable", as: Bool.self)) }.map { try $0.decode("column", as: String.self) })
        #expect(unreadable == ["sealed_identifiers", "document_fingerprint", "document_number"])
        let staging = try await connection.query(
            "SELECT has_table_privilege(r, 'kyc.identifiers_awaiting_seal', 'SELECT') AS granted FROM unnest(ARRAY['kyc_intake', 'kyc_daemon', 'kyc_reviewer', 'kyc_reporter', 'kyc_privacy', 'kyc_policy', 'kyc_review_lead']) r"
        )
        #expect(try staging.allSatisfy { !(try $0.decode("granted", as: Bool.self)) })
        await connection.close()
    }

    /// Not only the catalogue: each role actually tries INSERT, UPDATE, DELETE and TRUNCATE on every table
    /// and is refused by PostgreSQL's privilege check (42501), with nothing changed.
    @Test(arguments: ["kyc_intake", "kyc_daemon", "kyc_reviewer", "kyc_reporter", "kyc_privacy", "kyc_policy", "kyc_review_lead"])
    func everyWriteVerbOnEveryTableIsRefusedAs(role: String) async throws {
        let database = try await TestServers.freshDatabase()
        _ = try await submit(Fixtures.validSubmission(), to: database)
        let admin = try await database.connect()
        let tables = try await admin.query(
            """
            SELECT c.relname AS table,
                   (SELECT a.attname FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = '' AND a.attgenerated = ''
                    ORDER BY a.attnum LIMIT 1) AS first_column
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'kyc' AND c.relkind = 'r' ORDER BY c.relname
            """
        ).map { (try $0.decode("table", as: String.self), try $0.decode("first_column", as: String.self)) }
        #expect(tables.count >= 12)
        let rows = "SELECT (SELECT count(*) FROM kyc.applications) + (SELECT count(*) FROM kyc.accounts) + (SELECT count(*) FROM kyc.audit_log) + (SELECT count(*) FROM kyc.identifiers_awaiting_seal) AS writes"
        let before = try await admin.query(SQL(embedded: Array(rows.utf8))).single().decode("writes", as: Int64.self)
        #expect(before >= 4)
        let member = switch role {
        case "kyc_reviewer": try await makeReviewer(in: database)
        // A group role without LOGIN: its members log in.
        case "kyc_policy": try await makePolicyAdministrator(in: database)
        default: role
        }
        let connection = try await database.connect(role: member)
        var tried = 0
        for (table, column) in tables {
            // Names from the catalogue, quoted: no value of ours is in this text.
            for statement in [
                "INSERT INTO kyc.\"\(table)\" DEFAULT VALUES",
                "UPDATE kyc.\"\(table)\" SET \"\(column)\" = \"\(column)\"",
                "DELETE FROM kyc.\"\(table)\"",
                "TRUNCATE kyc.\"\(table)\"",
            ] {
                tried += 1
                do {
                    try await connection.execute(SQL(embedded: Array(statement.utf8)))
                    Issue.record("\(role) may run: \(statement)")
                } catch {
                    #expect(error.sqlState == "42501", "\(role): \(statement): \(error)")
                }
            }
        }
        #expect(tried == tables.count * 4)
        await connection.close()
        let after = try await admin.query(SQL(embedded: Array(rows.utf8))).single().decode("writes", as: Int64.self)
        #expect(before == after, "no row added or removed")
        await admin.close()
    }

    @Test(arguments: ["kyc_intake", "kyc_daemon", "kyc_reviewer", "kyc_reporter", "kyc_privacy", "kyc_policy", "kyc_review_lead", "postgres"])
    func tamperingWithTheAuditTrailFailsAs(role: String) async throws {
        let database = try await TestServers.freshDatabase()
        _ = try await submit(Fixtures.validSubmission(), to: database)
        let connection = try await database.connect(role: role == "kyc_policy" ? try await makePolicyAdministrator(in: database) : role)
        for statement: SQL in [
            "UPDATE kyc.audit_log SET actor = 'someone else'", "DELETE FROM kyc.audit_log", "TRUNCATE kyc.audit_log",
        ] {
            await #expect(throws: PostgresError.self, "\(role): \(statement)") { try await connection.query(statement) }
        }
        await connection.close()
        let admin = try await database.connect()
        #expect(try await admin.query("SELECT count(*) AS n FROM kyc.audit_log").single().decode("n", as: Int.self) >= 1)
        await admin.close()
    }

    @Test func migrationsAreInTheAuditTrail() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        let versions = try await connection.query(
            "SELECT (details ->> 'version')::int AS version FROM kyc.audit_log WHERE action = 'migrated' ORDER BY 1"
        ).map { try $0.decode("version", as: Int.self) }
        // Every version but the first, which runs before the audit trail exists.
        #expect(versions == Migrator.migrations.map(\.version).filter { $0 >= 2 })
        await connection.close()
    }
}
