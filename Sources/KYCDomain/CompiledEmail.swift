import Synchronization

/// What decides an email's structure: everything but the values it substitutes as they are. Emails of one
/// shape differ only in those values (the application id, the name, the reviewer's message, the retry time).
struct EmailShape: Hashable, Sendable {
    var locale: String
    var outcome: DecisionNotice.Outcome.Shape
    var valueNames: Set<String>
    /// A denial's attempt window: its words, and the words that agree with them, are rendered into the shape
    /// rather than substituted, so two windows are two shapes. Nil for an approval, which does not state it.
    var attemptWindow: Duration?
    /// Likewise a denial's other policy figures, the session window and the minimum age: two session windows
    /// or two ages are two shapes. Nil for an approval.
    var sessionWindow: Duration?
    var minimumAge: Int?

    init(_ notice: DecisionNotice, locale: String, valueNames: Set<String>) {
        self.locale = locale
        self.outcome = notice.outcome.shape
        self.valueNames = valueNames
        if case .denied = notice.outcome {
            self.attemptWindow = notice.attemptWindow
            self.sessionWindow = notice.sessionWindow
            self.minimumAge = notice.minimumAge
        }
    }
}

extension DecisionNotice.Outcome {
    /// The outcome less the retry time (a value): the reason, and the retry rule's kind and count.
    enum Shape: Hashable, Sendable {
        case approved
        case deniedFinal(ReasonCode)
        case deniedUntil(ReasonCode)
        case deniedWithAttempts(ReasonCode, Int)
    }

    var shape: Shape {
        switch self {
        case .approved: .approved
        case .denied(let reason, .final): .deniedFinal(reason)
        case .denied(let reason, .after): .deniedUntil(reason)
        case .denied(let reason, .attemptsRemaining(let count)): .deniedWithAttempts(reason, count)
        }
    }
}

/// An email shape rendered once with placeholders for its values and split into literal text and value
/// slots, so that each email of that shape is filled in rather than rendered: the same bytes, without
/// walking the templates again.
///
/// A placeholder carries an `&`, so the slot knows how many times the templates HTML-escaped the value
/// there (none in a `{{{triple}}}` tag, once in `{{double}}`, once more in the HTML layout). Values that
/// could change the structure themselves (line breaks, surrounding blanks, the placeholder characters) are
/// never compiled; `EmailTemplates.render` renders those in full.
struct CompiledEmail: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case value(name: String, escapes: Int)
    }

    var subject: [Piece]
    var text: [Piece]
    var html: [Piece]

    static let open: Character = "\u{E000}"
    static let close: Character = "\u{E001}"
    static let order = ["application_id", "first_name", "message", "retry_after"]

    /// Whether `value` can be substituted into a compiled shape and give what rendering would.
    static func canStandIn(_ value: String) -> Bool {
        guard let first = value.first, let last = value.last, !first.isWhitespace, !last.isWhitespace else { return false }
        return !value.contains { $0.isNewline || $0 == Self.open || $0 == Self.close }
    }

    /// A placeholder for each value: `\u{E000}&<index>\u{E001}`.
    static func placeholders(for values: [String: String]) -> [String: String] {
        var placeholders: [String: String] = [:]
        for name in values.keys {
            placeholders[name] = "\(Self.open)&\(Self.order.firstIndex(of: name) ?? 99)\(Self.close)"
        }
        return placeholders
    }

    init(_ rendered: EmailContent) {
        self.subject = Self.pieces(rendered.subject)
        self.text = Self.pieces(rendered.text)
        self.html = Self.pieces(rendered.html)
    }

    static func pieces(_ text: String) -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let start = rest.firstIndex(of: Self.open) {
            literal += rest[..<start]
            guard let end = rest[start...].firstIndex(of: Self.close) else { break }
            var inner = rest[rest.index(after: start)..<end]
            var escapes = 0
            if inner.hasPrefix("&") { inner = inner.dropFirst() }
            while inner.hasPrefix("amp;") {
                inner = inner.dropFirst(4)
                escapes += 1
            }
            if let index = Int(inner), Self.order.indices.contains(index) {
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = ""
                pieces.append(.value(name: Self.order[index], escapes: escapes))
            } else {
                literal += rest[start...end]
            }
            rest = rest[rest.index(after: end)...]
        }
        literal += rest
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return pieces
    }

    func fill(_ values: [String: String]) -> EmailContent {
        EmailContent(subject: Self.fill(self.subject, values), text: Self.fill(self.text, values), html: Self.fill(self.html, values))
    }

    static func fill(_ pieces: [Piece], _ values: [String: String]) -> String {
        var output = ""
        for piece in pieces {
            switch piece {
            case .literal(let text):
                output += text
            case .value(let name, let escapes):
                var value = values[name] ?? ""
                for _ in 0..<escapes { value = DecisionEmail.escape(value) }
                output += value
            }
        }
        return output
    }
}

/// The compiled shapes of one set of templates, shared by every render; bounded, since shapes are few
/// (locales × outcomes × retry rules × the policy's figures: attempt window, session window, minimum age) and
/// anything beyond the bound is simply rendered in full.
final class CompiledEmailCache: Sendable {
    enum Entry: Sendable {
        case compiled(CompiledEmail)
        /// The shape's templates do more with a value than substitute it: always rendered in full.
        case direct
    }

    static let capacity = 4096
    private let entries = Mutex<[EmailShape: Entry]>([:])

    func entry(for shape: EmailShape) -> Entry? {
        self.entries.withLock { $0[shape] }
    }

    func store(_ entry: Entry, for shape: EmailShape) {
        self.entries.withLock { entries in
            if entries.count < Self.capacity { entries[shape] = entry }
        }
    }
}
