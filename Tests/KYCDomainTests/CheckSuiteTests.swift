import Foundation
import Testing

@testable import KYCDomain

/// The contract's example application, adjustable per test.
func exampleApplication(
    _ adjust: (inout Submission, inout ApplicationUnderCheck) -> Void = { _, _ in }
) -> ApplicationUnderCheck {
    let image = Submission.Image(side: .front, ref: "f", sha256: String(repeating: "a", count: 64), mime: "image/jpeg",
                                 bytes: 482_113, width: 1920, height: 1080)
    var submission = Submission(
        accountID: "acct-1",
        email: "ada@example.com",
        basicInfo: .init(firstName: "Ada", lastName: "Lovelace", dateOfBirth: CalendarDate(iso: "1990-08-12")!,
                         nationality: "GB", countryOfResidence: "GB"),
        document: .init(type: .passport, issuingCountry: "GB", number: "L898902C3",
                        expiryDate: CalendarDate(iso: "2031-04-15")!, mrz: MRZTests.contractTD3, images: [image]),
        selfie: Submission.Image(ref: "s", sha256: String(repeating: "b", count: 64), mime: "image/jpeg",
                                 bytes: 210_554, width: 1280, height: 720),
        faceMatchScore: 0.97,
        liveness: .passed
    )
    let submittedAt = Date(timeIntervalSince1970: 1_795_687_770)  // 2026-11-26T10:09:30Z
    var application = ApplicationUnderCheck(
        id: 1, submission: submission, sessionStartedAt: submittedAt.addingTimeInterval(-570),
        submittedAt: submittedAt, history: AttemptHistory()
    )
    adjust(&submission, &application)
    application.submission = submission
    return application
}

func verdict(_ application: ApplicationUnderCheck, policy: Policy = Policy()) -> (Verdict, [CheckResult]) {
    let results = CheckSuite(policy: policy).run(application)
    return (Verdict.of(results, application: application, decidedAt: application.submittedAt, policy: policy), results)
}

@Suite struct CheckSuiteTests {
    @Test func approvesTheContractsExampleWithEveryCheckPassing() {
        let (verdict, results) = verdict(exampleApplication())
        #expect(verdict == .approve)
        #expect(results.map(\.name) == CheckName.allCases)
        #expect(results.allSatisfy { $0.outcome == .pass }, "\(results.filter { $0.outcome != .pass })")
    }

    @Test func deniesWhenSessionExceedsFifteenMinutes() {
        let application = exampleApplication { _, app in app.sessionStartedAt = app.submittedAt.addingTimeInterval(-15 * 60 - 1) }
        #expect(verdict(application).0 == .deny(.sessionExpired, .attemptsRemaining(9)))
    }

    @Test func passesASessionOfExactlyFifteenMinutes() {
        let application = exampleApplication { _, app in app.sessionStartedAt = app.submittedAt.addingTimeInterval(-15 * 60) }
        #expect(verdict(application).0 == .approve)
    }

    @Test func deniesAnExpiredDocument() {
        let application = exampleApplication { sub, _ in sub.document.expiryDate = CalendarDate(iso: "2026-11-25")! }
        let (result, _) = verdict(application)
        // The MRZ still carries the old expiry date, so data_consistency fails too; expiry comes first.
        #expect(result == .deny(.documentExpired, .attemptsRemaining(9)))
    }

    @Test func deniesAnApplicantUnderEighteenAsFinal() {
        let application = exampleApplication { sub, _ in sub.basicInfo.dateOfBirth = CalendarDate(iso: "2008-11-27")! }
        #expect(verdict(application).0 == .deny(.underage, .final))
    }

    @Test func countsAnEighteenthBirthdayOnTheSubmissionDayAsAdult() {
        let application = exampleApplication { sub, _ in sub.basicInfo.dateOfBirth = CalendarDate(iso: "2008-11-26")! }
        #expect(CheckSuite().run(application).first { $0.name == .age }?.outcome == .pass)
    }

    @Test(arguments: [
        (0.59, CheckOutcome.fail), (0.60, .refer), (0.89, .refer), (0.90, .pass), (1.0, .pass),
    ])
    func gradesTheFaceMatchScore(score: Double, outcome: CheckOutcome) {
        #expect(CheckSuite().faceMatch(score).outcome == outcome)
    }

