import CivilCalendar
public import Foundation

/// A Swift value that can be sent as a statement parameter, in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The text PostgreSQL parses for this value; `nil` is SQL NULL.
    var postgresText: String? { get }
}

/// A Swift value that can be read from a column in PostgreSQL's text format.
public protocol PostgresDecodable: Sendable {
    init?(postgresText: String)
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self }
    public init?(postgresText: String) { self = postgresText }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self.isFinite ? String(self) : (self.isNaN ? "NaN" : (self > 0 ? "Infinity" : "-Infinity")) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self ? "t" : "f" }
    public init?(postgresText: String) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self.flatMap { $0.postgresText } }
}

extension Date: PostgresEncodable, PostgresDecodable {
    /// ISO 8601 in UTC with microseconds, which `timestamptz` parses exactly; years before 1 AD with
    /// PostgreSQL's ` BC` (see `PostgresTimestamp.format`).
    public var postgresText: String? { PostgresTimestamp.format(self) }

    /// Parses `timestamptz` output in the ISO date style (`2026-11-26 10:00:00.25+00`), or nil; see
    /// ``init(postgresTimestamp:)`` for why.
    public init?(postgresText: String) {
        guard let date = try? PostgresTimestamp.parse(postgresText) else { return nil }
        self = date
    }

    /// Parses `timestamptz` output in the ISO date style, every year PostgreSQL can store included: five-digit
    /// years (`10000-01-01 13:59:59+00`) and years before 1 AD (`0001-12-31 10:00:00+00 BC`, which is year 0
    /// of the proleptic Gregorian calendar). Throws `decodingFailed` for `infinity` and `-infinity`, which no
    /// instant represents, and for text that is not a timestamp; its context never quotes the text.
    public init(postgresTimestamp text: String) throws(PostgresError) {
        self = try PostgresTimestamp.parse(text)
    }
}

/// PostgreSQL's ISO timestamp text, written and read without locale or formatter state.
enum PostgresTimestamp {
    /// Writes any date without trapping. A year beyond PostgreSQL's (4714 BC to 294276 AD) is written as it is,
    /// for the server to refuse; an infinite date, or one whose seconds no `Int64` holds, as `infinity` or
    /// `-infinity`; NaN as `NaN`, which the server refuses.
    static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        guard interval.isFinite, abs(interval) < 9e18 else {
            return interval.isNaN ? "NaN" : (interval > 0 ? "infinity" : "-infinity")
        }
        var seconds = Int64(interval.rounded(.down))
        var fraction = Int64(((interval - interval.rounded(.down)) * 1_000_000).rounded())
        if fraction == 1_000_000 {
            fraction = 0
            seconds += 1
        }
        let (days, secondOfDay) = CivilDays.split(seconds: seconds)
        let (year, month, day) = CivilDays.civil(days: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        // Year 0 is 1 BC, year -1 is 2 BC.
        return "\(pad(year > 0 ? year : 1 - year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction, 6))Z"
            + (year > 0 ? "" : " BC")
    }

    static func parse(_ text: String) throws(PostgresError) -> Date {
        switch text {
        case "infinity", "-infinity":
            throw PostgresError(code: .decodingFailed, context: "timestamp is \(text), which no instant represents")
        default:
            break
        }
        guard let date = Self.parseISO(Array(text.utf8)) else {
            throw PostgresError(code: .decodingFailed, context: "timestamp is not in the ISO date style")
        }
        return date
    }

    private static func parseISO(_ bytes: [UInt8]) -> Date? {
        var index = 0
        func number(_ width: Int) -> Int64? {
            guard index + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + width] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            index += width
            return value
        }
        /// Four to six digits: PostgreSQL's years run to 294276.
        func year() -> Int64? {
            var width = 0
            while index + width < bytes.count, width < 7, bytes[index + width] >= 0x30, bytes[index + width] <= 0x39 {
                width += 1
            }
            guard (4...6).contains(width) else { return nil }
            return number(width)
        }
        func expect(_ characters: Set<UInt8>) -> Bool {
            guard index < bytes.count, characters.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard var year = year(), expect([0x2d]), let month = number(2), expect([0x2d]), let day = number(2),
            expect([0x20, 0x54]), let hour = number(2), expect([0x3a]), let minute = number(2), expect([0x3a]),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var micros: Int64 = 0
        if index < bytes.count, bytes[index] == 0x2e {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if digits < 6 { micros = micros * 10 + Int64(bytes[index] - 0x30) }
                digits += 1
                index += 1
            }
            for _ in 0..<max(0, 6 - digits) { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if index < bytes.count, bytes[index] == 0x5a {
            index += 1
        } else if index < bytes.count, bytes[index] == 0x2b || bytes[index] == 0x2d {
            let sign: Int64 = bytes[index] == 0x2d ? -1 : 1
            index += 1
            guard let hours = number(2) else { return nil }
            var minutes: Int64 = 0
            var secs: Int64 = 0
            if expect([0x3a]) {
                guard let m = number(2) else { return nil }
                minutes = m
                if expect([0x3a]) {
                    guard let s = number(2) else { return nil }
                    secs = s
                }
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60 + secs)
        }
        // Years before 1 AD: `0001 … BC` is year 0 of the proleptic Gregorian calendar. There is no year 0000.
        guard year >= 1 else { return nil }
        if bytes[index...].elementsEqual(" BC".utf8) {
            year = 1 - year
            index = bytes.count
        }
        guard index == bytes.count else { return nil }
        let days = CivilDays.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }
}
