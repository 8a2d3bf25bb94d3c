import Foundation
import Testing

@testable import KYCDomain

/// Dates of birth and expiry: the proleptic Gregorian calendar from 0001-01-01 to 9999-12-31.
@Suite struct CalendarDateRuleTests {
    @Test(arguments: [
        (2024, 2, 29, true), (2023, 2, 29, false), (2000, 2, 29, true), (1900, 2, 29, false), (2100, 2, 29, false),
        (2400, 2, 29, true), (1600, 2, 29, true), (4, 2, 29, true), (1, 2, 29, false), (9996, 2, 29, true),
        (2023, 2, 28, true), (2024, 2, 30, false), (2026, 1, 31, true), (2026, 3, 31, true), (2026, 4, 31, false),
        (2026, 5, 31, true), (2026, 6, 31, false), (2026, 7, 31, true), (2026, 8, 31, true), (2026, 9, 31, false),
        (2026, 10, 31, true), (2026, 11, 31, false), (2026, 12, 31, true), (2026, 4, 30, true), (2026, 1, 0, false),
        (2026, 1, 32, false), (2026, 0, 1, false), (2026, 13, 1, false), (1, 1, 1, true), (0, 12, 31, false),
        (9999, 12, 31, true), (10_000, 1, 1, false), (-1, 1, 1, false), (2026, -1, 1, false),
    ])
    func namesOnlyRealDaysOfTheYears0001To9999(year: Int, month: Int, day: Int, real: Bool) {
        #expect((CalendarDate(year: year, month: month, day: day) != nil) == real)
    }

    @Test(arguments: [
        ("0001-01-01", true), ("9999-12-31", true), ("2024-02-29", true), ("2023-02-29", false), ("0000-01-01", false),
        ("10000-01-01", false), ("2024-2-29", false), ("2024-02-9", false), ("24-02-29", false), ("2024/02/29", false),
        ("2024-02-29T00:00:00Z", false), (" 2024-02-29", false), ("2024-02-29 ", false), ("", false), ("--", false),
        ("+024-02-29", false), ("-024-02-29", false), ("2024--2-29", false), ("2024-02-29-", false),
        ("٢٠٢٤-٠٢-٢٩", false), ("2024-0x-29", false),
    ])
    func parsesOnlyTheISOFormYYYYMMDD(text: String, parses: Bool) {
        #expect((CalendarDate(iso: text) != nil) == parses)
        if parses { #expect(CalendarDate(iso: text)?.description == text) }
    }

    @Test(arguments: [
        ("1970-01-01", 0), ("1969-12-31", -1), ("1970-01-02", 1), ("2000-03-01", 11_017), ("2024-02-29", 19_782),
        ("2026-11-26", 20_783), ("1900-03-01", -25_508), ("1600-02-29", -135_081), ("2400-02-29", 157_113),
        ("0001-01-01", -719_162), ("9999-12-31", 2_932_896),
    ])
    func countsDaysSince1970BothWays(text: String, days: Int) {
        let date = CalendarDate(iso: text)!
        #expect(date.daysSince1970 == days)
        #expect(CalendarDate(utcDayOf: Date(timeIntervalSince1970: TimeInterval(days) * 86_400)) == date)
        #expect(CalendarDate(utcDayOf: Date(timeIntervalSince1970: TimeInterval(days) * 86_400 + 86_399.999)) == date)
    }

    @Test(
        arguments: [
            (0.0, "1970-01-01"), (86_399.999, "1970-01-01"), (86_400, "1970-01-02"), (-0.001, "1969-12-31"),
            (-86_400, "1969-12-31"), (-86_400.001, "1969-12-30"), (1_795_687_770, "2026-11-26"),
            (1_709_164_799, "2024-02-28"), (1_709_164_800, "2024-02-29"), (1_709_251_200, "2024-03-01"),
            (-62_135_596_800, "0001-01-01"), (253_402_300_799, "9999-12-31"),
        ] as [(TimeInterval, String)])
    func takesTheUTCDayOfAnInstant(seconds: TimeInterval, day: String) {
        #expect(CalendarDate(utcDayOf: Date(timeIntervalSince1970: seconds)).description == day)
    }

    /// Every day of four centuries' leap-year rules, days to date and back.
    @Test(arguments: [1600, 1899, 1900, 1999, 2000, 2023, 2024, 2099, 2100, 2400, 1, 9999])
    func everyDayOfAYearSurvivesTheRoundTrip(year: Int) {
        let start = CalendarDate(year: year, month: 1, day: 1)!.daysSince1970
        let end = CalendarDate(year: year, month: 12, day: 31)!.daysSince1970
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        #expect(end - start + 1 == (leap ? 366 : 365))
        for days in start...end {
            let date = CalendarDate(utcDayOf: Date(timeIntervalSince1970: TimeInterval(days) * 86_400))
            #expect(date.daysSince1970 == days)
            #expect(date.year == year)
        }
    }

    @Test(arguments: [
        ("2008-11-26", "2026-11-26", 18), ("2008-11-27", "2026-11-26", 17), ("2008-11-25", "2026-11-26", 18),
        ("2008-02-29", "2026-02-28", 17), ("2008-02-29", "2026-03-01", 18), ("2008-02-29", "2028-02-29", 20),
        ("2008-02-29", "2028-02-28", 19), ("2008-12-31", "2026-12-31", 18), ("2009-01-01", "2026-12-31", 17),
        ("2026-11-26", "2026-11-26", 0), ("2026-11-27", "2026-11-26", -1), ("0001-01-01", "9999-12-31", 9998),
        ("1990-08-12", "2026-11-26", 36),
    ])
    func countsWholeYearsAsAnAge(born: String, on: String, years: Int) {
        #expect(CalendarDate(iso: born)!.wholeYears(until: CalendarDate(iso: on)!) == years)
    }

    @Test(arguments: [
        ("2026-11-25", "2026-11-26"), ("2026-11-30", "2026-12-01"), ("2026-12-31", "2027-01-01"),
        ("0001-01-01", "9999-12-31"), ("2024-02-29", "2024-03-01"), ("1999-12-31", "2000-01-01"),
    ])
    func ordersDatesByYearThenMonthThenDay(earlier: String, later: String) {
        let a = CalendarDate(iso: earlier)!
        let b = CalendarDate(iso: later)!
        #expect(a < b)
        #expect(!(b < a))
        #expect(a.daysSince1970 < b.daysSince1970)
    }

    @Test(arguments: [(1, 1, 1, "0001-01-01"), (999, 9, 9, "0999-09-09"), (2026, 11, 26, "2026-11-26")])
    func writesFourDigitYearsAndTwoDigitMonthsAndDays(year: Int, month: Int, day: Int, text: String) throws {
        let date = CalendarDate(year: year, month: month, day: day)!
        #expect(date.description == text)
        #expect(String(decoding: try JSONEncoder().encode(date), as: UTF8.self) == "\"\(text)\"")
    }

    @Test(arguments: ["\"2024-02-30\"", "\"2024-02-29T00:00:00Z\"", "20240229", "null"])
    func refusesToDecodeAnythingButARealDay(json: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(CalendarDate.self, from: Data(json.utf8)) }
    }
}

