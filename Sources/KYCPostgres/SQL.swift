/// The text of one statement.
///
/// It can be written only as a string literal, so SQL is constant by construction: every value travels as a
/// `$n` parameter and no statement is ever built from data.
public struct SQL: Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    let text: String

    public init(stringLiteral value: StaticString) {
        self.text = value.description
    }

    /// For embedded, build-time constant text (the migrations), never for data.
    public init(embedded bytes: [UInt8]) {
        self.text = String(decoding: bytes, as: UTF8.self)
    }

    init(unchecked text: String) {
        self.text = text
    }

    public var description: String { self.text }
}

/// The name of a LISTEN/NOTIFY channel: a lower-case SQL identifier, checked when made.
public struct ChannelName: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ rawValue: String) {
        let bytes = Array(rawValue.utf8)
        guard let first = bytes.first, bytes.count <= 63, (first >= 0x61 && first <= 0x7a) || first == 0x5f,
            bytes.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5f })
        else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { self.rawValue }
}
