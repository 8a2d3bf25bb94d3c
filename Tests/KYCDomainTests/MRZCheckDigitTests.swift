import Foundation
import Testing

@testable import KYCDomain

/// ICAO Doc 9303's specimen of a TD2 card (2 × 36): no document type here reads TD2, but its check digits are
/// computed by the same rule.
let utopiaTD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"

/// A zone with one character changed.
func changing(_ zone: String, line: Int, position: Int, to character: Character) -> String {
    var lines = zone.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
    lines[line - 1][position] = character
    return lines.map { String($0) }.joined(separator: "\n")
}

/// A zone with the digit at one place replaced by the next one (9 by 0).
func nextDigit(_ zone: String, line: Int, position: Int) -> String {
    let lines = zone.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
    let old = lines[line - 1][position]
    let new = Character(String(((old.wholeNumberValue ?? -1) + 1) % 10))
    return changing(zone, line: line, position: position, to: new)
}

/// One change to a specimen zone and what the reader makes of it: the problem, or nil when it still reads.
struct ZoneChange: Sendable, CustomTestStringConvertible {
    enum Format: String, Sendable {
        case td1 = "TD1"
        case td3 = "TD3"
    }

    var label: String
    var format: Format
    var zone: String
    var problem: MRZ.Problem?

    var testDescription: String { "\(self.format.rawValue): \(self.label)" }

    func read() throws(MRZ.Problem) -> MRZ.Fields {
        switch self.format {
        case .td1: try MRZ.parseTD1(self.zone)
        case .td3: try MRZ.parseTD3(self.zone)
        }
    }
}

@Suite struct MRZCheckDigitTests {
    @Test(arguments: [
        ("520727", 3),  // Doc 9303 part 3, the worked example
        ("L898902C3", 6),  // the specimen passport's number
        ("740812", 2),  // its date of birth
        ("120415", 9),  // its expiry date
        ("ZE184226B<<<<<", 1),  // its personal number
        ("L898902C3674081221204159ZE184226B<<<<<1", 0),  // its composite
        ("D23145890", 7),  // the specimen TD1 and TD2 cards' number
        ("D23145890774081221204159<<<<<<<", 6),  // the TD2 card's composite
        ("D231458907<<<<<<<<<<<<<<<74081221204159<<<<<<<<<<<", 6),  // the TD1 card's composite
        ("D23145890734", 9),  // a TD1 number of twelve characters
        ("<<<<<<", 0),
        ("", 0),
        ("AAAAAA", 0),
        ("ABC", 5),
        ("Z", 5),
        ("123", 6),
        ("0000000001", 7),
        ("abc", 0),  // lower case is not in the MRZ alphabet and counts as a filler
    ])
    func computesTheICAOCheckDigit(field: String, digit: Int) {
        #expect(MRZ.checkDigit(field) == digit)
    }

    @Test func theTD2SpecimensDigitsHoldByTheSameRule() {
        let second = Array(utopiaTD2.split(separator: "\n")[1])
        #expect(MRZ.checkDigit(second[0..<9]) == second[9].wholeNumberValue)
        #expect(MRZ.checkDigit(second[13..<19]) == second[19].wholeNumberValue)
        #expect(MRZ.checkDigit(second[21..<27]) == second[27].wholeNumberValue)
        let composite = Array(second[0..<10] + second[13..<20] + second[21..<35])
        #expect(MRZ.checkDigit(composite) == second[35].wholeNumberValue)
    }

    static let td3 = MRZTests.utopiaTD3
    static let contract = MRZTests.contractTD3
    static let td1 = MRZTests.utopiaTD1
    static let longTD1 = MRZTests.longNumberTD1

