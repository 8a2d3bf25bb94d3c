import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import KYCVault
import Testing

/// Claims every waiting application as the daemon does, gives each `verdict`, and records the results
/// with the identifiers sealed by `vault`; returns the duplicate counts the checks saw, by id.
@discardableResult
func decideAll(
    _ database: TestDatabase,
    verdict: Verdict = .approve,
    vault: IdentifierVault? = TestKeyring.vault
) async throws -> [Int64: Int] {
    let daemon = try await database.connect(role: "kyc_daemon")
    let seen = SeenDuplicates()
    _ = try await CheckQueue(instance: "test").processBatch(limit: 100, on: daemon, vault: vault) { claimed in
        claimed.map { application in
            seen.record(application.id, application.history.duplicateDocuments)
            let results = [CheckResult.pass(.sessionWindow, "the session lasted 9 minutes")]
            return CheckedApplication(id: application.id, results: results, verdict: verdict, policyVersion: 1, duplicateDocuments: application.history.duplicateDocuments)
        }
    }
    await daemon.close()
    return seen.counts
}

final class SeenDuplicates: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int64: Int] = [:]
    func record(_ id: Int64, _ count: Int) { self.lock.withLock { self.values[id] = count } }
    var counts: [Int64: Int] { self.lock.withLock { self.values } }
}

/// A submission whose personal fields carry unique canary values.
struct Canary {
    let tag = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).uppercased()
    var number: String { "CNRN\(self.tag)" }
    var mrz: String { "P<GBRCNRM\(self.tag)<<ADA\nX" }
    var firstName: String { "Cnrfirst\(self.tag)" }
    var email: String { "cnr\(self.tag.lowercased())@example.com" }

    func document(account: String = "acct-" + UUID().uuidString.prefix(8).lowercased()) -> [String: Any] {
        var document = Fixtures.validSubmission(account: account, email: self.email)
        document = Fixtures.setting("document.number", to: self.number, in: document)
        document = Fixtures.setting("document.mrz", to: self.mrz, in: document)
        return Fixtures.setting("basic_info.first_name", to: self.firstName, in: document)
    }
}

@Suite(.enabled(if: TestServers.enabled))
struct IdentifierSealingTests {
    /// Whether `text` occurs in the raw bytes of a table's files (heap and TOAST), after a checkpoint.
    func rawBytes(of table: String, contain text: String, on connection: PostgresConnection) async throws -> Bool {
        try await connection.execute("CHECKPOINT")
        return try await connection.query(
            """
            SELECT bool_or(position(convert_to($2, 'UTF8') IN pg_read_binary_file(pg_relation_filepath(c.oid))) > 0) AS found
            FROM pg_class c
            WHERE c.oid = $1::regclass OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = $1::regclass)
            """,
            [table, text]
        ).single().decode("found")
    }

