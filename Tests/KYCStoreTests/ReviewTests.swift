import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

/// Submits an application that the checks refer (liveness inconclusive) and routes it to review.
func applicationInReview(_ database: TestDatabase) async throws -> Int64 {
    var document = Fixtures.validSubmission()
    document["liveness"] = "inconclusive"
    let id = try await submit(document, to: database)
    let daemon = try await database.connect(role: "kyc_daemon")
    try await daemon.transaction { connection in
        try connection.query("SELECT * FROM kyc.claim_for_checks(10, 60, 'test')")
        try connection.query(
            "SELECT kyc.record_automated_results($1::jsonb, 'test')",
            ["[{\"application_id\": \(id), \"checks\": [{\"name\": \"liveness\", \"outcome\": \"refer\", \"evidence\": \"inconclusive\"}], \"outcome\": \"in_review\"}]"]
        )
    }
    await daemon.close()
    return id
}

/// A typed value as the JSON text the command line prints, for tests that look for words in all of it.
func encodedJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

@Suite(.enabled(if: TestServers.enabled))
struct ReviewTests {
    @Test func aReviewerApprovesACaseAndTheDecisionNamesTheRoleWithOneEmail() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let reviewer = try await makeReviewer(in: database)
        let connection = try await database.connect(role: reviewer)
        try await Review().approve(id, note: "documents fine", on: connection)
        let view = try await Applications().view(id, on: connection)
        #expect(view.status == "approved")
        #expect(view.decision?.decidedBy == reviewer)
        #expect(view.decision?.note == "documents fine")
        #expect(view.emails.count == 1)
        await connection.close()
    }

    @Test func refusesDecidingACaseTwice() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let connection = try await database.connect(role: try await makeReviewer(in: database))
        try await Review().deny(id, reason: .documentUnreadable, note: nil, on: connection)
        await #expect(throws: StoreError.self) { try await Review().approve(id, note: nil, on: connection) }
        do { try await Review().approve(id, note: nil, on: connection) } catch {
            #expect(error.code == .refused)
            #expect(error.message?.contains("already decided") == true)
        }
        await connection.close()
    }

    @Test func refusesACaseLeasedToAnotherReviewer() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let alice = try await database.connect(role: try await makeReviewer(in: database))
        let bob = try await database.connect(role: try await makeReviewer(in: database))
        #expect(try await Review().leaseNext(lease: .seconds(900), on: alice) == id)
        #expect(try await Review().leaseNext(lease: .seconds(900), on: bob) == nil)
        do {
            try await Review().approve(id, note: nil, on: bob)
            Issue.record("bob decided alice's case")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message?.contains("leased to another reviewer") == true)
        }
        try await Review().approve(id, note: nil, on: alice)
        await alice.close()
        await bob.close()
    }

    @Test func twoReviewersRacingOnOneCaseExactlyOneSucceeds() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let reviewers = [try await makeReviewer(in: database), try await makeReviewer(in: database)]
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for reviewer in reviewers {
                group.addTask {
                    let connection = try await database.connect(role: reviewer)
                    defer { Task { await connection.close() } }
                    do {
                        try await Review().approve(id, note: nil, on: connection)
                        return true
                    } catch {
                        #expect((error as? StoreError)?.code == .refused)
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
    }

    @Test func refusesARoleThatIsNoReviewer() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let connection = try await database.connect(role: "kyc_reporter")
        do {
            try await Review().approve(id, note: nil, on: connection)
            Issue.record("the reporter decided a case")
        } catch {
            #expect(error.code == .refused)
        }
        await connection.close()
    }

    @Test func reportsAnUnknownApplicationAsNotFound() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect(role: try await makeReviewer(in: database))
        do {
            try await Review().approve(999_999, note: nil, on: connection)
            Issue.record("approved an unknown application")
        } catch {
            #expect(error.code == .notFound)
        }
        await connection.close()
    }

    @Test func aReviewersDenialTellsTheApplicantNineAttemptsRemain() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let connection = try await database.connect(role: try await makeReviewer(in: database))
        try await Review().deny(id, reason: .documentUnreadable, note: nil, on: connection)
        let remaining = try await connection.query("SELECT attempts_remaining FROM kyc.decisions WHERE application_id = $1", [id])
            .single().decodeIfPresent("attempts_remaining", as: Int.self)
        #expect(remaining == 9)
        await connection.close()
    }

    @Test func unlockingBasicInfoLetsTheNextSubmissionChangeIt() async throws {
        let database = try await TestServers.freshDatabase()
        let document = Fixtures.validSubmission()
        let id = try await submit(document, to: database)
        try await IntakeTests.decide(id, outcome: "denied", in: database)
        let connection = try await database.connect(role: try await makeReviewer(in: database))
        try await Review().unlockBasicInfo(account: document["account_id"] as! String, note: "married name", on: connection)
        _ = try await submit(Fixtures.setting("basic_info.last_name", to: "King", in: document), to: database)
        let audit = try await connection.query("SELECT count(*) AS n FROM kyc.audit_log WHERE action = 'basic_info_unlocked'")
        #expect(try audit.single().decode("n", as: Int.self) == 1)
        await connection.close()
    }

    @Test func showMasksIdentifiersUnlessARevealWhichIsAudited() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let connection = try await database.connect(role: try await makeReviewer(in: database))
        let masked = try await Applications().view(id, on: connection)
        #expect(masked.submission["document"]?["number"] == .string("******2C3"))
        #expect(try !encodedJSON(masked).contains("L898902C3"))
        #expect(masked.submission["basic_info"]?["first_name"] == .string("Ada"), "the evidence a reviewer weighs is there")
        let revealed = try await Applications().view(id, reveal: true, on: connection)
        #expect(try encodedJSON(revealed).contains("L898902C3"))
        let audit = try await connection.query(
            "SELECT count(*) AS n FROM kyc.audit_log WHERE application_id = $1 AND action = 'revealed'", [id]
        ).single().decode("n", as: Int.self)
        #expect(audit == 1)
        await connection.close()
        let reporter = try await database.connect(role: "kyc_reporter")
        await #expect(throws: StoreError.self) { try await Applications().view(id, reveal: true, on: reporter) }
        await reporter.close()
    }

    @Test func theReportCarriesTheContractsKeys() async throws {
        let database = try await TestServers.freshDatabase()
        _ = try await applicationInReview(database)
        let connection = try await database.connect(role: "kyc_reporter")
        let report = try JSONSerialization.jsonObject(with: Data(try encodedJSON(try await Review().report(on: connection)).utf8)) as! [String: Any]
        for key in ["generated_at", "queue", "oldest_in_review_seconds", "decided_24h", "email"] {
            #expect(report[key] != nil, "\(key)")
        }
        #expect((report["queue"] as? [String: Any])?["in_review"] as? Int == 1)
        #expect(((report["decided_24h"] as? [String: Any])?["by_reason"]) is [String: Any])
        #expect(Set(((report["email"] as? [String: Any]) ?? [:]).keys).isSuperset(of: ["pending", "sent_24h", "failed"]))
        await connection.close()
    }
}
