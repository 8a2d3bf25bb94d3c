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
        if let submission = object["submission"] as? [String: Any] {
            let info = submission["basic_info"] as? [String: Any] ?? [:]
            let document = submission["document"] as? [String: Any] ?? [:]
            lines.append("")
            lines.append("applicant: \(text(info["first_name"])) \(text(info["last_name"])), born \(text(info["date_of_birth"]))")
            lines.append("  nationality \(text(info["nationality"])), resident in \(text(info["country_of_residence"]))")
            if let address = info["address"] as? String {
                for (index, part) in TextTable.wrap(address, width: 66).enumerated() {
                    lines.append((index == 0 ? "  address " : "          ") + part)
                }
            }
            lines.append(
                "document: \(text(document["type"])) from \(text(document["issuing_country"])), number \(text(document["number"])), "
                    + "expires \(text(document["expiry_date"]))"
            )
            if let mrz = document["mrz"] as? String {
                lines.append("  mrz")
                for line in mrz.split(separator: "\n") { lines.append("    \(line)") }
            }
            var images = (document["images"] as? [[String: Any]] ?? []).map { ("image \(text($0["side"]))", $0) }
            if let selfie = submission["selfie"] as? [String: Any] { images.append(("selfie", selfie)) }
            for (label, image) in images {
                lines.append(
                    "  \(label): \(text(image["mime"])) \(text(image["width"]))x\(text(image["height"])), "
                        + "\(text(image["bytes"])) bytes"
                )
                lines.append("    \(text(image["ref"]))")
            }
            lines.append(
                "face match \(text(submission["face_match_score"])), liveness \(text(submission["liveness"])), "
                    + "via \(text(submission["capture_channel"]))"
            )
        }
        lines.append("")
        lines.append("checks:")
        for check in object["checks"] as? [[String: Any]] ?? [] {
            let name = text(check["name"]).padding(toLength: 19, withPad: " ", startingAt: 0)
            let outcome = text(check["outcome"]).padding(toLength: 6, withPad: " ", startingAt: 0)
            let evidence = TextTable.wrap(text(check["evidence"]), width: 80 - 29)
            lines.append("  \(name) \(outcome) \(evidence.first ?? "")")
            for more in evidence.dropFirst() { lines.append(String(repeating: " ", count: 29) + more) }
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
        if let proposal = object["proposal"] as? [String: Any] {
            lines.append(
                "proposal: \(text(proposal["outcome"])) \(text(proposal["reason_code"])) by \(text(proposal["proposed_by"]))"
                    + ", waiting for a second reviewer"
            )
        }
        if let lease = object["lease"] as? [String: Any] {
            lines.append("leased to \(text(lease["holder"])) until \(text(lease["expires_at"]))")
        }
        let history = object["history"] as? [[String: Any]] ?? []
        if !history.isEmpty {
            lines.append("")
            lines.append("other applications of this account:")
            for earlier in history {
                lines.append("  \(text(earlier["id"]))  \(text(earlier["status"]))  submitted \(text(earlier["submitted_at"]))")
            }
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

/// Plain-text tables and wrapping for an 80-column terminal.
enum TextTable {
    /// One row: each cell padded to its width, or cut with "…" when longer.
    static func row(_ cells: [String], widths: [Int]) -> String {
        zip(cells, widths).map { cell, width in
            cell.count > width - 1 ? String(cell.prefix(width - 2)) + "… " : cell.padding(toLength: width, withPad: " ", startingAt: 0)
        }.joined().trimmingCharacters(in: .whitespaces)
    }

    /// Words wrapped to lines of at most `width` characters (a longer word stands alone).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.isEmpty ? [""] : lines
    }

    /// `3d 4h`, `5h 12m`, `7m`.
    static func age(seconds: Int) -> String {
        let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        return "\(minutes)m"
    }
}
