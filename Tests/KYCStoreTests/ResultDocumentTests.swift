import Foundation
import KYCDomain
import KYCPostgres
import Testing

@testable import KYCStore

/// The daemon's results document is written by hand (it is on every batch's path): it must stay JSON that
/// PostgreSQL reads back to exactly the values the checks produced, whatever the evidence holds.
@Suite struct ResultDocumentTests {
    static let hostileEvidence = [
        "plain",
        #"quote " and backslash \ and slash /"#,
        "line\nbreak\r\ttab",
        "control \u{0}\u{1}\u{1F}\u{7F} characters",
        "Zoë Ångström — 名前 — مرحبا — 👩🏽‍💻 — e\u{301}",
        #"{"not": "an object"}, ]"#,
    ]

    @Test func hostileEvidenceRoundTripsThroughAJSONParser() throws {
        let checked = Self.hostileEvidence.enumerated().map { index, evidence in
            CheckedApplication(
                id: Int64(index + 1),
                results: [.pass(.sessionWindow, evidence), .fail(.mrz, .mrzInvalid, evidence), .refer(.faceMatch, evidence)],
                verdict: .review,
                policyVersion: 3,
                duplicateDocuments: index
            )
        }
        let text = ResultDocument.encode(checked)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(parsed.count == Self.hostileEvidence.count)
        for (index, entry) in parsed.enumerated() {
            #expect(entry["application_id"] as? Int == index + 1)
            #expect(entry["outcome"] as? String == "in_review")
            #expect(entry["policy_version"] as? Int == 3)
            #expect(entry["duplicate_documents"] as? Int == index)
            let checks = try #require(entry["checks"] as? [[String: Any]])
            #expect(checks.map { $0["evidence"] as? String } == Array(repeating: Self.hostileEvidence[index], count: 3))
            #expect(checks.map { $0["name"] as? String } == ["session_window", "mrz", "face_match"])
            #expect(checks.map { $0["outcome"] as? String } == ["pass", "fail", "refer"])
            #expect(checks.map { $0["reason_code"] as? String } == [nil, "mrz_invalid", nil])
        }
    }

    @Test func eachVerdictCarriesWhatTheDenialEmailNeeds() throws {
        let retryAt = Date(timeIntervalSince1970: 1_800_000_000)
        let verdicts: [Verdict] = [
            .approve, .review, .deny(.sessionExpired, .attemptsRemaining(7)), .deny(.attemptLimit, .after(retryAt)),
            .deny(.underage, .final),
        ]
        let checked = verdicts.enumerated().map { index, verdict in
            CheckedApplication(id: Int64(index), results: [], verdict: verdict, policyVersion: 1, duplicateDocuments: 0)
        }
        let parsed = try #require(
            try JSONSerialization.jsonObject(with: Data(ResultDocument.encode(checked).utf8)) as? [[String: Any]]
        )
        #expect(parsed.map { $0["outcome"] as? String } == ["approved", "in_review", "denied", "denied", "denied"])
        #expect(parsed.map { $0["reason_code"] as? String } == [nil, nil, "session_expired", "attempt_limit", "underage"])
        #expect(parsed.map { $0["attempts_remaining"] as? Int } == [nil, nil, 7, nil, nil])
        #expect(parsed[3]["retry_after"] as? String == retryAt.postgresText)
        #expect(parsed[4]["retry_after"] == nil && parsed[4]["attempts_remaining"] == nil)
        #expect(ResultDocument.encode([]) == "[]")
    }
}
