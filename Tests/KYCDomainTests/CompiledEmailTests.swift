import Foundation
import Testing

@testable import KYCDomain

/// A compiled email shape, filled in, gives exactly the bytes a full render gives.
@Suite struct CompiledEmailTests {
    static let names: [String?] = [
        nil, "Ada", "O'Brien & <Sons>", "\"Zoë\"", "Ива́н", "王小明", "👩🏽‍💻 Ada", "عائشة", "a&amp;b", "x{{y}}",
    ]
    static let messages: [String?] = [nil, "Please retake the selfie in daylight.", "Use <b>ID</b> & try again", "  padded  "]

    func notices(locale: String) -> [DecisionNotice] {
        var notices: [DecisionNotice] = []
        let outcomes: [DecisionNotice.Outcome] = [
            .approved, .denied(.faceMismatch, .attemptsRemaining(9)), .denied(.faceMismatch, .attemptsRemaining(1)),
            .denied(.attemptLimit, .after(Date(timeIntervalSince1970: 1_795_687_770))), .denied(.underage, .final),
        ]
        for (index, outcome) in outcomes.enumerated() {
            for name in Self.names {
                for message in Self.messages {
                    notices.append(DecisionNotice(applicationID: Int64(1000 + index), outcome: outcome, locale: locale,
                                                  applicantMessage: message, firstName: name))
                }
            }
        }
        return notices
    }

    @Test(arguments: ["en", "de", "ru", "zh", "pt-BR", "xx"])
    func aFilledShapeIsByteForByteAFullRender(locale: String) throws {
        let templates = try EmailTemplates(overrides: [:])
        for notice in self.notices(locale: locale) {
            let full = templates.render(notice, locale: templates.resolve(locale), values: EmailTemplates.values(of: notice))
            #expect(templates.render(notice) == full, "\(notice)")
            #expect(templates.render(notice) == full, "\(notice), the second time (from the cache)")
        }
    }

    /// The attempt window is part of an email's shape: a shape compiled for one window never serves another.
    @Test(arguments: ["en", "es", "ru", "tr"])
    func twoNoticesDifferingOnlyInTheirWindowGetEachTheirOwn(locale: String) throws {
        let templates = try EmailTemplates(overrides: [:])
        let outcomes: [DecisionNotice.Outcome] = [
            .denied(.faceMismatch, .attemptsRemaining(9)), .denied(.attemptLimit, .final),
        ]
        for outcome in outcomes {
            let notices = [86_400, 3_600, 5_400, 86_400].map { seconds in
                DecisionNotice(
                    applicationID: 7, outcome: outcome, locale: locale, firstName: "Ada",
                    attemptWindow: .seconds(seconds)
                )
            }
            let emails = notices.map { templates.render($0) }
            for (notice, email) in zip(notices, emails) {
                let full = templates.render(
                    notice, locale: templates.resolve(locale), values: EmailTemplates.values(of: notice)
                )
                #expect(email == full, "\(notice)")
            }
            #expect(emails[0] != emails[1] && emails[1] != emails[2] && emails[0] == emails[3])
        }
        let english = try EmailTemplates(overrides: [:])
        let outcome = DecisionNotice.Outcome.denied(.faceMismatch, .attemptsRemaining(9))
        _ = english.render(DecisionNotice(applicationID: 1, outcome: outcome, locale: "en"))
        let hour = english.render(
            DecisionNotice(applicationID: 2, outcome: outcome, locale: "en", attemptWindow: .seconds(3_600))
        )
        #expect(hour.text.contains("in the current 1 hour.") && !hour.text.contains("24 hours"))
    }

    @Test func valuesThatCouldChangeTheStructureAreNeverCompiled() {
        #expect(CompiledEmail.canStandIn("Ada"))
        #expect(!CompiledEmail.canStandIn("Ada\nLovelace"))
        #expect(!CompiledEmail.canStandIn(" Ada"))
        #expect(!CompiledEmail.canStandIn("Ada\u{E000}"))
        #expect(!CompiledEmail.canStandIn(""))
    }

    @Test func aTemplateThatTransformsAValueIsRenderedInFullEveryTime() throws {
        let templates = try EmailTemplates(overrides: ["en/approval.text": "Welcome {{ uppercased(first_name) }}, ref {{application_id}}."])
        // The first name is one the transform leaves alone: a comparison with the full render alone would miss it.
        let first = templates.render(DecisionNotice(applicationID: 1, outcome: .approved, locale: "en", firstName: "ADA"))
        let second = templates.render(DecisionNotice(applicationID: 2, outcome: .approved, locale: "en", firstName: "grace"))
        #expect(first.text == "Welcome ADA, ref 1.\n")
        #expect(second.text == "Welcome GRACE, ref 2.\n")
    }

    @Test func placeholdersRecordHowOftenAValueWasEscaped() {
        let pieces = CompiledEmail.pieces("a\u{E000}&0\u{E001}b\u{E000}&amp;amp;1\u{E001}")
        #expect(pieces == [.literal("a"), .value(name: "application_id", escapes: 0), .literal("b"),
                           .value(name: "first_name", escapes: 2)])
    }
}
