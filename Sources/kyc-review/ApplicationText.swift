import Foundation

/// The text form of `show`, for a reviewer's terminal, written from the JSON view.
enum ApplicationText {
    static func render(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            return json
        }
        func text(_ value: Any?) -> String {
            switch value {
            case nil, is NSNull: return "-"
            case let string as String: return string
            case let number as NSNumber: return number.stringValue
            default: return "\(value!)"
            }
        }
        var lines: [String] = []
        lines.append("application \(text(object["id"]))  account \(text(object["account_id"]))  status \(text(object["status"]))")
        lines.append("submitted \(text(object["submitted_at"]))  session started \(text(object["session_started_at"]))")
        lines.append("")
        lines.append("checks:")
        for check in object["checks"] as? [[String: Any]] ?? [] {
            let name = text(check["name"]).padding(toLength: 20, withPad: " ", startingAt: 0)
            let outcome = text(check["outcome"]).padding(toLength: 6, withPad: " ", startingAt: 0)
            lines.append("  \(name) \(outcome) \(text(check["evidence"]))")
        }
        lines.append("")
        if let decision = object["decision"] as? [String: Any] {
            lines.append(
                "decision: \(text(decision["outcome"]))  reason \(text(decision["reason_code"]))  by \(text(decision["decided_by"]))  at \(text(decision["decided_at"]))"
            )
            if let note = decision["note"] as? String { lines.append("note: \(note)") }
        } else {
            lines.append("decision: none yet")
        }
        lines.append("")
        lines.append("emails:")
        for email in object["emails"] as? [[String: Any]] ?? [] {
            lines.append(
                "  \(text(email["kind"])) \(text(email["status"])) attempts \(text(email["attempts"])) \(text(email["message_id"]))"
            )
        }
        lines.append("")
        lines.append("audit:")
        for entry in object["audit"] as? [[String: Any]] ?? [] {
            lines.append("  \(text(entry["at"])) \(text(entry["actor"])) \(text(entry["action"]))")
        }
        return lines.joined(separator: "\n")
    }
}
