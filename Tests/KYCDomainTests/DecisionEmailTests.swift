import Foundation
import Testing

@testable import KYCDomain

@Suite struct DecisionEmailTests {
    @Test func approvalSaysTheAccountIsVerified() {
        let content = DecisionEmail.render(.init(applicationID: 7, outcome: .approved, locale: "en"))
        #expect(content.text.contains("your account is verified"))
        #expect(content.html.contains("your account is verified"))
    }

    @Test func denialSaysWhyAndHowManyAttemptsRemain() {
        let content = DecisionEmail.render(
            .init(applicationID: 7, outcome: .denied(.documentExpired, .attemptsRemaining(9)), locale: "en")
        )
        #expect(content.text.contains("your document has expired"))
        #expect(content.text.contains("9 attempts remaining"))
    }

    @Test func denialNamesTheTimeTheApplicantMayTryAgain() {
        let content = DecisionEmail.render(
            .init(applicationID: 7, outcome: .denied(.attemptLimit, .after(Date(timeIntervalSince1970: 1_795_687_770))),
                  locale: "en")
        )
        #expect(content.text.contains("2026-11-26 10:10 UTC"))
    }

    @Test func finalDenialSaysTheDecisionIsFinal() {
        let content = DecisionEmail.render(.init(applicationID: 7, outcome: .denied(.underage, .final), locale: "en"))
        #expect(content.text.contains("final"))
    }

    @Test func fallsBackToEnglishForALocaleWithoutTemplate() {
        let notice = DecisionNotice(applicationID: 7, outcome: .approved, locale: "xx")
        #expect(DecisionEmail.render(notice) == DecisionEmail.render(.init(applicationID: 7, outcome: .approved, locale: "en")))
    }

    @Test(arguments: ReasonCode.allCases)
    func everyReasonHasPlainWords(reason: ReasonCode) {
        let text = DecisionEmail.render(.init(applicationID: 1, outcome: .denied(reason, .final), locale: "en")).text
        #expect(!text.contains(reason.rawValue) || !reason.rawValue.contains("_"))
    }
}
