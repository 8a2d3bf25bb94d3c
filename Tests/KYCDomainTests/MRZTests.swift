import Foundation
import Testing

@testable import KYCDomain

@Suite struct MRZTests {
    static let utopiaTD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    static let contractTD3 = "P<GBRLOVELACE<<ADA<<<<<<<<<<<<<<<<<<<<<<<<<<\nL898902C36GBR9008124F3104150<<<<<<<<<<<<<<02"
    static let utopiaTD1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
    static let longNumberTD1 = "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<"

    @Test func checkDigitMatchesICAOWorkedExample() {
        // Doc 9303 part 3: the check digit of 520727 is 3.
        #expect(MRZ.checkDigit("520727") == 3)
        #expect(MRZ.checkDigit("L898902C3") == 6)
    }

    @Test func parsesTheICAOSpecimenPassport() throws {
        let fields = try MRZ.parseTD3(Self.utopiaTD3)
        #expect(fields.documentNumber == "L898902C3")
        #expect(fields.issuingState == "UTO")
        #expect(fields.nationality == "UTO")
        #expect(fields.primaryIdentifier == "ERIKSSON")
        #expect(fields.secondaryIdentifier == "ANNA MARIA")
        #expect(fields.dateOfBirth.matches(CalendarDate(year: 1974, month: 8, day: 12)!))
        #expect(fields.expiryDate.matches(CalendarDate(year: 2012, month: 4, day: 15)!))
        #expect(fields.sex == "F")
    }

    @Test func parsesTheContractsExamplePassport() throws {
        let fields = try MRZ.parseTD3(Self.contractTD3)
        #expect(CountryCode(icaoCode: fields.nationality) == "GB")
        #expect(fields.primaryIdentifier == "LOVELACE")
        #expect(fields.secondaryIdentifier == "ADA")
    }

    @Test func parsesTheICAOSpecimenIDCard() throws {
        let fields = try MRZ.parseTD1(Self.utopiaTD1)
        #expect(fields.documentNumber == "D23145890")
        #expect(fields.primaryIdentifier == "ERIKSSON")
        #expect(fields.secondaryIdentifier == "ANNA MARIA")
    }

    @Test func readsATD1DocumentNumberThatOverflowsIntoTheOptionalData() throws {
        let fields = try MRZ.parseTD1(Self.longNumberTD1)
        #expect(fields.documentNumber == "D23145890734")
        #expect(fields.primaryIdentifier == "STEVENSON")
    }

    @Test func acceptsWindowsLineEndingsAndATrailingNewline() throws {
        _ = try MRZ.parseTD3(Self.contractTD3.replacingOccurrences(of: "\n", with: "\r\n") + "\n")
    }

    @Test(arguments: [
        ("P<GBRLOVELACE<<ADA", MRZ.Problem.wrongShape(expected: "two lines of 44 characters (TD3)")),
        (contractTD3.lowercased(), MRZ.Problem.invalidCharacter(line: 1)),
    ])
    func refusesZonesOfTheWrongShapeOrAlphabet(zone: String, problem: MRZ.Problem) {
        #expect(throws: problem) { try MRZ.parseTD3(zone) }
    }

    /// Every single-character change inside a field covered by a check digit is caught, when the new
    /// character's value differs from the old one's modulo 10. (No 7-3-1 check digit can see the others:
    /// `4` → `E` adds 10 × weight to the sum. That is ICAO's design, not a gap in the parser.)
    static func detectable(_ old: Character, _ new: Character) -> Bool {
        MRZ.value(of: old) % 10 != MRZ.value(of: new) % 10
    }

    @Test(arguments: [utopiaTD3, contractTD3])
    func catchesEverySingleCharacterChangeInACoveredFieldOfTD3(zone: String) {
        let lines = zone.split(separator: "\n").map(Array.init)
        let covered = Array(0..<10) + Array(13..<20) + Array(21..<44)
        for position in covered {
            for replacement in Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
            where Self.detectable(lines[1][position], replacement) {
                var line = lines[1]
                line[position] = replacement
                let changed = String(lines[0]) + "\n" + String(line)
                #expect(throws: MRZ.Problem.self, "position \(position) → \(replacement)") {
                    try MRZ.parseTD3(changed)
                }
            }
        }
    }

    @Test func catchesEverySingleCharacterChangeInACoveredFieldOfTD1() {
        let lines = Self.utopiaTD1.split(separator: "\n").map(Array.init)
        let covered = [(0, Array(5..<15)), (1, Array(0..<7) + Array(8..<15) + [29])]
        for (lineIndex, positions) in covered {
            for position in positions {
                for replacement in Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
                where Self.detectable(lines[lineIndex][position], replacement) {
                    var changedLines = lines
                    changedLines[lineIndex][position] = replacement
                    let changed = changedLines.map { String($0) }.joined(separator: "\n")
                    #expect(throws: MRZ.Problem.self, "line \(lineIndex + 1) position \(position) → \(replacement)") {
                        try MRZ.parseTD1(changed)
                    }
                }
            }
        }
    }

    @Test func refusesALetterInADateEvenWhereTheCheckDigitCannotSeeIt() {
        // 9 → J (19) leaves every check digit intact; the date itself must still be digits.
        let zone = Self.contractTD3.replacingOccurrences(of: "9008124F", with: "J008124F")
        #expect(throws: MRZ.Problem.invalidDate(field: "date of birth")) { try MRZ.parseTD3(zone) }
    }

    @Test func mapsICAOSpecialStateCodes() {
        #expect(CountryCode(icaoCode: "D<<") == "DE")
        #expect(CountryCode(icaoCode: "GBR") == "GB")
        #expect(CountryCode(icaoCode: "UTO") == nil)
    }
}

@Suite struct TransliterationTests {
    @Test(arguments: [
        ("Müller", "MUELLER"), ("Jean-Pierre", "JEAN PIERRE"), ("O'Brien", "OBRIEN"), ("Straße", "STRASSE"),
        ("Øyvind", "OEYVIND"), ("Ångström", "AANGSTROEM"), ("Peña", "PENA"), ("José", "JOSE"), ("Łukasz", "LUKASZ"),
    ])
    func writesNamesAsTheMRZDoes(name: String, expected: String) {
        #expect(Transliteration.mrzName(name) == expected)
    }

    @Test func acceptsTheShortFormDoc9303AlsoAllows() {
        #expect(Transliteration.variants("Müller").contains("MULLER"))
        #expect(Transliteration.variants("Müller").contains("MUELLER"))
    }
}