    @Test func theApplicationsTableNeverHoldsTheIdentifiersInClear() async throws {
        let database = try await TestServers.freshDatabase()
        let canary = Canary()
        let id = try await submit(canary.document(), to: database)
        let owner = try await database.connect()
        // Before the daemon: the plaintext waits apart from the application row.
        #expect(try await !self.rawBytes(of: "kyc.applications", contain: canary.number, on: owner))
        #expect(try await self.rawBytes(of: "kyc.applications", contain: canary.firstName, on: owner),
                "the search finds what the table does hold in clear")
        try await decideAll(database)
        let row = try await owner.query(
            "SELECT key_version, document_number_hint, document_number, payload::text AS payload FROM kyc.applications WHERE id = $1", [id]
        ).single()
        #expect(try row.decode("key_version", as: Int.self) == 2)
        #expect(try row.decode("document_number_hint", as: String.self).hasSuffix(String(canary.number.suffix(3))))
        #expect(try row.decodeIfPresent("document_number", as: String.self) == nil)
        #expect(try !row.decode("payload", as: String.self).contains(canary.number))
        for text in [canary.number, "CNRM\(canary.tag)"] {
            #expect(try await !self.rawBytes(of: "kyc.applications", contain: text, on: owner))
        }
        let awaiting = try await owner.query("SELECT count(*) AS n FROM kyc.identifiers_awaiting_seal").single()
        #expect(try awaiting.decode("n", as: Int.self) == 0)
        await owner.close()
    }

    @Test func theSealedIdentifiersOpenWithTheKeyringAndOnlyForTheirRow() async throws {
        let database = try await TestServers.freshDatabase()
        let canary = Canary()
        let id = try await submit(canary.document(), to: database)
        try await decideAll(database, verdict: .review)
        let owner = try await database.connect()
        let row = try await owner.query(
            "SELECT key_version, kyc.base64(sealed_identifiers) AS sealed FROM kyc.applications WHERE id = $1", [id]
        ).single()
        let sealed = SealedIdentifiers(keyVersion: try row.decode("key_version"), combined: Data(base64Encoded: try row.decode("sealed"))!)
        #expect(try TestKeyring.vault.open(sealed, applicationID: id) == DocumentIdentifiers(number: canary.number, mrz: canary.mrz))
        #expect(throws: VaultError.self) { try TestKeyring.vault.open(sealed, applicationID: id + 1) }
        await owner.close()
    }

    @Test func theDuplicateCheckMatchesBeforeDuringAndAfterAKeyRotation() async throws {
        let database = try await TestServers.freshDatabase()
        let canary = Canary()
        // The first account's application is approved and sealed under key 1 (the keyring before rotation).
        _ = try await submit(canary.document(), to: database)
        try await decideAll(database, vault: TestKeyring.vaultBeforeRotation)
        // With keys 1 and 2, a second account's same document is seen while the first is still on key 1.
        let second = try await submit(canary.document(), to: database)
        #expect(try await decideAll(database, verdict: .review)[second] == 1)
        // Rotation moves every row to key 2; a third account's same document still matches both.
        let owner = try await database.connect(role: "kyc_daemon")
        let rotation = try await KeyRotation(vault: TestKeyring.vault, batchSize: 1).run(on: owner)
        #expect(rotation.resealed == 1)
        #expect(rotation.skipped == 0)
        let usage = try await KeyRotation.usage(on: owner)
        #expect(usage.contains("\"by_version\": {\"2\": 2}"))
        let third = try await submit(canary.document(), to: database)
        #expect(try await decideAll(database, verdict: .review)[third] == 2)
        // A different document matches nothing.
        let other = try await submit(Fixtures.ownLicence("OTHER\(canary.tag)"), to: database)
        #expect(try await decideAll(database, verdict: .review)[other] == 0)
        await owner.close()
    }

    @Test func withoutAKeyringIdentifiersWaitAndTheRotationSealsThemLater() async throws {
        let database = try await TestServers.freshDatabase()
        let canary = Canary()
        let first = try await submit(canary.document(), to: database)
        try await decideAll(database, vault: nil)
        // Duplicates are still found, by plaintext, while nothing is sealed.
        let second = try await submit(canary.document(), to: database)
        #expect(try await decideAll(database, verdict: .review, vault: nil)[second] == 1)
        let daemon = try await database.connect(role: "kyc_daemon")
        let rotation = try await KeyRotation(vault: TestKeyring.vault).run(on: daemon)
        #expect(rotation.sealed == 2)
        let again = try await KeyRotation(vault: TestKeyring.vault).run(on: daemon)
        #expect(again == KeyRotation.Result(), "a second rotation finds nothing to do")
        await daemon.close()
        let owner = try await database.connect()
        let sealed = try await owner.query(
            "SELECT count(*) AS n FROM kyc.applications WHERE id IN ($1, $2) AND key_version = 2", [first, second]
        ).single().decode("n", as: Int.self)
        #expect(sealed == 2)
        #expect(try await !IdentifierSealingTests().rawBytes(of: "kyc.applications", contain: canary.number, on: owner))
        await owner.close()
    }

    @Test func aRevealOpensTheSealedIdentifiersOnlyWithTheKeyringAndIsAuditedEitherWay() async throws {
        let database = try await TestServers.freshDatabase()
        let canary = Canary()
        let id = try await submit(canary.document(), to: database)
        try await decideAll(database, verdict: .review)
        let reviewer = try await database.connect(role: try await makeReviewer(in: database))
        let masked = try await Applications().view(id, on: reviewer)
        #expect(try !encodedJSON(masked).contains(canary.number))
        #expect(masked.submission["document"]?["number"] == .string("\(String(repeating: "*", count: canary.number.count - 3))\(canary.number.suffix(3))"))
        let revealed = try await Applications().view(id, reveal: true, vault: TestKeyring.vault, on: reviewer)
        #expect(try encodedJSON(revealed).contains(canary.number))
        await #expect(throws: StoreError.self) { try await Applications().view(id, reveal: true, vault: nil, on: reviewer) }
        let audited = try await reviewer.query(
            "SELECT count(*) AS n FROM kyc.audit_log WHERE application_id = $1 AND action = 'revealed'", [id]
        ).single().decode("n", as: Int.self)
        #expect(audited == 2)
        // The sealed column itself is not the reviewer's to read.
        await #expect(throws: PostgresError.self) {
            try await reviewer.query("SELECT sealed_identifiers FROM kyc.applications WHERE id = $1", [id])
        }
        await reviewer.close()
    }
}