    static let changes: [ZoneChange] = [
        // TD3: each check digit wrong in turn, then a character of each field it covers.
        .init(
            label: "document number's digit", format: .td3, zone: nextDigit(td3, line: 2, position: 9),
            problem: .checkDigit(field: "document number")),
        .init(
            label: "date of birth's digit", format: .td3, zone: nextDigit(td3, line: 2, position: 19),
            problem: .checkDigit(field: "date of birth")),
        .init(
            label: "expiry date's digit", format: .td3, zone: nextDigit(td3, line: 2, position: 27),
            problem: .checkDigit(field: "expiry date")),
        .init(
            label: "personal number's digit", format: .td3, zone: nextDigit(td3, line: 2, position: 42),
            problem: .checkDigit(field: "optional data")),
        .init(
            label: "composite digit", format: .td3, zone: nextDigit(td3, line: 2, position: 43),
            problem: .checkDigit(field: "composite")),
        .init(
            label: "document number's first letter", format: .td3, zone: changing(td3, line: 2, position: 0, to: "M"),
            problem: .checkDigit(field: "document number")),
        .init(
            label: "document number's last digit", format: .td3, zone: nextDigit(td3, line: 2, position: 8),
            problem: .checkDigit(field: "document number")),
        .init(
            label: "year of birth", format: .td3, zone: nextDigit(td3, line: 2, position: 13),
            problem: .checkDigit(field: "date of birth")),
        .init(
            label: "day of birth", format: .td3, zone: nextDigit(td3, line: 2, position: 18),
            problem: .checkDigit(field: "date of birth")),
        .init(
            label: "expiry year", format: .td3, zone: nextDigit(td3, line: 2, position: 21),
            problem: .checkDigit(field: "expiry date")),
        .init(
            label: "expiry day", format: .td3, zone: nextDigit(td3, line: 2, position: 26),
            problem: .checkDigit(field: "expiry date")),
        .init(
            label: "personal number", format: .td3, zone: changing(td3, line: 2, position: 28, to: "Y"),
            problem: .checkDigit(field: "optional data")),
        .init(
            label: "personal number's filler", format: .td3, zone: changing(td3, line: 2, position: 41, to: "1"),
            problem: .checkDigit(field: "optional data")),
        .init(
            label: "contract passport's number digit", format: .td3, zone: nextDigit(contract, line: 2, position: 9),
            problem: .checkDigit(field: "document number")),
        .init(
            label: "contract passport's birth digit", format: .td3, zone: nextDigit(contract, line: 2, position: 19),
            problem: .checkDigit(field: "date of birth")),
        .init(
            label: "contract passport's expiry digit", format: .td3, zone: nextDigit(contract, line: 2, position: 27),
            problem: .checkDigit(field: "expiry date")),
        .init(
            label: "contract passport's empty personal number's digit", format: .td3,
            zone: nextDigit(contract, line: 2, position: 42), problem: .checkDigit(field: "optional data")),
        .init(
            label: "contract passport's composite", format: .td3, zone: nextDigit(contract, line: 2, position: 43),
            problem: .checkDigit(field: "composite")),
        // TD3: what no check digit covers still reads.
        .init(label: "nationality", format: .td3, zone: changing(td3, line: 2, position: 12, to: "A"), problem: nil),
        .init(label: "sex", format: .td3, zone: changing(td3, line: 2, position: 20, to: "M"), problem: nil),
        .init(label: "issuing state", format: .td3, zone: changing(td3, line: 1, position: 4, to: "A"), problem: nil),
        .init(label: "a name", format: .td3, zone: changing(td3, line: 1, position: 5, to: "A"), problem: nil),
        .init(
            label: "an empty personal number with a filler digit", format: .td3,
            zone: changing(contract, line: 2, position: 42, to: "<"), problem: nil),
        .init(
            label: "a personal number with a filler digit", format: .td3,
            zone: changing(td3, line: 2, position: 42, to: "<"), problem: .checkDigit(field: "optional data")),
        // TD3: shape, alphabet, document code and dates.
        .init(
            label: "one line", format: .td3, zone: "P<GBRLOVELACE<<ADA",
            problem: .wrongShape(expected: "two lines of 44 characters (TD3)")),
        .init(
            label: "three lines", format: .td3, zone: td3 + "\n" + String(repeating: "<", count: 44),
            problem: .wrongShape(expected: "two lines of 44 characters (TD3)")),
        .init(
            label: "a line of 43", format: .td3, zone: String(td3.dropLast()),
            problem: .wrongShape(expected: "two lines of 44 characters (TD3)")),
        .init(
            label: "a line of 45", format: .td3, zone: td3 + "<",
            problem: .wrongShape(expected: "two lines of 44 characters (TD3)")),
        .init(
            label: "a TD1 zone", format: .td3, zone: td1,
            problem: .wrongShape(expected: "two lines of 44 characters (TD3)")),
        .init(
            label: "a TD2 zone", format: .td3, zone: utopiaTD2,
            problem: .wrongShape(expected: "two lines of 44 characters (TD3)")),
        .init(
            label: "nothing", format: .td3, zone: "", problem: .wrongShape(expected: "two lines of 44 characters (TD3)")
        ),
        .init(
            label: "a blank line between", format: .td3, zone: td3.replacingOccurrences(of: "\n", with: "\n\n"),
            problem: .wrongShape(expected: "two lines of 44 characters (TD3)")),
        .init(
            label: "a space on line 1", format: .td3, zone: changing(td3, line: 1, position: 10, to: " "),
            problem: .invalidCharacter(line: 1)),
        .init(
            label: "a lower-case letter on line 2", format: .td3, zone: changing(td3, line: 2, position: 0, to: "l"),
            problem: .invalidCharacter(line: 2)),
        .init(
            label: "an accented letter on line 1", format: .td3, zone: changing(td3, line: 1, position: 5, to: "É"),
            problem: .invalidCharacter(line: 1)),
        .init(label: "an ID card's code", format: .td3, zone: MRZSpecimen.td3(code: "I<"), problem: .wrongDocumentCode),
        .init(label: "a visa's code", format: .td3, zone: MRZSpecimen.td3(code: "V<"), problem: .wrongDocumentCode),
        .init(label: "a diplomatic passport's code", format: .td3, zone: MRZSpecimen.td3(code: "PD"), problem: nil),
        .init(
            label: "birth month 13", format: .td3, zone: MRZSpecimen.td3(birth: "901312"),
            problem: .invalidDate(field: "date of birth")),
        .init(
            label: "birth day 00", format: .td3, zone: MRZSpecimen.td3(birth: "900800"),
            problem: .invalidDate(field: "date of birth")),
        .init(
            label: "birth day 32", format: .td3, zone: MRZSpecimen.td3(birth: "900832"),
            problem: .invalidDate(field: "date of birth")),
        .init(
            label: "expiry month 00", format: .td3, zone: MRZSpecimen.td3(expiry: "310015"),
            problem: .invalidDate(field: "expiry date")),
        .init(
            label: "an unknown birth date written as fillers", format: .td3, zone: MRZSpecimen.td3(birth: "<<<<<<"),
            problem: .invalidDate(field: "date of birth")),
        // SixDigitDate knows months, not their lengths: 30 February reads, and can match no calendar date.
        .init(label: "30 February", format: .td3, zone: MRZSpecimen.td3(birth: "900230"), problem: nil),
        .init(
            label: "29 February of a year not leap", format: .td3, zone: MRZSpecimen.td3(birth: "910229"), problem: nil),
        // TD1: each check digit wrong in turn, then a character of each field it covers.
        .init(
            label: "document number's digit", format: .td1, zone: nextDigit(td1, line: 1, position: 14),
            problem: .checkDigit(field: "document number")),
        .init(
            label: "date of birth's digit", format: .td1, zone: nextDigit(td1, line: 2, position: 6),
            problem: .checkDigit(field: "date of birth")),
        .init(
            label: "expiry date's digit", format: .td1, zone: nextDigit(td1, line: 2, position: 14),
            problem: .checkDigit(field: "expiry date")),
        .init(
            label: "composite digit", format: .td1, zone: nextDigit(td1, line: 2, position: 29),
            problem: .checkDigit(field: "composite")),
        .init(
            label: "document number's first letter", format: .td1, zone: changing(td1, line: 1, position: 5, to: "E"),
            problem: .checkDigit(field: "document number")),
        .init(
            label: "year of birth", format: .td1, zone: nextDigit(td1, line: 2, position: 0),
            problem: .checkDigit(field: "date of birth")),
        .init(
            label: "expiry month", format: .td1, zone: nextDigit(td1, line: 2, position: 11),
            problem: .checkDigit(field: "expiry date")),
        .init(
            label: "first optional data", format: .td1, zone: changing(td1, line: 1, position: 20, to: "7"),
            problem: .checkDigit(field: "composite")),
        .init(
            label: "second optional data", format: .td1, zone: changing(td1, line: 2, position: 20, to: "7"),
            problem: .checkDigit(field: "composite")),
        .init(
            label: "long number's digit", format: .td1, zone: nextDigit(longTD1, line: 1, position: 18),
            problem: .checkDigit(field: "document number")),
        .init(
            label: "long number's overflow", format: .td1, zone: nextDigit(longTD1, line: 1, position: 15),
            problem: .checkDigit(field: "document number")),
        .init(
            label: "an overflow with no filler after it", format: .td1,
            zone: changing(td1, line: 1, position: 14, to: "<").replacingOccurrences(
                of: "I<UTOD23145890<<<<<<<<<<<<<<<<", with: "I<UTOD23145890<123456789012345"),
            problem: .checkDigit(field: "document number")
        ),
        // TD1: what no check digit covers still reads.
        .init(label: "nationality", format: .td1, zone: changing(td1, line: 2, position: 17, to: "A"), problem: nil),
        .init(label: "sex", format: .td1, zone: changing(td1, line: 2, position: 7, to: "M"), problem: nil),
        .init(label: "a name", format: .td1, zone: changing(td1, line: 3, position: 0, to: "A"), problem: nil),
        // TD1: shape, alphabet, document code and dates.
        .init(
            label: "a TD3 zone", format: .td1, zone: td3,
            problem: .wrongShape(expected: "three lines of 30 characters (TD1)")),
        .init(
            label: "a TD2 zone", format: .td1, zone: utopiaTD2,
            problem: .wrongShape(expected: "three lines of 30 characters (TD1)")),
        .init(
            label: "two lines", format: .td1, zone: td1.split(separator: "\n").prefix(2).joined(separator: "\n"),
            problem: .wrongShape(expected: "three lines of 30 characters (TD1)")),
        .init(
            label: "a line of 31", format: .td1, zone: td1 + "<",
            problem: .wrongShape(expected: "three lines of 30 characters (TD1)")),
        .init(
            label: "a lower-case letter on line 3", format: .td1, zone: changing(td1, line: 3, position: 0, to: "e"),
            problem: .invalidCharacter(line: 3)),
        .init(label: "a passport's code", format: .td1, zone: MRZSpecimen.td1(code: "P<"), problem: .wrongDocumentCode),
        .init(label: "code A", format: .td1, zone: MRZSpecimen.td1(code: "A<"), problem: nil),
        .init(label: "code C", format: .td1, zone: MRZSpecimen.td1(code: "C<"), problem: nil),
        .init(label: "code ID", format: .td1, zone: MRZSpecimen.td1(code: "ID"), problem: nil),
        .init(
            label: "birth month 13", format: .td1, zone: MRZSpecimen.td1(birth: "741312"),
            problem: .invalidDate(field: "date of birth")),
        .init(
            label: "expiry day 00", format: .td1, zone: MRZSpecimen.td1(expiry: "120400"),
            problem: .invalidDate(field: "expiry date")),
        .init(
            label: "windows line endings", format: .td1, zone: td1.replacingOccurrences(of: "\n", with: "\r\n"),
            problem: nil),
        .init(label: "trailing newlines", format: .td1, zone: td1 + "\n\n", problem: nil),
    ]

