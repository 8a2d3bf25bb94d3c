import Foundation

/// Machine-readable zones of ICAO Doc 9303: TD3 (passports, 2 × 44) and TD1 (ID cards, 3 × 30).
public enum MRZ {
    /// Why a zone was refused. Descriptions name positions and fields, never the zone's characters.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case wrongShape(expected: String)
        case invalidCharacter(line: Int)
        case wrongDocumentCode
        case checkDigit(field: String)
        case invalidDate(field: String)

        public var description: String {
            switch self {
            case .wrongShape(let expected): "the zone must be \(expected)"
            case .invalidCharacter(let line): "line \(line) has characters outside A–Z, 0–9 and <"
            case .wrongDocumentCode: "the document code does not match the document type"
            case .checkDigit(let field): "the check digit of the \(field) does not hold"
            case .invalidDate(let field): "the \(field) is not a valid date"
            }
        }
    }

    /// The fields both formats carry, check digits verified.
    public struct Fields: Sendable, Equatable {
        public var documentCode: String
        public var issuingState: String
        public var documentNumber: String
        public var dateOfBirth: SixDigitDate
        public var sex: Character
        public var expiryDate: SixDigitDate
        public var nationality: String
        public var primaryIdentifier: String
        public var secondaryIdentifier: String
        /// True when the name field is full to its end, so the names may have been truncated.
        public var namesFillField: Bool
    }

    /// A date as the MRZ writes it, YYMMDD, with the century not yet known.
    public struct SixDigitDate: Sendable, Equatable {
        public let yy: Int
        public let month: Int
        public let day: Int

        init?(_ text: Substring) {
            guard text.count == 6, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber),
                let yy = Int(text.prefix(2)), let month = Int(text.dropFirst(2).prefix(2)),
                let day = Int(text.suffix(2)), (1...12).contains(month), (1...31).contains(day)
            else { return nil }
            self.yy = yy
            self.month = month
            self.day = day
        }

        /// True when this could be `date` (same day, month and last two digits of the year).
        public func matches(_ date: CalendarDate) -> Bool {
            date.year % 100 == self.yy && date.month == self.month && date.day == self.day
        }
    }

    /// The ICAO 9303 check digit: weights 7, 3, 1; digits their value, A–Z 10–35, filler 0.
    public static func checkDigit<S: Sequence>(_ characters: S) -> Int where S.Element == Character {
        let weights = [7, 3, 1]
        var sum = 0
        for (index, character) in characters.enumerated() {
            sum += value(of: character) * weights[index % 3]
        }
        return sum % 10
    }

    static func value(of character: Character) -> Int {
        guard let ascii = character.asciiValue else { return 0 }
        switch ascii {
        case 0x30...0x39: return Int(ascii - 0x30)
        case 0x41...0x5A: return Int(ascii - 0x41) + 10
        default: return 0
        }
    }

    static func verify(_ field: Substring, digit: Character, name: String) throws(Problem) {
        let expected = checkDigit(field)
        // A field left entirely empty may carry a filler instead of its check digit.
        if digit == "<" && field.allSatisfy({ $0 == "<" }) { return }
        guard let value = digit.wholeNumberValue, digit.isASCII, value == expected else {
            throw .checkDigit(field: name)
        }
    }

    static func lines(_ zone: String, count: Int, length: Int, shape: String) throws(Problem) -> [Substring] {
        let lines = zone.replacingOccurrences(of: "\r\n", with: "\n").trimmingTrailingNewlines()
            .split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == count, lines.allSatisfy({ $0.count == length }) else {
            throw .wrongShape(expected: shape)
        }
        for (index, line) in lines.enumerated()
        where !line.allSatisfy({ ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "<" }) {
            throw .invalidCharacter(line: index + 1)
        }
        return lines
    }

    static func names(_ field: Substring) -> (primary: String, secondary: String, full: Bool) {
        let full = field.last != "<"
        let text = String(field)
        let parts = text.components(separatedBy: "<<")
        let primary = parts[0].replacingOccurrences(of: "<", with: " ").trimmingCharacters(in: .whitespaces)
        let secondary = parts.dropFirst().joined(separator: " ").replacingOccurrences(of: "<", with: " ")
            .split(separator: " ").joined(separator: " ")
        return (primary, secondary, full)
    }

    /// Parses and verifies a TD3 zone (passports): two lines of 44 characters.
    public static func parseTD3(_ zone: String) throws(Problem) -> Fields {
        let lines = try lines(zone, count: 2, length: 44, shape: "two lines of 44 characters (TD3)")
        let first = Array(lines[0])
        let second = lines[1]
        guard first[0] == "P" else { throw .wrongDocumentCode }
        func slice(_ line: Substring, _ from: Int, _ length: Int) -> Substring {
            let start = line.index(line.startIndex, offsetBy: from)
            return line[start..<line.index(start, offsetBy: length)]
        }
        let number = slice(second, 0, 9)
        try verify(number, digit: second[second.index(second.startIndex, offsetBy: 9)], name: "document number")
        let birth = slice(second, 13, 6)
        try verify(birth, digit: second[second.index(second.startIndex, offsetBy: 19)], name: "date of birth")
        let expiry = slice(second, 21, 6)
        try verify(expiry, digit: second[second.index(second.startIndex, offsetBy: 27)], name: "expiry date")
        let personal = slice(second, 28, 14)
        try verify(personal, digit: second[second.index(second.startIndex, offsetBy: 42)], name: "optional data")
        let composite = slice(second, 0, 10) + slice(second, 13, 7) + slice(second, 21, 22)
        try verify(Substring(composite), digit: second.last!, name: "composite")
        guard let dateOfBirth = SixDigitDate(birth) else { throw .invalidDate(field: "date of birth") }
        guard let expiryDate = SixDigitDate(expiry) else { throw .invalidDate(field: "expiry date") }
        let names = names(slice(lines[0], 5, 39))
        return Fields(
            documentCode: String(first[0...1]).replacingOccurrences(of: "<", with: ""),
            issuingState: String(slice(lines[0], 2, 3)),
            documentNumber: number.replacingOccurrences(of: "<", with: ""),
            dateOfBirth: dateOfBirth,
            sex: second[second.index(second.startIndex, offsetBy: 20)],
            expiryDate: expiryDate,
            nationality: String(slice(second, 10, 3)),
            primaryIdentifier: names.primary,
            secondaryIdentifier: names.secondary,
            namesFillField: names.full
        )
    }

    /// Parses and verifies a TD1 zone (ID cards): three lines of 30 characters, including a document
    /// number longer than nine characters, whose rest and check digit continue in the optional data.
    public static func parseTD1(_ zone: String) throws(Problem) -> Fields {
        let lines = try lines(zone, count: 3, length: 30, shape: "three lines of 30 characters (TD1)")
        func slice(_ line: Substring, _ from: Int, _ length: Int) -> Substring {
            let start = line.index(line.startIndex, offsetBy: from)
            return line[start..<line.index(start, offsetBy: length)]
        }
        func at(_ line: Substring, _ offset: Int) -> Character {
            line[line.index(line.startIndex, offsetBy: offset)]
        }
        let first = lines[0]
        let second = lines[1]
        guard "ACI".contains(at(first, 0)) else { throw .wrongDocumentCode }
        var number = String(slice(first, 5, 9))
        let numberCheck = at(first, 14)
        let optional = slice(first, 15, 15)
        if numberCheck == "<" && optional.first != "<" {
            // Long document number: its remaining characters, then its check digit, then a filler.
            guard let end = optional.firstIndex(of: "<"), end > optional.startIndex else {
                throw .checkDigit(field: "document number")
            }
            let overflow = optional[optional.startIndex..<optional.index(before: end)]
            let digit = optional[optional.index(before: end)]
            number += overflow
            try verify(Substring(number), digit: digit, name: "document number")
        } else {
            try verify(Substring(number), digit: numberCheck, name: "document number")
        }
        let birth = slice(second, 0, 6)
        try verify(birth, digit: at(second, 6), name: "date of birth")
        let expiry = slice(second, 8, 6)
        try verify(expiry, digit: at(second, 14), name: "expiry date")
        let composite = slice(first, 5, 25) + slice(second, 0, 7) + slice(second, 8, 7) + slice(second, 18, 11)
        try verify(Substring(composite), digit: at(second, 29), name: "composite")
        guard let dateOfBirth = SixDigitDate(birth) else { throw .invalidDate(field: "date of birth") }
        guard let expiryDate = SixDigitDate(expiry) else { throw .invalidDate(field: "expiry date") }
        let names = names(lines[2])
        return Fields(
            documentCode: String(slice(first, 0, 2)).replacingOccurrences(of: "<", with: ""),
            issuingState: String(slice(first, 2, 3)),
            documentNumber: number.replacingOccurrences(of: "<", with: ""),
            dateOfBirth: dateOfBirth,
            sex: at(second, 7),
            expiryDate: expiryDate,
            nationality: String(slice(second, 15, 3)),
            primaryIdentifier: names.primary,
            secondaryIdentifier: names.secondary,
            namesFillField: names.full
        )
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
