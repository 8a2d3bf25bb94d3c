import Foundation
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

/// Submits as the intake role, the way the capture front end does.
func submit(_ document: [String: Any], to database: TestDatabase) async throws(StoreError) -> Int64 {
    let connection: PostgresConnection
    do {
        connection = try await database.connect(role: "kyc_intake")
    } catch {
        throw StoreError(code: .unavailable)
    }
    defer { Task { await connection.close() } }
    return try await Intake().submit(Fixtures.json(document), on: connection)
}

func applicationCount(_ database: TestDatabase) async throws -> Int {
    let connection = try await database.connect()
    defer { Task { await connection.close() } }
    return try await connection.query("SELECT count(*) AS n FROM kyc.applications").single().decode("n")
}

@Suite(.enabled(if: TestServers.enabled))
struct IntakeTests {
    static let requiredFields = [
        "account_id", "email", "basic_info", "basic_info.first_name", "basic_info.last_name",
        "basic_info.date_of_birth", "basic_info.nationality", "basic_info.country_of_residence", "document",
        "document.type", "document.issuing_country", "document.number", "document.expiry_date", "document.images",
        "selfie", "session_started_at",
    ]

    @Test func acceptsTheContractsExampleAndReturnsItsID() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await submit(Fixtures.validSubmission(), to: database)
        #expect(id > 0)
        #expect(try await applicationCount(database) == 1)
    }

    @Test(arguments: requiredFields)
    func refusesAMissingRequiredFieldNamingItAndStoresNothing(field: String) async throws {
        let database = try await TestServers.freshDatabase()
        let document = Fixtures.setting(field, to: nil, in: Fixtures.validSubmission())
        do {
            _ = try await submit(document, to: database)
            Issue.record("accepted a submission without \(field)")
        } catch {
            #expect(error.code == .invalidSubmission)
            #expect(error.underlying?.sqlState == "22023")
            #expect(error.message?.contains(field) == true, "\(error.message ?? "")")
        }
        #expect(try await applicationCount(database) == 0)
    }

    /// Each field with a wrong value, the value written as JSON.
    @Test(arguments: [
        ("account_id", "42"), ("email", "\"not-an-address\""), ("email", "\"a@b.com\\r\\nBcc: x@y.com\""),
        ("locale", "7"), ("basic_info.first_name", "[\"Ada\"]"), ("basic_info.date_of_birth", "\"1990-02-30\""),
        ("basic_info.date_of_birth", "\"12/08/1990\""), ("basic_info.date_of_birth", "\"2999-01-01\""),
        ("basic_info.nationality", "\"XX\""), ("basic_info.nationality", "\"gb\""),
        ("basic_info.country_of_residence", "\"GBR\""), ("document.type", "\"visa\""),
        ("document.issuing_country", "1"), ("document.expiry_date", "\"2031-13-01\""),
        ("document.images", "\"front.jpg\""), ("document.images", "[{\"side\": \"top\"}]"),
        ("selfie", "\"selfie.jpg\""), ("face_match_score", "1.5"), ("face_match_score", "-0.1"),
        ("face_match_score", "\"0.9\""), ("liveness", "\"maybe\""), ("capture_channel", "\"fax\""),
        ("session_started_at", "\"2026-11-26 10:00:00\""), ("session_started_at", "\"2026-11-26T10:20:00Z\""),
        ("submitted_at", "\"yesterday\""), ("account_id", "\"\(String(repeating: "a", count: 65))\""),
        ("account_id", "\"acct\\u0007\""),
    ])
    func refusesAMistypedFieldNamingIt(field: String, json: String) async throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        let database = try await TestServers.freshDatabase()
        let document = Fixtures.setting(field, to: value, in: Fixtures.validSubmission())
        do {
            _ = try await submit(document, to: database)
            Issue.record("accepted \(field) = \(json)")
        } catch {
            #expect(error.code == .invalidSubmission)
            #expect(error.underlying?.sqlState == "22023")
            // images[0].side is named by its index.
            let named = field == "document.images" && json.hasPrefix("[") ? "document.images[0]" : field
            #expect(error.message?.contains(named) == true, "\(error.message ?? "")")
        }
        #expect(try await applicationCount(database) == 0)
    }

    @Test func refusesASubmissionWhileTheAccountHasAnUndecidedApplication() async throws {
        let database = try await TestServers.freshDatabase()
        let document = Fixtures.validSubmission()
        _ = try await submit(document, to: database)
        do {
            _ = try await submit(document, to: database)
            Issue.record("accepted a second undecided application")
        } catch {
            #expect(error.code == .refused)
            #expect(error.underlying?.sqlState == "55000")
            #expect(error.message?.contains("not decided") == true)
        }
        #expect(try await applicationCount(database) == 1)
    }

    @Test func refusesASubmissionFromAnApprovedAccount() async throws {
        let database = try await TestServers.freshDatabase()
        let document = Fixtures.validSubmission()
        let id = try await submit(document, to: database)
        try await Self.decide(id, outcome: "approved", in: database)
        do {
            _ = try await submit(document, to: database)
            Issue.record("accepted a submission from an approved account")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message?.contains("already approved") == true)
        }
    }

    @Test func refusesBasicInfoThatDiffersFromTheAccountsConfirmedInfo() async throws {
        let database = try await TestServers.freshDatabase()
        let document = Fixtures.validSubmission()
        let id = try await submit(document, to: database)
        try await Self.decide(id, outcome: "denied", in: database)
        let changed = Fixtures.setting("basic_info.first_name", to: "Augusta", in: document)
        do {
            _ = try await submit(changed, to: database)
            Issue.record("accepted changed basic info")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message?.contains("basic_info") == true)
        }
        // The same basic info is welcome again after a denial.
        _ = try await submit(document, to: database)
    }

    @Test func refusesJSONThatIsNotAnObject() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect(role: "kyc_intake")
        await #expect(throws: StoreError.self) { try await Intake().submit("[1, 2]", on: connection) }
        await #expect(throws: StoreError.self) { try await Intake().submit("{not json", on: connection) }
        await connection.close()
    }

    @Test func wakesTheDaemonWithANotification() async throws {
        let database = try await TestServers.freshDatabase()
        let listener = try await database.connect()
        try await listener.listen(ChannelName("kyc_submitted")!)
        let id = try await submit(Fixtures.validSubmission(), to: database)
        var payloads: [String] = []
        for _ in 0..<20 where payloads.isEmpty {
            payloads = try await listener.waitForNotifications(timeout: .milliseconds(250)).map(\.payload)
        }
        #expect(payloads == [String(id)])
        await listener.close()
    }

    /// Decides an application the way the daemon does: claim, then record a decision.
    static func decide(_ id: Int64, outcome: String, in database: TestDatabase) async throws {
        let connection = try await database.connect(role: "kyc_daemon")
        try await connection.transaction { connection in
            try connection.query("SELECT * FROM kyc.claim_for_checks(10, 60, 'test')")
            let document =
                outcome == "approved"
                ? "[{\"application_id\": \(id), \"checks\": [], \"outcome\": \"approved\"}]"
                : "[{\"application_id\": \(id), \"checks\": [], \"outcome\": \"denied\", \"reason_code\": \"other\", \"attempts_remaining\": 9}]"
            try connection.query("SELECT kyc.record_automated_results($1::jsonb, 'test')", [document])
        }
        await connection.close()
    }
}
