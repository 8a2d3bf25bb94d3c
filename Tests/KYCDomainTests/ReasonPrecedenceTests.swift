import Foundation
import Testing

@testable import KYCDomain

/// Two checks failing at once, and the reason the denial carries.
struct FailingPair: Sendable, CustomTestStringConvertible {
    var one: CheckName
    var other: CheckName
    var reason: ReasonCode

    init(_ one: CheckName, _ other: CheckName, denies reason: ReasonCode) {
        self.one = one
        self.other = other
        self.reason = reason
    }

    var testDescription: String { "\(self.one.rawValue) and \(self.other.rawValue) deny \(self.reason.rawValue)" }

    /// The reason of the check that loses under the default precedence.
    var losingReason: ReasonCode {
        let one = Fault.of(self.one)
        return one.reason == self.reason ? Fault.of(self.other).reason : one.reason
    }

    /// Every pair of checks that can fail, with the reason the default precedence gives: attempt_limit, age,
    /// session_window, document_type, image_quality, mrz, document_expiry, data_consistency, liveness, face_match.
    static let all: [FailingPair] = [
        .init(.age, .attemptLimit, denies: .attemptLimit),
        .init(.sessionWindow, .attemptLimit, denies: .attemptLimit),
        .init(.documentType, .attemptLimit, denies: .attemptLimit),
        .init(.imageQuality, .attemptLimit, denies: .attemptLimit),
        .init(.mrz, .attemptLimit, denies: .attemptLimit),
        .init(.documentExpiry, .attemptLimit, denies: .attemptLimit),
        .init(.dataConsistency, .attemptLimit, denies: .attemptLimit),
        .init(.liveness, .attemptLimit, denies: .attemptLimit),
        .init(.faceMatch, .attemptLimit, denies: .attemptLimit),
        .init(.sessionWindow, .age, denies: .underage),
        .init(.documentType, .age, denies: .underage),
        .init(.imageQuality, .age, denies: .underage),
        .init(.mrz, .age, denies: .underage),
        .init(.documentExpiry, .age, denies: .underage),
        .init(.dataConsistency, .age, denies: .underage),
        .init(.liveness, .age, denies: .underage),
        .init(.faceMatch, .age, denies: .underage),
        .init(.documentType, .sessionWindow, denies: .sessionExpired),
        .init(.imageQuality, .sessionWindow, denies: .sessionExpired),
        .init(.mrz, .sessionWindow, denies: .sessionExpired),
        .init(.documentExpiry, .sessionWindow, denies: .sessionExpired),
        .init(.dataConsistency, .sessionWindow, denies: .sessionExpired),
        .init(.liveness, .sessionWindow, denies: .sessionExpired),
        .init(.faceMatch, .sessionWindow, denies: .sessionExpired),
        .init(.imageQuality, .documentType, denies: .unsupportedDocument),
        .init(.mrz, .documentType, denies: .unsupportedDocument),
        .init(.documentExpiry, .documentType, denies: .unsupportedDocument),
        .init(.dataConsistency, .documentType, denies: .unsupportedDocument),
        .init(.liveness, .documentType, denies: .unsupportedDocument),
        .init(.faceMatch, .documentType, denies: .unsupportedDocument),
        .init(.mrz, .imageQuality, denies: .imageInvalid),
        .init(.documentExpiry, .imageQuality, denies: .imageInvalid),
        .init(.dataConsistency, .imageQuality, denies: .imageInvalid),
        .init(.liveness, .imageQuality, denies: .imageInvalid),
        .init(.faceMatch, .imageQuality, denies: .imageInvalid),
        .init(.documentExpiry, .mrz, denies: .mrzInvalid),
        .init(.dataConsistency, .mrz, denies: .mrzInvalid),
        .init(.liveness, .mrz, denies: .mrzInvalid),
        .init(.faceMatch, .mrz, denies: .mrzInvalid),
        .init(.dataConsistency, .documentExpiry, denies: .documentExpired),
        .init(.liveness, .documentExpiry, denies: .documentExpired),
        .init(.faceMatch, .documentExpiry, denies: .documentExpired),
        .init(.liveness, .dataConsistency, denies: .infoMismatch),
        .init(.faceMatch, .dataConsistency, denies: .infoMismatch),
        .init(.faceMatch, .liveness, denies: .livenessFailed),
    ]
}