@Suite(.enabled(if: TestServers.enabled))
struct PurgeTests {
    /// Decided applications with their emails delivered, one account on legal hold, one case in review.
    struct World {
        var database: TestDatabase
        var approved: Int64
        var denied: Int64
        var held: Int64
        var inReview: Int64
        var heldAccount: String
        var officer: PostgresConnection
    }

    func world() async throws -> World {
        let database = try await TestServers.freshDatabase()
        let approved = try await submit(Canary().document(), to: database)
        try await decideAll(database, verdict: .approve)
        let denied = try await submit(Canary().document(), to: database)
        try await decideAll(database, verdict: .deny(.faceMismatch, .attemptsRemaining(9)))
        let heldAccount = "acct-held-" + UUID().uuidString.prefix(6).lowercased()
        let held = try await submit(Canary().document(account: heldAccount), to: database)
        try await decideAll(database, verdict: .approve)
        let inReview = try await submit(Canary().document(), to: database)
        try await decideAll(database, verdict: .review)
        let owner = try await database.connect()
        try await owner.execute("UPDATE kyc.email_outbox SET status = 'sent', sent_at = now()")
        await owner.close()
        let officer = try await database.connect(role: try await makePrivacyOfficer(in: database))
        try await PersonalData().setLegalHold(account: heldAccount, held: true, note: "case 2026-17", on: officer)
        return World(database: database, approved: approved, denied: denied, held: held, inReview: inReview,
                     heldAccount: heldAccount, officer: officer)
    }

    /// Every row of every table that holds an application's data, as JSON text, by application id.
    func snapshot(_ database: TestDatabase) async throws -> [Int64: String] {
        let owner = try await database.connect()
        let rows = try await owner.query(
            """
            SELECT a.id, jsonb_build_object(
                'application', to_jsonb(a) - 'sealed_identifiers' || jsonb_build_object('sealed', kyc.base64(a.sealed_identifiers)),
                'account', (SELECT to_jsonb(c) FROM kyc.accounts c WHERE c.account_id = a.account_id),
                'checks', (SELECT jsonb_agg(to_jsonb(r) ORDER BY r.name) FROM kyc.check_results r WHERE r.application_id = a.id),
                'decision', (SELECT to_jsonb(d) FROM kyc.decisions d WHERE d.application_id = a.id),
                'emails', (SELECT jsonb_agg(to_jsonb(e)) FROM kyc.email_outbox e WHERE e.application_id = a.id),
                'awaiting', (SELECT to_jsonb(u) FROM kyc.identifiers_awaiting_seal u WHERE u.application_id = a.id))::text AS data
            FROM kyc.applications a
            """
        )
        await owner.close()
        var result: [Int64: String] = [:]
        for row in rows { result[try row.decode("id")] = try row.decode("data") }
        return result
    }

