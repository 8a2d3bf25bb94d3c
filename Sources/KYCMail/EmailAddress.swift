/// A mailbox address checked before it reaches libcurl or a header: one `@`, a local part of RFC 5321's
/// ASCII characters without leading, trailing or doubled dots, and a domain of dot-separated labels of
/// letters, digits and hyphens, none starting or ending with a hyphen. An internationalised domain is kept in
/// its A-label form (`bücher.example` → `xn--bcher-kva.example`), which every server accepts.
///
/// CR, LF, NUL, spaces and angle brackets can never pass, so an address cannot become an SMTP command
/// (libcurl writes a recipient onto the wire as it is given) or a second header.
///
/// What an applicant's address may be is intake's rule (`kyc.submit_application`, sql/functions/intake.sql),
/// lengths included: this type guards the wire and states no limit of its own, so it accepts every address
/// intake accepts. `EmailAddressRuleTests` runs one table of addresses through both.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let localPart: String
    public let domain: String

    public init?(_ address: String) {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let local = address[..<at]
        let given = String(address[address.index(after: at)...])
        guard given.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f && !(0x80...0x9f).contains($0.value) }),
            let domain = given.unicodeScalars.allSatisfy(\.isASCII) ? given : IDNA.asciiDomain(given),
            Self.isValidLocalPart(local), Self.isValidDomain(Substring(domain))
        else { return nil }
        self.localPart = String(local)
        self.domain = domain
    }

    static let localCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-")

    static func isValidLocalPart(_ local: Substring) -> Bool {
        !local.isEmpty && local.allSatisfy { localCharacters.contains($0) }
            && local.first != "." && local.last != "." && !local.contains("..")
    }

    static func isValidDomain(_ domain: Substring) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
        }
    }

    public var description: String { "\(self.localPart)@\(self.domain)" }
}

/// An address with an optional display name, as a From or To header carries it.
public struct Mailbox: Sendable, Hashable {
    public var displayName: String?
    public var address: EmailAddress

    public init(displayName: String? = nil, address: EmailAddress) {
        self.displayName = displayName
        self.address = address
    }

    /// Parses `Name <local@domain>` or a bare address.
    public init?(parsing text: String) {
        let trimmed = text.trimmingSpaces()
        if trimmed.last == ">", let open = trimmed.lastIndex(of: "<") {
            guard let address = EmailAddress(String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]))
            else { return nil }
            let name = String(trimmed[..<open]).trimmingSpaces().trimmingQuotes()
            self.init(displayName: name.isEmpty ? nil : name, address: address)
        } else {
            guard let address = EmailAddress(trimmed) else { return nil }
            self.init(address: address)
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }

    func trimmingQuotes() -> String {
        guard self.count >= 2, self.first == "\"", self.last == "\"" else { return self }
        return String(self.dropFirst().dropLast())
    }
}
