public import Foundation

/// Submission documents for tests, built from the contract's example (CONTRACT §1).
public enum Fixtures {
    /// The contract's example, which passes every check: a GB passport with a valid MRZ, submitted 9.5
    /// minutes into its session, a few seconds ago (intake refuses times far from its clock, CONTRACT §8).
    /// `account` and `email` default to fresh values so tests never collide.
    public static func validSubmission(
        account: String = "acct-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased(),
        email: String? = nil,
        submittedAt: String = Fixtures.timestamp(secondsAgo: 5),
        sessionStartedAt: String = Fixtures.timestamp(secondsAgo: 575)
    ) -> [String: Any] {
        let hex = String(repeating: "ab", count: 32)
        return [
            "account_id": account,
            "email": email ?? "applicant-\(UUID().uuidString.prefix(8).lowercased())@example.com",
            "locale": "en",
            "basic_info": [
                "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-08-12",
                "nationality": "GB", "country_of_residence": "GB", "address": "12 St James's Square, London",
            ],
            "document": [
                "type": "passport", "issuing_country": "GB", "number": "L898902C3", "expiry_date": "2031-04-15",
                "mrz": "P<GBRLOVELACE<<ADA<<<<<<<<<<<<<<<<<<<<<<<<<<\nL898902C36GBR9008124F3104150<<<<<<<<<<<<<<02",
                "images": [
                    [
                        "side": "front", "ref": "media/a/front.jpg", "sha256": hex, "mime": "image/jpeg",
                        "bytes": 482113, "width": 1920, "height": 1080,
                    ]
                ],
            ],
            "selfie": [
                "ref": "media/a/selfie.jpg", "sha256": hex, "mime": "image/jpeg", "bytes": 210554, "width": 1280,
                "height": 720,
            ],
            "face_match_score": 0.97,
            "liveness": "passed",
            "capture_channel": "web",
            "session_started_at": sessionStartedAt,
            "submitted_at": submittedAt,
        ]
    }

    /// A valid application with a GB driving licence of its own (no MRZ, no shared document number), so
    /// that the checks decide it rather than refer it as a duplicate.
    public static func ownLicence(_ number: String) -> [String: Any] {
        let hex = String(repeating: "ab", count: 32)
        let image: [String: Any] = ["ref": "f", "sha256": hex, "mime": "image/png", "bytes": 1000, "width": 1920, "height": 1080]
        return setting(
            "document",
            to: [
                "type": "drivers_license", "issuing_country": "GB", "number": number, "expiry_date": "2031-04-15",
                "images": [image.merging(["side": "front"]) { $1 }, image.merging(["side": "back"]) { $1 }],
            ] as [String: Any],
            in: validSubmission()
        )
    }

    /// An RFC 3339 UTC time this many seconds before now (negative: after now), to the second.
    public static func timestamp(secondsAgo: Int) -> String {
        let date = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - Double(secondsAgo)).rounded(.down))
        return date.formatted(.iso8601)
    }

    /// The document as JSON text.
    public static func json(_ document: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// A copy with the value at a dotted path (`basic_info.first_name`, `document.images`) replaced, or
    /// removed when `value` is nil.
    public static func setting(_ path: String, to value: Any?, in document: [String: Any]) -> [String: Any] {
        var keys = path.split(separator: ".").map(String.init)
        let last = keys.removeLast()
        func update(_ object: [String: Any], _ remaining: ArraySlice<String>) -> [String: Any] {
            var object = object
            if let key = remaining.first {
                object[key] = update(object[key] as? [String: Any] ?? [:], remaining.dropFirst())
            } else if let value {
                object[last] = value
            } else {
                object.removeValue(forKey: last)
            }
            return object
        }
        return update(document, keys[...])
    }
}