    /// The report as sorted JSON, less the fields that say when it was made.
    func report(_ database: TestDatabase) async throws -> String {
        let reporter = try await database.connect(role: "kyc_reporter")
        var report = try JSONSerialization.jsonObject(with: Data(try encodedJSON(try await Review().report(on: reporter)).utf8)) as! [String: Any]
        await reporter.close()
        report["generated_at"] = nil
        // The age of the oldest case grows by the second while the test runs; the purge does not touch it.
        report["oldest_in_review_seconds"] = nil
        if var email = report["email"] as? [String: Any] {
            email["oldest_pending_seconds"] = nil
            report["email"] = email
        }
        report["window"] = (report["window"] as? [String: Any])?.filter { $0.key != "until" && $0.key != "since" }
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func nothingIsPurgedBeforeItsRetentionEnds() async throws {
        let world = try await self.world()
        let before = try await self.snapshot(world.database)
        let dryRun = try await PersonalData().purge(dryRun: true, on: world.officer)
        #expect(dryRun == PersonalData.PurgeResult())
        #expect(try await PersonalData().purge(dryRun: false, on: world.officer).applications == 0)
        #expect(try await self.snapshot(world.database) == before)
        await world.officer.close()
    }

    @Test func purgeErasesExactlyTheEligibleRowsPersonalFieldsOnceAndKeepsTheReport() async throws {
        let world = try await self.world()
        try await PersonalData().setRetention(outcome: "approved", days: 0, note: "test: expire now", on: world.officer)
        try await PersonalData().setRetention(outcome: "denied", days: 0, note: "test: expire now", on: world.officer)
        let before = try await self.snapshot(world.database)
        let reportBefore = try await self.report(world.database)

        let dryRun = try await PersonalData().purge(dryRun: true, on: world.officer)
        #expect(dryRun.applications == 2)
        #expect(try await self.snapshot(world.database) == before, "a dry run changes nothing")

        let purged = try await PersonalData().purge(batchSize: 1, dryRun: false, on: world.officer)
        #expect(purged == PersonalData.PurgeResult(applications: 2, accounts: 2, batches: 2))
        let after = try await self.snapshot(world.database)
        // Untouched: the case in review and the account on legal hold.
        #expect(after[world.inReview] == before[world.inReview])
        #expect(after[world.held] == before[world.held])
        // Erased: every personal field of the two eligible applications, nothing else of theirs.
        for id in [world.approved, world.denied] {
            let text = try #require(after[id])
            let data = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
            let application = data["application"] as! [String: Any]
            for field in ["email", "document_number_hint", "sealed", "document_fingerprint", "key_version"] {
                #expect(application[field] is NSNull, "\(field)")
            }
            let payload = application["payload"] as! [String: Any]
            #expect(Set(payload.keys).isSubset(of: ["locale", "capture_channel", "session_started_at", "submitted_at", "basic_info", "document"]))
            #expect(payload["basic_info"] as? [String: String] == ["nationality": "GB", "country_of_residence": "GB"])
            #expect(payload["document"] as? [String: String] == ["type": "passport", "issuing_country": "GB"])
            #expect(application["status"] as? String != nil && application["issuing_country"] as? String == "GB")
            #expect(((data["account"] as! [String: Any])["basic_info"] as? [String: Any])?.isEmpty == true)
            #expect(((data["emails"] as! [[String: Any]])[0])["recipient"] is NSNull)
            #expect(((data["emails"] as! [[String: Any]])[0])["status"] as? String == "sent")
            #expect((data["decision"] as! [String: Any])["outcome"] as? String != nil)
            for word in ["Cnrfirst", "CNRN", "cnr", "Lovelace", "1990-08-12", "St James"] {
                #expect(!text.contains(word), "\(word) left in application \(id)")
            }
        }
        #expect(try await self.report(world.database) == reportBefore)

        let again = try await PersonalData().purge(dryRun: false, on: world.officer)
        #expect(again == PersonalData.PurgeResult(), "a second purge finds nothing")
        #expect(try await self.snapshot(world.database) == after)

        let owner = try await world.database.connect()
        let audit = try await owner.query(
            "SELECT actor, details::text AS details FROM kyc.audit_log WHERE action = 'personal_data_purged' ORDER BY id"
        ).map { try $0.decode("details", as: String.self) }
        await owner.close()
        #expect(audit.count == 2)
        #expect(audit.allSatisfy { $0.contains("\"applications\": 1") })

        // Lifting the hold makes the held account's application eligible at the next run.
        try await PersonalData().setLegalHold(account: world.heldAccount, held: false, note: "case closed", on: world.officer)
        #expect(try await PersonalData().purge(dryRun: false, on: world.officer).applications == 1)
        await world.officer.close()
    }

    @Test func anErasedAccountThatReturnsConfirmsNewBasicInfo() async throws {
        let world = try await self.world()
        try await PersonalData().setRetention(outcome: "denied", days: 0, note: "test: expire now", on: world.officer)
        _ = try await PersonalData().purge(dryRun: false, on: world.officer)
        let owner = try await world.database.connect()
        let account: String = try await owner.query("SELECT account_id FROM kyc.applications WHERE id = $1", [world.denied]).single().decode("account_id")
        let returning = try await submit(Canary().document(account: account), to: world.database)
        let basic: String = try await owner.query("SELECT basic_info::text AS b FROM kyc.accounts WHERE account_id = $1", [account]).single().decode("b")
        #expect(basic.contains("Cnrfirst"))
        #expect(returning > world.denied)
        await owner.close()
        await world.officer.close()
    }

    @Test func onlyThePrivacyOfficerPurgesHoldsExportsOrChangesRetention() async throws {
        let world = try await self.world()
        for role in ["kyc_daemon", "kyc_reporter", "kyc_intake", try await makeReviewer(in: world.database)] {
            let connection = try await world.database.connect(role: role)
            await #expect(throws: StoreError.self) { try await PersonalData().purge(dryRun: false, on: connection) }
            await #expect(throws: StoreError.self) {
                try await PersonalData().setLegalHold(account: world.heldAccount, held: false, note: "x", on: connection)
            }
            await #expect(throws: StoreError.self) {
                try await PersonalData().setRetention(outcome: "approved", days: 0, note: "x", on: connection)
            }
            await #expect(throws: StoreError.self) {
                try await PersonalData().exportSubject(account: world.heldAccount, vault: nil, on: connection)
            }
            await connection.close()
        }
        await world.officer.close()
    }

    @Test func theReportRoleSeesNoPersonalData() async throws {
        let world = try await self.world()
        let reporter = try await world.database.connect(role: "kyc_reporter")
        for table in ["applications", "accounts", "email_outbox", "audit_log", "check_results", "decisions", "identifiers_awaiting_seal"] {
            await #expect(throws: PostgresError.self) {
                try await reporter.query(SQL(embedded: Array("SELECT * FROM kyc.\(table) LIMIT 1".utf8)))
            }
        }
        await #expect(throws: StoreError.self) { try await Applications().view(world.approved, on: reporter) }
        let report = try encodedJSON(try await Review().report(on: reporter))
        for word in ["Cnrfirst", "CNRN", "@example.com", "Lovelace", "1990-08-12"] {
            #expect(!report.contains(word))
        }
        await reporter.close()
        await world.officer.close()
    }
}