    @Test(arguments: changes)
    func aChangedZoneIsRefusedForTheFieldWhoseCheckDigitNoLongerHolds(change: ZoneChange) {
        if let problem = change.problem {
            #expect(throws: problem) { try change.read() }
        } else {
            #expect(throws: Never.self) { try change.read() }
        }
    }

    @Test(arguments: [
        (
            MRZ.Problem.wrongShape(expected: "two lines of 44 characters (TD3)"),
            "the zone must be two lines of 44 characters (TD3)"
        ),
        (.invalidCharacter(line: 2), "line 2 has characters outside A–Z, 0–9 and <"),
        (.wrongDocumentCode, "the document code does not match the document type"),
        (.checkDigit(field: "composite"), "the check digit of the composite does not hold"),
        (.invalidDate(field: "expiry date"), "the expiry date is not a valid date"),
    ])
    func describesAProblemWithoutTheZonesCharacters(problem: MRZ.Problem, description: String) {
        #expect(problem.description == description)
    }

    @Test(arguments: [
        ("ERIKSSON<<ANNA<MARIA", "ERIKSSON", "ANNA MARIA", false),
        ("VAN<DER<BERG<<JAN", "VAN DER BERG", "JAN", false),
        ("LOVELACE", "LOVELACE", "", false),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLM", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLM", "", true),
        ("SMITH<<JOHN<PAULABCDEFGHIJKLMNOPQRSTUVW", "SMITH", "JOHN PAULABCDEFGHIJKLMNOPQRSTUVW", true),
    ])
    func readsTheNameFieldIntoPrimaryAndSecondaryIdentifiers(
        field: String, primary: String, secondary: String, full: Bool
    ) throws {
        let fields = try MRZ.parseTD3(MRZSpecimen.td3(names: field))
        #expect(fields.primaryIdentifier == primary)
        #expect(fields.secondaryIdentifier == secondary)
        #expect(fields.namesFillField == full)
    }

    @Test(arguments: [
        ("740812", CalendarDate(year: 1974, month: 8, day: 12)!, true),
        ("740812", CalendarDate(year: 2074, month: 8, day: 12)!, true),
        ("740812", CalendarDate(year: 1874, month: 8, day: 12)!, true),
        ("740812", CalendarDate(year: 1975, month: 8, day: 12)!, false),
        ("740812", CalendarDate(year: 1974, month: 8, day: 13)!, false),
        ("740812", CalendarDate(year: 1974, month: 12, day: 8)!, false),
        ("000229", CalendarDate(year: 2000, month: 2, day: 29)!, true),
        ("000101", CalendarDate(year: 1900, month: 1, day: 1)!, true),
    ])
    func aSixDigitDateMatchesEveryCenturyOfItsDay(text: String, date: CalendarDate, matches: Bool) throws {
        let fields = try MRZ.parseTD3(MRZSpecimen.td3(birth: text))
        #expect(fields.dateOfBirth.matches(date) == matches)
    }
}
