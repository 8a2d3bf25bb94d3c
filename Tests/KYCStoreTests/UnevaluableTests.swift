import Foundation
import KYCDomain
import KYCPostgres
import KYCVault
import Testing

@testable import KYCStore

/// What the daemon records for an application its checks cannot evaluate (issue 16, item 3): the reason names
/// the field that failed, never the value in it.
@Suite struct UnevaluableTests {
    static func claimed(
        payload: String,
        submittedAt: Date = Date(timeIntervalSince1970: 1_795_687_770)
    ) -> ClaimedApplication {
        ClaimedApplication(
            id: 7,
            payload: payload,
            submittedAt: submittedAt,
            receivedAt: submittedAt,
            sessionStartedAt: submittedAt.addingTimeInterval(-600),
            history: AttemptHistory(earlierSubmissions: [], recentDenials: [], duplicateDocuments: 0),
            identifiers: DocumentIdentifiers(number: "SECRET-NUMBER-1", mrz: nil)
        )
    }

    static let valid = #"""
        {"account_id": "acct-1", "email": "a@example.com", "basic_info": {"first_name": "Ada", "last_name": "Lovelace",
         "date_of_birth": "1990-08-12", "nationality": "GB", "country_of_residence": "GB"},
         "document": {"type": "drivers_license", "issuing_country": "GB", "expiry_date": "2031-04-15", "images": []},
         "selfie": {"ref": "s", "sha256": "ab", "mime": "image/png", "bytes": 1000, "width": 1920, "height": 1080}}
        """#

    @Test(arguments: [
        ("[1, 2, 3]", "the stored submission could not be read: the document: wrong type"),
        ("{}", "the stored submission could not be read: account_id: missing"),
        (
            valid.replacingOccurrences(of: #""images": []"#, with: #""images": {"front": "1990-08-12"}"#),
            "the stored submission could not be read: document.images: wrong type"
        ),
        (
            valid.replacingOccurrences(of: #""images": []"#, with: #""images": [{"ref": 5}]"#),
            "the stored submission could not be read: document.images[0].ref: wrong type"
        ),
        (
            valid.replacingOccurrences(of: "1990-08-12", with: "Ada's birthday"),
            "the stored submission could not be read: basic_info.date_of_birth: unreadable"
        ),
        (
            valid.replacingOccurrences(of: #""email": "a@example.com""#, with: #""email": null"#),
            "the stored submission could not be read: email: null"
        ),
    ])
    func aStoredDocumentOfTheWrongShapeIsUnevaluableNamingTheFieldNotTheValue(payload: String, reason: String) {
        #expect(throws: Unevaluable(reason)) { try Self.claimed(payload: payload).evaluable() }
        #expect(Self.claimed(payload: payload).underCheck() == nil)
    }

    @Test func aWellFormedDocumentWithinTheYearsIsEvaluable() throws {
        #expect(try Self.claimed(payload: Self.valid).evaluable().submission.document.number == "SECRET-NUMBER-1")
    }

    @Test(arguments: [253_402_351_199.0, -62_135_647_200.0])
    func aSubmissionTimeOutsideTheYears0001To9999IsUnevaluable(seconds: Double) {
        let claimed = Self.claimed(payload: Self.valid, submittedAt: Date(timeIntervalSince1970: seconds))
        #expect(throws: Unevaluable("submitted_at is outside the years 0001 to 9999")) { try claimed.evaluable() }
    }

    @Test func anUnevaluableApplicationIsReferredOnEveryCheckAndCarriesItsReasonInTheResultsDocument() throws {
        let checked = CheckedApplication.unevaluable(id: 9, Unevaluable("submitted_at could not be read"))
        #expect(checked.verdict == .review)
        #expect(checked.results.map(\.name) == CheckName.allCases)
        #expect(checked.results.allSatisfy { $0.outcome == .refer })
        #expect(Set(checked.results.map(\.evidence)) == ["not evaluated: submitted_at could not be read"])
        let parsed = try #require(
            try JSONSerialization.jsonObject(with: Data(ResultDocument.encode([checked]).utf8)) as? [[String: Any]]
        )
        #expect(parsed[0]["unevaluable"] as? String == "submitted_at could not be read")
        #expect(parsed[0]["policy_version"] is NSNull)
        #expect(parsed[0]["outcome"] as? String == "in_review")
    }

    @Test func aTimestampArrayReadsPostgreSQLsExtremeYearsAndRefusesInfinity() throws {
        let dates = try CheckQueue.timestamps(#"{"10000-01-01 13:59:59+00","0001-12-31 10:00:00+00 BC"}"#)
        #expect(dates.map(\.timeIntervalSince1970) == [253_402_351_199, -62_135_647_200])
        #expect(throws: PostgresError.self) { try CheckQueue.timestamps("{infinity}") }
        #expect(try CheckQueue.timestamps("{}") == [])
    }
}