/// CONTRACT §8: document numbers compare normalized (upper case; spaces, hyphens and `<` removed).
@Suite struct DocumentNumberTests {
    @Test(arguments: [
        ("L898902C3", "L898902C3"),
        ("l898902c3", "L898902C3"),
        ("L898-902-C3", "L898902C3"),
        ("L898 902 C3", "L898902C3"),
        ("L898\t902C3", "L898902C3"),
        ("L898\u{A0}902C3", "L898902C3"),
        ("L898902C3<<", "L898902C3"),
        ("<L<8<9<8<", "L898"),
        (" - < \t", ""),
        ("", ""),
        ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        ("0123456789", "0123456789"),
        ("é12", "é12"),  // only ASCII letters change case
        ("ß12", "ß12"),
        ("Ｌ898", "Ｌ898"),  // a full-width letter is not normalized
        ("L898_902", "L898_902"),  // other punctuation stays
        ("L898.902", "L898.902"),
        ("L898/902", "L898/902"),
        ("L898\n902", "L898\n902"),  // only the listed separators go
        ("L898\u{2009}902", "L898\u{2009}902"),  // a thin space is not among them
        ("L898\u{2010}902", "L898\u{2010}902"),  // nor a Unicode hyphen
    ])
    func normalizesADocumentNumber(number: String, normalized: String) {
        #expect(DocumentNumber.normalized(number) == normalized)
        #expect(DocumentNumber.normalized(normalized) == normalized, "normalizing twice changes nothing")
    }

    @Test(arguments: [
        ("L898902C3", true), ("l898-902-c3", true), ("L898 902 C3", true), ("L898902C4", false), ("L898902C", false),
    ])
    func theConsistencyCheckComparesNormalizedNumbers(number: String, agrees: Bool) {
        let application = exampleApplication { sub, _ in sub.document.number = number }
        let check = CheckSuite().run(application).first { $0.name == .dataConsistency }!
        #expect(check.outcome == (agrees ? .pass : .fail))
        if !agrees { #expect(check.evidence == "disagreeing: document number") }
    }
}
