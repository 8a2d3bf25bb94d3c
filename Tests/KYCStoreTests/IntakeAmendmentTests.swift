import Foundation
import KYCDomain
import KYCPostgres
@testable import KYCStore
import KYCTestSupport
import Testing

/// CONTRACT §8 at the door: final denials hold, intake's clock bounds the submission's, size and depth are
/// limited, document numbers have one normal form, and reviewers' denials follow the policy.
@Suite(.enabled(if: TestServers.enabled), .serialized)
struct IntakeAmendmentTests {
    /// Decides an application the way the daemon does, with a reason of the test's choice.
    static func deny(_ id: Int64, reason: String, in database: TestDatabase) async throws {
        let connection = try await database.connect(role: "kyc_daemon")
        try await connection.transaction { connection in
            try connection.query("SELECT * FROM kyc.claim_for_checks(10, 60, 'test')")
            try connection.query(
                "SELECT kyc.record_automated_results($1::jsonb, 'test')",
                ["[{\"application_id\": \(id), \"checks\": [], \"outcome\": \"denied\", \"reason_code\": \"\(reason)\"}]"]
            )
        }
        await connection.close()
    }

    static func expectRefusal(
        _ document: [String: Any],
        in database: TestDatabase,
        sqlState: String,
        mentioning words: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        do {
            let id = try await submit(document, to: database)
            Issue.record("accepted as \(id)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.underlying?.sqlState == sqlState, "\(error)", sourceLocation: sourceLocation)
            for word in words {
                #expect(error.message?.contains(word) == true, "\(error.message ?? "")", sourceLocation: sourceLocation)
            }
        }
    }

    // MARK: - Final means final

    @Test(arguments: ["underage", "suspected_fraud", "duplicate_identity"])
    func refusesTheNextSubmissionAfterAFinalDenialUntilAReviewerReopensTheAccount(reason: String) async throws {
        let database = try await TestServers.freshDatabase()
        let account = "acct-final-\(reason)"
        let first = try await submit(Fixtures.validSubmission(account: account), to: database)
        try await Self.deny(first, reason: reason, in: database)

        try await Self.expectRefusal(
            Fixtures.validSubmission(account: account), in: database, sqlState: "55000", mentioning: ["final"]
        )
        #expect(try await applicationCount(database) == 1)

        let reviewer = try await makeReviewer(in: database)
        let connection = try await database.connect(role: reviewer)
        try await Review().reopenAccount(account: account, note: "identity confirmed by phone", on: connection)
        await connection.close()

        let second = try await submit(Fixtures.validSubmission(account: account), to: database)
        #expect(second > first)

        let owner = try await database.connect()
        let audit = try await owner.query(
            "SELECT actor, application_id FROM kyc.audit_log WHERE action = 'account_reopened' AND account_id = $1",
            [account]
        ).single()
        #expect(try audit.decode("actor", as: String.self) == reviewer)
        #expect(try audit.decode("application_id", as: Int64.self) == first)
        await owner.close()
    }

    @Test func aDenialThatAllowsRetryingDoesNotRefuseTheNextSubmission() async throws {
        let database = try await TestServers.freshDatabase()
        let first = try await submit(Fixtures.validSubmission(account: "acct-retry"), to: database)
        try await Self.deny(first, reason: "document_expired", in: database)
        _ = try await submit(Fixtures.validSubmission(account: "acct-retry"), to: database)
    }

    @Test func reopeningAnAccountWithoutAFinalDenialIsRefused() async throws {
        let database = try await TestServers.freshDatabase()
        let first = try await submit(Fixtures.validSubmission(account: "acct-open"), to: database)
        try await Self.deny(first, reason: "other", in: database)
        let reviewer = try await makeReviewer(in: database)
        let connection = try await database.connect(role: reviewer)
        do {
            try await Review().reopenAccount(account: "acct-open", note: "why not", on: connection)
            Issue.record("reopened an account with nothing final")
        } catch {
            #expect(error.underlying?.sqlState == "55000")
        }
        await #expect(throws: StoreError.self) {
            try await Review().reopenAccount(account: "acct-open", note: " ", on: connection)
        }
        await connection.close()
    }

