import Foundation
import Testing

@testable import KYCDomain

@Suite struct PolicyDocumentTests {
    @Test func theDefaultsSurviveJSONAndText() throws {
        #expect(try Policy(json: Policy().json) == Policy())
        #expect(try Policy(text: Policy().text) == Policy())
    }

    @Test func anEmptyDocumentMeansTheDefaults() throws {
        #expect(try Policy(json: "{}") == Policy())
        #expect(try Policy(text: "# nothing but a comment\n") == Policy())
    }

    @Test func readsTheTextFormat() throws {
        let policy = try Policy(text: """
            # stricter
            face_match.pass_from = 0.92
            document_types.drivers_license = {"only": ["US"]}
            four_eyes.reasons = ["suspected_fraud"]
            """)
        #expect(policy.faceMatchPass == 0.92)
        #expect(policy.documentTypes[.driversLicense] == .onlyCountries(["US"]))
        #expect(policy.fourEyesReasons == [.suspectedFraud])
    }

    @Test(arguments: [
        ("no_such_key", "1"), ("face_match.pass_from", "1.5"), ("face_match.deny_below", "0.95"),
        ("attempts_per_day", "0"), ("attempts_per_day", "2.5"), ("attempts_per_day", "true"),
        ("document_types.id_card", "{\"only\": [\"XX\"]}"), ("document_types.passport", "\"some\""),
        ("reason_precedence", "[\"age\"]"), ("four_eyes.reasons", "[\"nope\"]"), ("image.mime_types", "\"image/png\""),
    ])
    func refusesABadSettingNamingItsKey(key: String, value: String) {
        do {
            _ = try Policy().setting(key, to: value)
            Issue.record("accepted \(key) = \(value)")
        } catch {
            #expect(error.key == key || (key == "face_match.deny_below" && error.key == "face_match.deny_below"))
        }
    }

    @Test func aChangedThresholdChangesTheVerdict() throws {
        let stricter = try Policy().setting("face_match.pass_from", to: "0.98")
        #expect(verdict(exampleApplication()).0 == .approve)
        #expect(verdict(exampleApplication(), policy: stricter).0 == .review)
    }

    @Test func aChangedSessionWindowChangesTheVerdict() throws {
        let shorter = try Policy().setting("session_window_seconds", to: "300")
        #expect(verdict(exampleApplication(), policy: shorter).0 == .deny(.sessionExpired, .attemptsRemaining(9)))
    }
}

@Suite struct BoundaryTests {
    @Test func acceptsADocumentThatExpiresOnTheSubmissionDay() {
        let today = exampleApplication { sub, _ in sub.document.expiryDate = CalendarDate(iso: "2026-11-26")! }
        #expect(CheckSuite().run(today).first { $0.name == .documentExpiry }?.outcome == .pass)
        let yesterday = exampleApplication { sub, _ in sub.document.expiryDate = CalendarDate(iso: "2026-11-25")! }
        #expect(CheckSuite().run(yesterday).first { $0.name == .documentExpiry }?.outcome == .fail)
    }

    @Test func deniesOneDayBeforeTheEighteenthBirthday() {
        let application = exampleApplication { sub, _ in sub.basicInfo.dateOfBirth = CalendarDate(iso: "2008-11-27")! }
        #expect(CheckSuite().run(application).first { $0.name == .age }?.outcome == .fail)
    }

    @Test func allowsASubmissionAtTheEndOfACooldownButNotASecondBefore() {
        let limit = AttemptLimit(policy: Policy())
        let tenth = Date(timeIntervalSince1970: 1_795_600_000)
        let denials = (0..<10).map { tenth.addingTimeInterval(TimeInterval(-$0 * 60)) }
        let history = AttemptHistory(recentDenials: denials)
        #expect(limit.blockedUntil(submittedAt: tenth.addingTimeInterval(86_400 - 1), history: history) != nil)
        #expect(limit.blockedUntil(submittedAt: tenth.addingTimeInterval(86_400), history: history) == nil)
    }

    @Test func ninedenialsStartNoCooldown() {
        let tenth = Date(timeIntervalSince1970: 1_795_600_000)
        let denials = (0..<9).map { tenth.addingTimeInterval(TimeInterval(-$0 * 60)) }
        #expect(AttemptLimit(policy: Policy()).cooldownEnd(denials: denials) == nil)
    }

    @Test func theTenthAttemptIsAllowedAndTheEleventhIsNot() {
        let submittedAt = Date(timeIntervalSince1970: 1_795_687_770)
        let nine = (1...9).map { submittedAt.addingTimeInterval(TimeInterval(-$0 * 600)) }
        let limit = AttemptLimit(policy: Policy())
        #expect(limit.blockedUntil(submittedAt: submittedAt, history: AttemptHistory(earlierSubmissions: nine)) == nil)
        let ten = nine + [submittedAt.addingTimeInterval(-6000)]
        #expect(limit.blockedUntil(submittedAt: submittedAt, history: AttemptHistory(earlierSubmissions: ten)) != nil)
    }

    @Test func everyReplayedVerdictOfTheSamePolicyIsUnchanged() {
        let application = exampleApplication()
        let suite = CheckSuite()
        var summary = ReplaySummary()
        let recorded = ReplaySummary.verdict(of: application, under: suite).label
        summary.add(recorded: recorded, candidate: ReplaySummary.verdict(of: application, under: suite).label)
        #expect(summary.changed == 0)
        #expect(summary.replayed == 1)
    }
}

@Suite struct ReviewLeasePolicyTests {
    @Test func aLeaseLastsAtMostAnHourByDefault() throws {
        #expect(Policy().reviewLeaseMax == .seconds(3600))
        #expect(Policy().text.contains("review.lease_max_seconds = 3600\n"))
        #expect(try Policy().setting("review.lease_max_seconds", to: "7200").reviewLeaseMax == .seconds(7200))
    }

    @Test(arguments: ["59", "86401", "3600.5", "\"3600\"", "true"])
    func refusesALeaseMaximumOutsideAMinuteToADay(value: String) {
        #expect(throws: PolicyError(key: "review.lease_max_seconds", problem: "must be a whole number from 60 to 86400")) {
            try Policy().setting("review.lease_max_seconds", to: value)
        }
    }
}