/// CONTRACT §3: any failure denies, and when several checks fail the policy's reason precedence says which
/// reason the denial carries; a refer never outweighs a failure.
@Suite struct ReasonPrecedenceTests {
    @Test func theDefaultPrecedenceIsPinned() {
        #expect(
            Policy().reasonPrecedence == [
                .attemptLimit, .age, .sessionWindow, .documentType, .imageQuality, .mrz, .documentExpiry,
                .dataConsistency, .liveness, .faceMatch, .duplicateDocument,
            ]
        )
        #expect(FailingPair.all.count == 45, "every pair of the ten checks that can fail")
    }

    @Test(arguments: FailingPair.all)
    func theDenialCarriesTheReasonOfTheFirstFailingCheckInPrecedence(pair: FailingPair) {
        let outcomes = [
            pair.one: CheckResult.fail(pair.one, Fault.of(pair.one).reason, ""),
            pair.other: CheckResult.fail(pair.other, Fault.of(pair.other).reason, ""),
        ]
        let verdict = Verdict.of(
            results(outcomes), application: exampleApplication(), decidedAt: exampleSubmittedAt, policy: Policy()
        )
        #expect(verdict.reason == pair.reason)
    }

    @Test(arguments: FailingPair.all)
    func aReversedPrecedenceGivesTheOtherReason(pair: FailingPair) throws {
        let reversed = try Policy().setting(
            "reason_precedence",
            to: "[" + Policy().reasonPrecedence.reversed().map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"
        )
        let outcomes = [
            pair.one: CheckResult.fail(pair.one, Fault.of(pair.one).reason, ""),
            pair.other: CheckResult.fail(pair.other, Fault.of(pair.other).reason, ""),
        ]
        let verdict = Verdict.of(
            results(outcomes), application: exampleApplication(), decidedAt: exampleSubmittedAt, policy: reversed
        )
        #expect(verdict.reason == pair.losingReason)
    }

    /// The same pairs on real applications: the checks themselves fail, and the verdict picks the reason.
    @Test(arguments: FailingPair.all)
    func anApplicationWithTwoFaultsIsDeniedForTheOneThatComesFirst(pair: FailingPair) {
        let (application, policy) = application(with: [Fault.of(pair.one), Fault.of(pair.other)])
        let checked = CheckSuite(policy: policy).run(application)
        // Without a zone that holds there is nothing to compare: a failing mrz leaves data_consistency skipped.
        let expected: Set<CheckName> =
            [pair.one, pair.other] == [.mrz, .dataConsistency] || [pair.one, pair.other] == [.dataConsistency, .mrz]
            ? [.mrz] : [pair.one, pair.other]
        #expect(failing(checked) == expected)
        let verdict = Verdict.of(checked, application: application, decidedAt: application.submittedAt, policy: policy)
        let winner = Fault.all.first { $0.reason == pair.reason }!
        #expect(verdict == .deny(pair.reason, winner.firstDenialRetry))
    }

    @Test func aFailureWithoutAReasonDeniesAsOther() {
        let outcomes = [CheckName.liveness: CheckResult(name: .liveness, outcome: .fail, evidence: "", reason: nil)]
        let verdict = Verdict.of(
            results(outcomes), application: exampleApplication(), decidedAt: exampleSubmittedAt, policy: Policy()
        )
        #expect(verdict == .deny(.other, .attemptsRemaining(9)))
    }

    @Test func aFailingCheckMissingFromThePrecedenceComesLast() {
        var policy = Policy()
        policy.reasonPrecedence = [.faceMatch]
        let outcomes = [
            CheckName.age: CheckResult.fail(.age, .underage, ""),
            .faceMatch: CheckResult.fail(.faceMatch, .faceMismatch, ""),
        ]
        let verdict = Verdict.of(
            results(outcomes), application: exampleApplication(), decidedAt: exampleSubmittedAt, policy: policy
        )
        #expect(verdict == .deny(.faceMismatch, .attemptsRemaining(9)))
    }
}

/// A way for a check to refer an application to a person.
struct Referral: Sendable, CustomTestStringConvertible {
    var label: String
    var check: CheckName
    var adjust: @Sendable (inout Submission, inout ApplicationUnderCheck) -> Void

    var testDescription: String { self.label }

    static let all: [Referral] = [
        Referral(label: "liveness inconclusive", check: .liveness) { sub, _ in sub.liveness = .inconclusive },
        Referral(label: "no liveness result", check: .liveness) { sub, _ in sub.liveness = nil },
        Referral(label: "face match between 0.60 and 0.90", check: .faceMatch) { sub, _ in sub.faceMatchScore = 0.75 },
        Referral(label: "no face match score", check: .faceMatch) { sub, _ in sub.faceMatchScore = nil },
        Referral(label: "document on another account", check: .duplicateDocument) { _, app in
            app.history.duplicateDocuments = 1
        },
    ]
}

/// A failing check and a referring one on the same application.
struct FailureWithReferral: Sendable, CustomTestStringConvertible {
    var fault: Fault
    var referral: Referral

    var testDescription: String { "\(self.fault.check.rawValue) fails, \(self.referral.label)" }

    /// Every fault with every referral from another check (a check cannot both fail and refer).
    static let all: [FailureWithReferral] = Fault.all.flatMap { fault in
        Referral.all.filter { $0.check != fault.check }.map { FailureWithReferral(fault: fault, referral: $0) }
    }
}

@Suite struct ReferralTests {
    @Test func everyFailureMeetsEveryReferralFromAnotherCheck() {
        #expect(FailureWithReferral.all.count == 46)
    }