@Suite(.enabled(if: TestServers.enabled))
struct SubjectExportTests {
    @Test func theExportHoldsEveryStoredFieldOfTheAccountAndNothingOfOthers() async throws {
        let database = try await TestServers.freshDatabase()
        let mine = Canary()
        let theirs = Canary()
        let account = "acct-export-" + UUID().uuidString.prefix(6).lowercased()
        let first = try await submit(mine.document(account: account), to: database)
        try await decideAll(database, verdict: .deny(.faceMismatch, .attemptsRemaining(9)))
        _ = try await submit(theirs.document(), to: database)
        try await decideAll(database, verdict: .approve)
        let second = try await submit(mine.document(account: account), to: database)
        try await decideAll(database, verdict: .review)
        let reviewer = try await database.connect(role: try await makeReviewer(in: database))
        try await Review().addNote(second, note: "asked for a clearer selfie", on: reviewer)
        await reviewer.close()

        let officer = try await database.connect(role: try await makePrivacyOfficer(in: database))
        let text = try await PersonalData().exportSubject(account: account, vault: TestKeyring.vault, on: officer)
        let export = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(!text.contains(theirs.tag), "nothing of another account")
        #expect(text.contains(mine.firstName) && text.contains(mine.email))
        let applications = export["applications"] as! [[String: Any]]
        #expect(applications.map { ($0["id"] as! NSNumber).int64Value } == [first, second])
        #expect((applications[0]["identifiers"] as? [String: Any])?["number"] as? String == mine.number)

        // Every column of every table that holds the account's data is in the export.
        let owner = try await database.connect()
        let columns = try await owner.query(
            """
            SELECT table_name, array_agg(column_name::text ORDER BY column_name)::text AS columns
            FROM information_schema.columns
            WHERE table_schema = 'kyc' AND table_name IN ('accounts', 'applications', 'check_results', 'decisions', 'email_outbox', 'audit_log', 'free_texts')
            GROUP BY table_name
            """
        )
        let sections = ["accounts": "account", "applications": "applications", "check_results": "check_results",
                        "decisions": "decisions", "email_outbox": "emails", "audit_log": "audit", "free_texts": "free_texts"]
        for row in columns {
            let table: String = try row.decode("table_name")
            let names = Set(try row.decode("columns", as: String.self).dropFirst().dropLast().split(separator: ",").map(String.init))
            let section = export[sections[table]!]
            let first = (section as? [[String: Any]])?.first ?? section as? [String: Any]
            let keys = Set(try #require(first, "\(table) is exported").keys)
            #expect(names.isSubset(of: keys), "\(table): \(names.subtracting(keys)) missing")
        }
        #expect((export["audit"] as! [[String: Any]]).contains {
            $0["action"] as? String == "note" && ($0["details"] as? [String: Any])?["note"] as? String == "asked for a clearer selfie"
        })
        let audited = try await owner.query(
            "SELECT count(*) AS n FROM kyc.audit_log WHERE action = 'subject_exported' AND account_id = $1", [account]
        ).single().decode("n", as: Int.self)
        #expect(audited == 1)
        await owner.close()
        await officer.close()
    }
}