    @Test func refersWhenNoFaceMatchScoreOrLivenessIsGiven() {
        let application = exampleApplication { sub, _ in
            sub.faceMatchScore = nil
            sub.liveness = .inconclusive
        }
        #expect(verdict(application).0 == .review)
    }

    @Test func deniesAFailedLiveness() {
        let application = exampleApplication { sub, _ in sub.liveness = .failed }
        #expect(verdict(application).0 == .deny(.livenessFailed, .attemptsRemaining(9)))
    }

    @Test(arguments: [
        (DocumentType.passport, "US", true), (.idCard, "DE", true), (.idCard, "US", false), (.idCard, "GB", false),
        (.driversLicense, "IE", true), (.driversLicense, "DE", false), (.driversLicense, "US", true),
    ])
    func acceptsDocumentTypesPerIssuingCountry(type: DocumentType, country: String, accepted: Bool) {
        let rule = Policy().documentTypes[type]!
        #expect(rule.accepts(CountryCode(country)!) == accepted)
    }

    @Test func requiresFrontAndBackForAnIDCard() {
        let application = exampleApplication { sub, _ in sub.document.type = .idCard }
        let check = CheckSuite().imageQuality(application.submission)
        #expect(check.outcome == .fail)
        #expect(check.evidence.contains("no back image"))
    }

    @Test(arguments: [
        ("image/gif", 1000, 1920, 1080), ("image/jpeg", 10 * 1024 * 1024 + 1, 1920, 1080), ("image/png", 1000, 600, 480),
    ])
    func deniesUnusableImages(mime: String, bytes: Int, width: Int, height: Int) {
        let application = exampleApplication { sub, _ in
            sub.selfie = .init(ref: "s", sha256: "", mime: mime, bytes: bytes, width: width, height: height)
        }
        #expect(verdict(application).0 == .deny(.imageInvalid, .attemptsRemaining(9)))
    }

    @Test func acceptsAPortraitSelfie() {
        let application = exampleApplication { sub, _ in sub.selfie.width = 720; sub.selfie.height = 1280 }
        #expect(verdict(application).0 == .approve)
    }

    @Test func deniesAPassportWithoutMRZ() {
        let application = exampleApplication { sub, _ in sub.document.mrz = nil }
        #expect(verdict(application).0 == .deny(.mrzInvalid, .attemptsRemaining(9)))
    }

    @Test func deniesWhenTheNameDisagreesWithTheMRZ() {
        let application = exampleApplication { sub, _ in sub.basicInfo.lastName = "Byron" }
        let (result, results) = verdict(application)
        #expect(result == .deny(.infoMismatch, .attemptsRemaining(9)))
        #expect(results.first { $0.name == .dataConsistency }?.evidence == "disagreeing: last name")
    }

    @Test func refersADocumentUsedByAnotherAccount() {
        let application = exampleApplication { _, app in app.history.duplicateDocuments = 1 }
        #expect(verdict(application).0 == .review)
    }

    @Test func takesTheReasonFromTheFirstFailingCheckInPrecedence() {
        let application = exampleApplication { sub, app in
            sub.liveness = .failed
            app.sessionStartedAt = app.submittedAt.addingTimeInterval(-3600)
        }
        #expect(verdict(application).0 == .deny(.sessionExpired, .attemptsRemaining(9)))
    }
}