    // MARK: - Intake's clock

    /// A time for a case: `ago:N` is N seconds before the moment the case runs, anything else is literal.
    static func time(_ spec: String) -> String {
        spec.hasPrefix("ago:") ? Fixtures.timestamp(secondsAgo: Int(spec.dropFirst(4))!) : spec
    }

    /// Times as the issue's attacker and careless front end sent them; each names the field it breaks.
    @Test(arguments: [
        ("submitted_at", "ago:-120", "ago:300"),
        ("submitted_at", "ago:259200", "ago:259800"),
        ("submitted_at", "9999-12-31T23:59:59-14:00", "ago:600"),
        ("submitted_at", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+14:00"),
        ("session_started_at", "ago:5", "ago:90000"),
        ("session_started_at", "ago:600", "ago:5"),
        ("session_started_at", "ago:5", "0001-01-01T00:00:00+14:00"),
    ])
    func refusesTimesOutsideIntakesBoundsNamingTheField(field: String, submittedAt: String, sessionStartedAt: String)
        async throws
    {
        let database = try await TestServers.freshDatabase()
        try await Self.expectRefusal(
            Fixtures.validSubmission(submittedAt: Self.time(submittedAt), sessionStartedAt: Self.time(sessionStartedAt)),
            in: database, sqlState: "22023", mentioning: [field]
        )
        #expect(try await applicationCount(database) == 0)
    }

    @Test func acceptsASubmissionClaimedUpToADayAgoWithASessionADayBeforeThat() async throws {
        let database = try await TestServers.freshDatabase()
        _ = try await submit(
            Fixtures.validSubmission(
                submittedAt: Fixtures.timestamp(secondsAgo: 86_000), sessionStartedAt: Fixtures.timestamp(secondsAgo: 172_000)
            ),
            to: database
        )
    }

    /// The audit's attack: ten submissions now, then one claiming to be 23 h 50 min old. Counted by the claimed
    /// time, the ten were "later" and hidden; counted by intake's, the eleventh sees all ten.
    @Test func attemptsAreCountedByWhenIntakeReceivedThemNotByTheClaimedTime() async throws {
        let database = try await TestServers.freshDatabase()
        for _ in 0..<10 {
            let id = try await submit(Fixtures.validSubmission(account: "acct-backdated"), to: database)
            try await Self.deny(id, reason: "other", in: database)
        }
        let backdated = try await submit(
            Fixtures.validSubmission(
                account: "acct-backdated",
                submittedAt: Fixtures.timestamp(secondsAgo: 85_800),
                sessionStartedAt: Fixtures.timestamp(secondsAgo: 86_300)
            ),
            to: database
        )
        let daemon = try await database.connect(role: "kyc_daemon")
        let row = try await daemon.query(
            """
            SELECT application_id, cardinality(earlier_submissions) AS earlier, cardinality(recent_denials) AS denials
            FROM kyc.claim_identified(10, 60, 'test')
            """
        ).single()
        #expect(try row.decode("application_id", as: Int64.self) == backdated)
        #expect(try row.decode("earlier", as: Int.self) == 10)
        #expect(try row.decode("denials", as: Int.self) == 10)
        await daemon.close()
    }

    // MARK: - Limits at the door

    @Test func refusesASubmissionLargerThanOneMebibyte() async throws {
        let database = try await TestServers.freshDatabase()
        var document = Fixtures.validSubmission()
        document["extra"] = String(repeating: "x", count: 1_048_576)
        try await Self.expectRefusal(document, in: database, sqlState: "22023", mentioning: ["submission", "1 MiB"])
        #expect(try await applicationCount(database) == 0)
    }

    static func nested(levels: Int) -> Any {
        var value: Any = 1
        for _ in 0..<levels { value = [value] }
        return value
    }

    @Test func refusesNestingDeeperThanThirtyTwoLevelsAndAcceptsThirtyTwo() async throws {
        let database = try await TestServers.freshDatabase()
        var document = Fixtures.validSubmission()
        // The submission object is level 1; 32 arrays under it make 33.
        document["extra"] = Self.nested(levels: 32)
        try await Self.expectRefusal(document, in: database, sqlState: "22023", mentioning: ["submission", "32"])
        document["extra"] = Self.nested(levels: 31)
        _ = try await submit(document, to: database)
    }

    @Test func refusesTheAuditsThirtyMegabytesOfFiveThousandLevels() async throws {
        let database = try await TestServers.freshDatabase()
        let deep = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        var text = Fixtures.json(Fixtures.validSubmission())
        text.removeLast()
        text += ", \"extra\": \(deep), \"pad\": \"\(String(repeating: "y", count: 30_000_000))\"}"
        let connection = try await database.connect(role: "kyc_intake")
        do {
            _ = try await Intake().submit(text, on: connection)
            Issue.record("accepted")
        } catch {
            #expect(error.underlying?.sqlState == "22023" || error.code == .invalidSubmission, "\(error)")
        }
        await connection.close()
        #expect(try await applicationCount(database) == 0)
    }

    /// The selfie of the valid submission with an extra key `dpi` whose value is `number` as written.
    static func selfieWithNumber(_ number: String) -> String {
        var document = Fixtures.validSubmission()
        var selfie = document["selfie"] as! [String: Any]
        selfie["dpi"] = "NUMBER-HERE"
        document["selfie"] = selfie
        return Fixtures.json(document).replacingOccurrences(of: "\"NUMBER-HERE\"", with: number)
    }

    @Test(arguments: ["1e400", "-1e309", "1e-400"])
    func refusesANumberNoDoubleCanHoldWhereverItSits(number: String) async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect(role: "kyc_intake")
        do {
            let id = try await Intake().submit(Self.selfieWithNumber(number), on: connection)
            Issue.record("accepted as \(id)")
        } catch {
            #expect(error.underlying?.sqlState == "22023", "\(error)")
            #expect(error.message?.contains("range of a double") == true, "\(error.message ?? "")")
        }
        await connection.close()
        #expect(try await applicationCount(database) == 0)
    }