/// Everything the database holds, as `pg_dump --data-only` writes it.
func dataDump(of database: TestDatabase) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["pg_dump", "--data-only", "--dbname", try database.conninfo()]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw DumpFailed(status: process.terminationStatus) }
    return String(decoding: data, as: UTF8.self)
}

/// The tables whose rows in a data-only dump hold `text` (the dump's `COPY kyc.table ...` sections).
func tables(in dump: String, holding text: String) -> [String] {
    var table = ""
    var found: [String] = []
    for line in dump.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("COPY ") {
            table = String(line.split(separator: " ")[1])
        } else if line.contains(text) && found.last != table {
            found.append(table)
        }
    }
    return found
}

struct DumpFailed: Error {
    let status: Int32
}

@Suite(.enabled(if: TestServers.enabled))
struct FreeTextPurgeTests {
    /// CONTRACT §8: notes, messages to the applicant, proposals' and rejections' notes, and the account's own
    /// notes (unlock, legal hold) all go with the purge; the audit trail keeps who did what and when.
    @Test func afterAPurgeNoNoteOrMessageAboutTheApplicationRemainsAnywhereInTheDatabase() async throws {
        let database = try await TestServers.freshDatabase()
        let canary = "CNRTEXT" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).uppercased()
        let kept = "CNRKEPT" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).uppercased()
        try await setPolicy("four_eyes.reasons", "[\"other\"]", in: database)
        let person = Canary()
        let account = "acct-text-" + UUID().uuidString.prefix(6).lowercased()
        let aliceName = try await makeReviewer(in: database)
        let bobName = try await makeReviewer(in: database)
        let alice = try await database.connect(role: aliceName)
        let bob = try await database.connect(role: bobName)
        let officer = try await database.connect(role: try await makePrivacyOfficer(in: database))

        // A denial under four-eyes: a note, a proposal rejected, a second proposal confirmed.
        let first = try await submit(person.document(account: account), to: database)
        try await decideAll(database, verdict: .review)
        try await Review().addNote(first, note: "\(canary) note", on: alice)
        #expect(try await Review().deny(first, reason: .other, note: "\(canary) proposed", message: "\(canary) message", on: alice) == .proposed)
        try await Review().rejectProposal(first, note: "\(canary) rejected", on: bob)
        #expect(try await Review().deny(first, reason: .other, note: "\(canary) decided", message: "\(canary) retry", on: alice) == .proposed)
        try await Review().confirmProposal(first, on: bob)
        // The account's second case, approved with a note and a message, and the account's own notes.
        let second = try await submit(person.document(account: account), to: database)
        try await decideAll(database, verdict: .review)
        try await Review().unlockBasicInfo(account: account, note: "\(canary) unlocked", on: alice)
        try await Review().approve(second, note: "\(canary) approved", message: "\(canary) welcome", on: alice)
        try await PersonalData().setLegalHold(account: account, held: true, note: "\(canary) held", on: officer)
        try await PersonalData().setLegalHold(account: account, held: false, note: "\(canary) lifted", on: officer)
        // Another account, on legal hold: its texts stay.
        let heldAccount = "acct-kept-" + UUID().uuidString.prefix(6).lowercased()
        let other = try await submit(Canary().document(account: heldAccount), to: database)
        try await decideAll(database, verdict: .review)
        try await Review().approve(other, note: "\(kept) approved", on: alice)
        try await PersonalData().setLegalHold(account: heldAccount, held: true, note: "\(kept) held", on: officer)
        let owner = try await database.connect()
        try await owner.execute("UPDATE kyc.email_outbox SET status = 'sent', sent_at = now()")

        let before = try dataDump(of: database)
        #expect(before.components(separatedBy: canary).count - 1 >= 12, "the search finds the texts while they are kept")
        try await PersonalData().setRetention(outcome: "approved", days: 0, note: "test: expire now", on: officer)
        try await PersonalData().setRetention(outcome: "denied", days: 0, note: "test: expire now", on: officer)
        #expect(try await PersonalData().purge(dryRun: false, on: officer).applications == 2)

        let after = try dataDump(of: database)
        #expect(tables(in: after, holding: canary).isEmpty, "free text left after the purge")
        #expect(after.components(separatedBy: kept).count - 1 >= 2, "the held account's texts stay")
        // The trail still says who did what, and when; the text reads as erased.
        let trail = try await owner.query(
            """
            SELECT actor, action, details ->> 'note' AS note FROM kyc.audit_trail
            WHERE application_id = $1 AND action IN ('note', 'proposed', 'proposal_rejected', 'decided') ORDER BY id
            """,
            [first]
        ).map { (try $0.decode("actor", as: String.self), try $0.decode("action", as: String.self), try $0.decode("note", as: String.self)) }
        #expect(trail.map(\.0) == [aliceName, aliceName, bobName, aliceName, bobName])
        #expect(trail.map(\.1) == ["note", "proposed", "proposal_rejected", "proposed", "decided"])
        #expect(trail.allSatisfy { $0.2 == "(erased)" })
        await owner.close()
        await alice.close()
        await bob.close()
        await officer.close()
    }
}

