import Foundation
import KYCDomain
import KYCStore

/// The text form of `show`, for a reviewer's terminal.
enum ApplicationText {
    static func render(_ view: ApplicationView) -> String {
        /// A stored value as a person reads it; `-` for one that is missing or null.
        func text(_ value: JSONValue?) -> String { value?.text ?? "-" }
        func text(_ value: String?) -> String { value ?? "-" }
        var lines: [String] = []
        lines.append("application \(view.id)  account \(view.accountID)  status \(view.status)")
        lines.append("submitted \(view.submittedAt)  session started \(view.sessionStartedAt)")
        if case .object = view.submission {
            let submission = view.submission
            let info = submission["basic_info"]
            let document = submission["document"]
            lines.append("")
            lines.append("applicant: \(text(info?["first_name"])) \(text(info?["last_name"])), born \(text(info?["date_of_birth"]))")
            lines.append("  nationality \(text(info?["nationality"])), resident in \(text(info?["country_of_residence"]))")
            if let address = info?["address"]?.string {
                for (index, part) in TextTable.wrap(address, width: 66).enumerated() {
                    lines.append((index == 0 ? "  address " : "          ") + part)
                }
            }
            lines.append(
                "document: \(text(document?["type"])) from \(text(document?["issuing_country"])), number \(text(document?["number"])), "
                    + "expires \(text(document?["expiry_date"]))"
            )
            if let mrz = document?["mrz"]?.string {
                lines.append("  mrz")
                for line in mrz.split(separator: "\n") { lines.append("    \(line)") }
            }
            var images = (document?["images"]?.array ?? []).map { ("image \(text($0["side"]))", $0) }
            if let selfie = submission["selfie"], case .object = selfie { images.append(("selfie", selfie)) }
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
        for check in view.checks {
            let name = check.name.padding(toLength: 19, withPad: " ", startingAt: 0)
            let outcome = check.outcome.padding(toLength: 6, withPad: " ", startingAt: 0)
            let evidence = TextTable.wrap(text(check.evidence), width: 80 - 29)
            lines.append("  \(name) \(outcome) \(evidence.first ?? "")")
            for more in evidence.dropFirst() { lines.append(String(repeating: " ", count: 29) + more) }
        }
        lines.append("")
        if let decision = view.decision {
            lines.append(
                "decision: \(decision.outcome)  reason \(text(decision.reasonCode))  by \(decision.decidedBy)  at \(decision.decidedAt)"
            )
            if let note = decision.note { lines.append("note: \(note)") }
        } else {
            lines.append("decision: none yet")
        }
        if let proposal = view.proposal {
            lines.append(
                "proposal: \(proposal.outcome) \(text(proposal.reasonCode)) by \(proposal.proposedBy)"
                    + ", waiting for a second reviewer"
            )
        }
        if let lease = view.lease {
            lines.append("leased to \(lease.holder) until \(lease.expiresAt)")
        }
        if !view.history.isEmpty {
            lines.append("")
            lines.append("other applications of this account:")
            for earlier in view.history {
                lines.append("  \(earlier.id)  \(earlier.status)  submitted \(earlier.submittedAt)")
            }
        }
        lines.append("")
        lines.append("emails:")
        for email in view.emails {
            lines.append("  \(email.kind) \(email.status) attempts \(email.attempts) \(text(email.messageID))")
        }
        lines.append("")
        lines.append("audit:")
        for entry in view.audit {
            lines.append("  \(entry.at) \(entry.actor) \(entry.action)")
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