    @Test func anExtraNumberADoubleCanHoldIsKeptAndTheCaseStillShows() async throws {
        let database = try await TestServers.freshDatabase()
        let intake = try await database.connect(role: "kyc_intake")
        let id = try await Intake().submit(Self.selfieWithNumber("1.5e300"), on: intake)
        await intake.close()
        try await decideAll(database, verdict: .review)
        let reviewer = try await database.connect(role: try await makeReviewer(in: database))
        let view = try await Applications().view(id, on: reviewer)
        #expect(view.submission["selfie"]?["dpi"] == .number(1.5e300))
        await reviewer.close()
    }

    // MARK: - One normal form of a document number

    static let numberCases: [(String, String)] = [
        ("L898902C3", "L898902C3"), ("l898-902c3", "L898902C3"), (" L898 902 C3 ", "L898902C3"),
        ("L898<902<C3<<", "L898902C3"), ("l\t898\u{A0}902-c3", "L898902C3"), ("x-1-y", "X1Y"),
        ("ÄBC-1", "ÄBC1"), ("straße", "STRAßE"), ("12345", "12345"), ("--<<", ""),
    ]

    /// One table of cases pins the SQL rule intake applies and the Swift rule applied to older numbers.
    @Test func theSQLAndSwiftNormalFormsAgreeOnEveryCase() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        for (input, expected) in Self.numberCases {
            #expect(DocumentNumber.normalized(input) == expected, "Swift: \(input)")
            let sql = try await connection.query("SELECT kyc.normalized_document_number($1) AS n", [input])
                .single().decode("n", as: String.self)
            #expect(sql == expected, "SQL: \(input)")
        }
        await connection.close()
    }

    @Test func aNumberTypedWithOtherFormattingIsTheSameDocumentForTheDuplicateCount() async throws {
        let database = try await TestServers.freshDatabase()
        _ = try await submit(Fixtures.ownLicence("AB-123 456"), to: database)
        let second = try await submit(Fixtures.ownLicence("ab123456"), to: database)
        let daemon = try await database.connect(role: "kyc_daemon")
        let stored = try await daemon.query(
            """
            SELECT application_id, document_number FROM kyc.claim_identified(10, 60, 'test') ORDER BY application_id
            """
        )
        #expect(try stored.map { try $0.decode("document_number", as: String.self) } == ["AB123456", "AB123456"])
        let duplicates = try await daemon.query(
            "SELECT duplicates FROM kyc.count_duplicate_documents($1::jsonb)",
            ["[{\"application_id\": \(second), \"fingerprints\": []}]"]
        ).single().decode("duplicates", as: Int.self)
        #expect(duplicates == 1)
        await daemon.close()
    }

    @Test func refusesANumberOfOnlySeparators() async throws {
        let database = try await TestServers.freshDatabase()
        try await Self.expectRefusal(
            Fixtures.ownLicence("- <<"), in: database, sqlState: "22023", mentioning: ["document.number"]
        )
    }

    // MARK: - What the outside review found

    /// A final denial is not dodged by a new account_id: the same document on another account is referred as
    /// a duplicate until the first account is reopened.
    @Test func theDocumentOfAFinalDenialOnAnotherAccountIsADuplicate() async throws {
        let database = try await TestServers.freshDatabase()
        let denied = try await submit(Fixtures.ownLicence("GFRAUD1"), to: database)
        try await Self.deny(denied, reason: "suspected_fraud", in: database)
        let retried = try await submit(Fixtures.ownLicence("gfraud-1"), to: database)
        let daemon = try await database.connect(role: "kyc_daemon")
        _ = try await daemon.query("SELECT application_id FROM kyc.claim_identified(10, 60, 'test')")
        let duplicates = try await daemon.query(
            "SELECT duplicates FROM kyc.count_duplicate_documents($1::jsonb)",
            ["[{\"application_id\": \(retried), \"fingerprints\": []}]"]
        ).single().decode("duplicates", as: Int.self)
        #expect(duplicates == 1)
        await daemon.close()
    }

    @Test(arguments: ["DL12345\u{200B}", "DL\u{2011}12345", "ＤＬ１２３４５", "\u{200B}\u{200B}", "DL12345\u{AD}"])
    func refusesADocumentNumberWithLookAlikeCharacters(number: String) async throws {
        let database = try await TestServers.freshDatabase()
        try await Self.expectRefusal(
            Fixtures.ownLicence(number), in: database, sqlState: "22023", mentioning: ["document.number"]
        )
    }

    @Test func refusesAScoreNoDoubleHolds() async throws {
        let database = try await TestServers.freshDatabase()
        let text = Fixtures.json(Fixtures.validSubmission()).replacingOccurrences(of: "0.97", with: "1e-400")
        let connection = try await database.connect(role: "kyc_intake")
        do {
            _ = try await Intake().submit(text, on: connection)
            Issue.record("accepted")
        } catch {
            #expect(error.underlying?.sqlState == "22023" && error.message?.contains("face_match_score") == true, "\(error)")
        }
        await connection.close()
    }

    @Test func aPolicyWhoseAttemptFiguresSQLCannotReadIsRefused() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        for change in [#"{"cooldown_seconds": "abc"}"#, #"{"attempt_window_seconds": 1e300}"#, #"{"attempts_per_day": 0}"#] {
            do {
                try await owner.query(
                    "SELECT kyc.publish_policy((SELECT settings FROM kyc.current_policy()) || $1::jsonb, 'test')", [change]
                )
                Issue.record("published \(change)")
            } catch {
                #expect(error.sqlState == "22023", "\(change)")
            }
        }
        await owner.close()
    }

    @Test func theReviewerWhoMadeAFinalDenialCannotReopenTheAccount() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let alice = try await makeReviewer(in: database)
        let aliceConnection = try await database.connect(role: alice)
        _ = try await Review().leaseNext(lease: .seconds(600), on: aliceConnection)
        _ = try await Review().deny(id, reason: .suspectedFraud, note: "forged", on: aliceConnection)
        let account = try await aliceConnection.query("SELECT account_id FROM kyc.applications WHERE id = $1", [id])
            .single().decode("account_id", as: String.self)
        do {
            try await Review().reopenAccount(account: account, note: "changed my mind", on: aliceConnection)
            Issue.record("the decider reopened")
        } catch {
            #expect(error.underlying?.sqlState == "55000")
        }
        await aliceConnection.close()
        let bob = try await database.connect(role: try await makeReviewer(in: database))
        try await Review().reopenAccount(account: account, note: "second look", on: bob)
        await bob.close()
    }

    @Test func aKeptNoteIsNeverRewritten() async throws {
        let database = try await TestServers.freshDatabase()
        let first = try await submit(Fixtures.validSubmission(account: "acct-note"), to: database)
        try await Self.deny(first, reason: "underage", in: database)
        let reviewer = try await database.connect(role: try await makeReviewer(in: database))
        try await Review().reopenAccount(account: "acct-note", note: "birth certificate seen", on: reviewer)
        await reviewer.close()
        let owner = try await database.connect()
        for statement: SQL in ["UPDATE kyc.free_texts SET text = 'rewritten'", "TRUNCATE kyc.free_texts"] {
            do {
                try await owner.query(statement)
                Issue.record("\(statement) succeeded")
            } catch {
                #expect(error.sqlState == "42501")
            }
        }
        await owner.close()
    }

    // MARK: - One policy

    /// Reviewers' denials state what the current policy says: with 5 attempts a day, the first denial leaves
    /// 4, exactly as the daemon's would.
    @Test func aReviewersDenialCountsAttemptsByTheCurrentPolicy() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        try await owner.query(
            """
            SELECT kyc.publish_policy((SELECT settings FROM kyc.current_policy()) || '{"attempts_per_day": 5}', 'test')
            """
        )
        let id = try await submit(Fixtures.validSubmission(account: "acct-policy"), to: database)
        let facts = try await owner.query("SELECT attempts_remaining FROM kyc.retry_facts($1)", [id]).single()
        #expect(try facts.decode("attempts_remaining", as: Int.self) == 4)
        await owner.close()
    }

    /// The retry rule is evaluated in Swift for the daemon's denials and in SQL for reviewers': one table of
    /// histories and policies runs through both.
    @Test(arguments: [(10, 0), (10, 3), (10, 9), (5, 3), (5, 4), (5, 6), (3, 2)])
    func theSQLAndSwiftRetryRulesAgree(limit: Int, earlier: Int) async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        try await owner.query(
            "SELECT kyc.publish_policy((SELECT settings FROM kyc.current_policy()) || jsonb_build_object('attempts_per_day', $1::int), 'test')",
            [limit]
        )
        for _ in 0..<earlier {
            let id = try await submit(Fixtures.validSubmission(account: "acct-agree"), to: database)
            try await Self.deny(id, reason: "other", in: database)
        }
        let id = try await submit(Fixtures.validSubmission(account: "acct-agree"), to: database)
        var policy = Policy()
        policy.attemptsPerDay = limit
        try await AttemptLimitRule.expectSQLAndSwiftAgree(on: id, under: policy, owner: owner, label: "limit \(limit)")
        await owner.close()
    }
}