    @Test(arguments: FailureWithReferral.all)
    func aFailureOutweighsAReferral(row: FailureWithReferral) {
        let (faulty, policy) = application(with: [row.fault])
        var application = faulty
        var submission = application.submission
        row.referral.adjust(&submission, &application)
        application.submission = submission
        let checked = CheckSuite(policy: policy).run(application)
        #expect(checked.first { $0.name == row.referral.check }?.outcome == .refer)
        let verdict = Verdict.of(checked, application: application, decidedAt: application.submittedAt, policy: policy)
        #expect(verdict == .deny(row.fault.reason, row.fault.firstDenialRetry))
    }

    @Test(arguments: Referral.all)
    func aReferralAloneSendsTheApplicationToReview(referral: Referral) {
        let application = exampleApplication { sub, app in referral.adjust(&sub, &app) }
        let (verdict, checked) = verdict(application)
        #expect(verdict == .review)
        #expect(checked.filter { $0.outcome == .refer }.map(\.name) == [referral.check])
    }

    /// Two referrals from different checks: still review, never a denial.
    @Test(
        arguments: Referral.all.indices.flatMap { first in
            Referral.all.indices.filter { $0 > first && Referral.all[$0].check != Referral.all[first].check }
                .map { [Referral.all[first], Referral.all[$0]] }
        }
    )
    func twoReferralsStillSendTheApplicationToReview(referrals: [Referral]) {
        let application = exampleApplication { sub, app in referrals.forEach { $0.adjust(&sub, &app) } }
        let (verdict, checked) = verdict(application)
        #expect(verdict == .review)
        #expect(Set(checked.filter { $0.outcome == .refer }.map(\.name)) == Set(referrals.map(\.check)))
    }

    @Test func skippedChecksDoNotStandInTheWayOfAnApproval() {
        // A driving licence has no zone: mrz and data_consistency are skipped.
        let application = exampleApplication { sub, _ in
            sub.document.type = .driversLicense
            sub.document.mrz = nil
            sub.document.images.append(
                Submission.Image(
                    side: .back, ref: "b", sha256: "", mime: "image/png", bytes: 1000, width: 1920, height: 1080
                ))
        }
        let (verdict, checked) = verdict(application)
        #expect(verdict == .approve)
        #expect(checked.filter { $0.outcome == .skip }.map(\.name) == [.mrz, .dataConsistency])
    }
}

/// Which reasons end the applicant's attempts (CONTRACT §3): a table over every reason code.
@Suite struct ReasonFinalityTests {
    @Test(arguments: [
        (ReasonCode.sessionExpired, false), (.attemptLimit, false), (.unsupportedDocument, false),
        (.imageInvalid, false), (.mrzInvalid, false), (.documentExpired, false), (.infoMismatch, false),
        (.underage, true), (.livenessFailed, false), (.faceMismatch, false), (.documentUnreadable, false),
        (.suspectedFraud, true), (.duplicateIdentity, true), (.other, false),
    ])
    func onlyUnderageSuspectedFraudAndDuplicateIdentityAreFinal(reason: ReasonCode, final: Bool) {
        #expect(reason.isFinal == final)
    }

    @Test func theFinalityTableCoversEveryReasonCode() {
        #expect(ReasonCode.allCases.count == 14)
    }

    /// A final reason denies as final whatever the history: even after ten denials, no retry time is given.
    @Test(arguments: ReasonCode.allCases.filter(\.isFinal))
    func aFinalReasonDeniesAsFinalWhateverTheHistory(reason: ReasonCode) {
        let application = exampleApplication { _, app in
            app.history = AttemptHistory(
                earlierSubmissions: (1...9).map { exampleTime(TimeInterval(-$0 * 60)) },
                recentDenials: (1...9).map { exampleTime(TimeInterval(-$0 * 60)) }
            )
        }
        let outcomes = [CheckName.liveness: CheckResult.fail(.liveness, reason, "")]
        let verdict = Verdict.of(
            results(outcomes), application: application, decidedAt: exampleSubmittedAt, policy: Policy()
        )
        #expect(verdict == .deny(reason, .final))
    }

    /// Any other reason tells the applicant how many attempts remain.
    @Test(arguments: ReasonCode.allCases.filter { !$0.isFinal && $0 != .attemptLimit })
    func aRetryableReasonLeavesNineAttemptsAfterAFirstDenial(reason: ReasonCode) {
        let outcomes = [CheckName.liveness: CheckResult.fail(.liveness, reason, "")]
        let verdict = Verdict.of(
            results(outcomes), application: exampleApplication(), decidedAt: exampleSubmittedAt, policy: Policy()
        )
        #expect(verdict == .deny(reason, .attemptsRemaining(9)))
    }
}

extension Verdict {
    /// The denial's reason, nil for an approval or a referral.
    var reason: ReasonCode? {
        if case .deny(let reason, _) = self { return reason }
        return nil
    }
}