@Suite(.enabled(if: TestServers.enabled))
struct ReplayAccessTests {
    @Test func onlyAPolicyAdministratorReadsAReplayPageAndEachPageIsAuditedWithItsIdsAndWindow() async throws {
        let database = try await TestServers.freshDatabase()
        let first = try await submit(Canary().document(), to: database)
        let second = try await submit(Canary().document(), to: database)
        try await decideAll(database, verdict: .approve)
        let since = Date(timeIntervalSince1970: 1_700_000_000)
        let until = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.up) * 60 + 3600)

        for role in [try await makeReviewer(in: database), try await makePrivacyOfficer(in: database), "kyc_daemon", "kyc_reporter"] {
            let connection = try await database.connect(role: role)
            do {
                try await connection.query("SELECT id FROM kyc.replay_page($1, $2, 0, 10)", [since, until])
                Issue.record("\(role) read a replay page")
            } catch {
                #expect(error.sqlState == "42501", "\(role)")
            }
            await connection.close()
        }

        let name = try await makePolicyAdministrator(in: database)
        let administrator = try await database.connect(role: name)
        let page = try await ReplaySource(vault: TestKeyring.vault).page(since: since, until: until, after: 0, limit: 10, on: administrator)
        #expect(page.map(\.id) == [first, second])
        await administrator.close()

        let owner = try await database.connect()
        let audit = try await owner.query(
            """
            SELECT actor, details -> 'application_ids' = to_jsonb(ARRAY[$1::bigint, $2::bigint]) AS ids,
                   (details ->> 'since')::timestamptz = $3 AS since, (details ->> 'until')::timestamptz = $4 AS until
            FROM kyc.audit_log WHERE action = 'replay_read'
            """,
            [first, second, since, until]
        )
        #expect(audit.count == 1, "one page handed out, one entry")
        let entry = try #require(audit.first)
        #expect(try entry.decode("actor", as: String.self) == name)
        #expect(try entry.decode("ids", as: Bool.self))
        #expect(try entry.decode("since", as: Bool.self))
        #expect(try entry.decode("until", as: Bool.self))
        await owner.close()
    }
}