/// Issue 16, item 3: a time a zone carries past year 9999 or before year 1 would decide on nonsense (a session of
/// eight millennia, an applicant not yet born, a final `underage`): the checks refuse to evaluate it.
@Suite struct EvaluableTests {
    @Test(arguments: [
        (-62_135_596_800.0, true),  // 0001-01-01T00:00:00Z
        (253_402_300_799.999, true),  // 9999-12-31T23:59:59.999Z
        (253_402_300_800.0, false),  // 10000-01-01T00:00:00Z
        (253_402_351_199.0, false),  // 9999-12-31T23:59:59-14:00
        (-62_135_647_200.0, false),  // 0001-01-01T00:00:00+14:00, 1 BC
        (Double.nan, false),
    ])
    func evaluatesSubmissionTimesOnlyWithinTheYears0001To9999(seconds: Double, evaluable: Bool) {
        let application = exampleApplication { _, application in
            application.submittedAt = Date(timeIntervalSince1970: seconds)
        }
        if evaluable {
            #expect(throws: Never.self) { try application.requireEvaluable() }
        } else {
            #expect(throws: Unevaluable("submitted_at is outside the years 0001 to 9999")) {
                try application.requireEvaluable()
            }
        }
    }

    @Test func aSessionStartOutsideTheYearsIsUnevaluableToo() {
        let application = exampleApplication { _, application in
            application.sessionStartedAt = Date(timeIntervalSince1970: -62_135_647_200)
        }
        #expect(throws: Unevaluable("session_started_at is outside the years 0001 to 9999")) {
            try application.requireEvaluable()
        }
        #expect(throws: Never.self) { try exampleApplication().requireEvaluable() }
    }
}

@Suite struct AttemptLimitTests {
    let submittedAt = Date(timeIntervalSince1970: 1_795_687_770)

    @Test func deniesTheEleventhSubmissionInTwentyFourHoursUntilTheOldestLeavesTheWindow() {
        let earlier = (1...10).map { submittedAt.addingTimeInterval(TimeInterval(-$0 * 3600)) }
        let application = exampleApplication { _, app in app.history.earlierSubmissions = earlier }
        let oldest = submittedAt.addingTimeInterval(-10 * 3600)
        #expect(verdict(application).0 == .deny(.attemptLimit, .after(oldest.addingTimeInterval(86_400))))
    }

    @Test func allowsTheTenthSubmissionAndSaysNoAttemptsRemain() {
        let earlier = (1...9).map { submittedAt.addingTimeInterval(TimeInterval(-$0 * 3600)) }
        let application = exampleApplication { sub, app in
            app.history.earlierSubmissions = earlier
            sub.liveness = .failed
        }
        let oldest = submittedAt.addingTimeInterval(-9 * 3600)
        #expect(verdict(application).0 == .deny(.livenessFailed, .after(oldest.addingTimeInterval(86_400))))
    }

    @Test func leavesNineAttemptsAfterAFirstDenial() {
        let application = exampleApplication { sub, _ in sub.liveness = .failed }
        #expect(verdict(application).0 == .deny(.livenessFailed, .attemptsRemaining(9)))
    }

    @Test func startsATwentyFourHourCooldownAtTheTenthDenial() {
        let tenth = submittedAt.addingTimeInterval(-3600)
        let denials = (0..<10).map { tenth.addingTimeInterval(TimeInterval(-$0 * 60)) }
        let limit = AttemptLimit(policy: Policy())
        #expect(limit.blockedUntil(submittedAt: submittedAt, history: AttemptHistory(recentDenials: denials))
            == tenth.addingTimeInterval(86_400))
    }

    @Test func ignoresSubmissionsOlderThanTwentyFourHours() {
        let earlier = (1...10).map { submittedAt.addingTimeInterval(TimeInterval(-86_400 - $0)) }
        let application = exampleApplication { _, app in app.history.earlierSubmissions = earlier }
        #expect(verdict(application).0 == .approve)
    }
}

@Suite struct CalendarDateTests {
    @Test func makesSomeoneBornOnTheTwentyNinthOfFebruaryOlderOnTheFirstOfMarch() {
        let born = CalendarDate(iso: "2008-02-29")!
        #expect(born.wholeYears(until: CalendarDate(iso: "2026-02-28")!) == 17)
        #expect(born.wholeYears(until: CalendarDate(iso: "2026-03-01")!) == 18)
    }

    @Test(arguments: ["2023-02-29", "2026-13-01", "2026-00-10", "26-01-01", "2026-1-01", "２０２６-01-01"])
    func refusesInvalidDates(text: String) {
        #expect(CalendarDate(iso: text) == nil)
    }

    @Test func formatsRetryTimesRoundedUpToTheMinute() {
        #expect(RetryTime.format(Date(timeIntervalSince1970: 1_795_687_770)) == "2026-11-26 10:10 UTC")
        #expect(RetryTime.format(Date(timeIntervalSince1970: 1_795_687_800)) == "2026-11-26 10:10 UTC")
    }
}
