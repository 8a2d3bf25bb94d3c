import Foundation
import Testing

@testable import KYCDomain

/// Machine-readable zones written the way ICAO Doc 9303 writes them, every check digit computed, so that a table
/// can change one field and still hand the checks a zone that holds.
enum MRZSpecimen {
    /// `text` filled with `<` (or cut) to `length` characters.
    static func field(_ text: String, _ length: Int) -> String {
        String((text + String(repeating: "<", count: length)).prefix(length))
    }

    static func digit(_ text: String) -> String { String(MRZ.checkDigit(text)) }

    /// A TD3 zone (passports): the defaults are the contract's example passport.
    static func td3(
        code: String = "P<",
        state: String = "GBR",
        names: String = "LOVELACE<<ADA",
        number: String = "L898902C3",
        nationality: String = "GBR",
        birth: String = "900812",
        sex: String = "F",
        expiry: String = "310415",
        optional: String = ""
    ) -> String {
        let first = field(code, 2) + field(state, 3) + field(names, 39)
        let numberPart = field(number, 9) + digit(field(number, 9))
        let birthPart = birth + digit(birth)
        let optionalPart = field(optional, 14) + digit(field(optional, 14))
        let expiryPart = expiry + digit(expiry) + optionalPart
        let second =
            numberPart + field(nationality, 3) + birthPart + sex + expiryPart
            + digit(numberPart + birthPart + expiryPart)
        return first + "\n" + second
    }

    /// A TD1 zone (ID cards): the defaults are ICAO's specimen card of Utopia.
    static func td1(
        code: String = "I<",
        state: String = "UTO",
        number: String = "D23145890",
        firstOptional: String = "",
        birth: String = "740812",
        sex: String = "F",
        expiry: String = "120415",
        nationality: String = "UTO",
        secondOptional: String = "",
        names: String = "ERIKSSON<<ANNA<MARIA"
    ) -> String {
        let first =
            field(code, 2) + field(state, 3) + field(number, 9) + digit(field(number, 9))
            + field(firstOptional, 15)
        let birthPart = birth + digit(birth)
        let expiryPart = expiry + digit(expiry)
        let optionalPart = field(secondOptional, 11)
        let composite = digit(String(first.dropFirst(5)) + birthPart + expiryPart + optionalPart)
        let second = birthPart + sex + expiryPart + field(nationality, 3) + optionalPart + composite
        return first + "\n" + second + "\n" + field(names, 30)
    }

    /// A date as the MRZ writes it: YYMMDD.
    static func sixDigits(_ date: CalendarDate) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return two(date.year % 100) + two(date.month) + two(date.day)
    }

    /// The zone a submission's document should carry, agreeing with its document and basic info.
    static func consistent(with submission: Submission) -> String? {
        let document = submission.document
        let info = submission.basicInfo
        let names =
            Transliteration.mrzName(info.lastName).replacingOccurrences(of: " ", with: "<") + "<<"
            + Transliteration.mrzName(info.firstName).replacingOccurrences(of: " ", with: "<")
        switch document.type {
        case .passport:
            return td3(
                state: document.issuingCountry.alpha3, names: names, number: document.number,
                nationality: info.nationality.alpha3, birth: sixDigits(info.dateOfBirth),
                expiry: sixDigits(document.expiryDate)
            )
        case .idCard:
            return td1(
                state: document.issuingCountry.alpha3, number: document.number, birth: sixDigits(info.dateOfBirth),
                expiry: sixDigits(document.expiryDate), nationality: info.nationality.alpha3, names: names
            )
        case .driversLicense:
            return nil
        }
    }
}

/// The instant the contract's example is submitted at: 2026-11-26T10:09:30Z.
let exampleSubmittedAt = Date(timeIntervalSince1970: 1_795_687_770)

/// `exampleSubmittedAt` moved by a number of seconds.
func exampleTime(_ seconds: TimeInterval) -> Date { exampleSubmittedAt.addingTimeInterval(seconds) }

/// One thing wrong with an application, made so that one check (and, where the rules tie them, no other) fails.
///
/// `adjust` changes the facts the MRZ is written from, and the zone is written again after it; `corrupt` runs
/// after that, for faults that are the zone disagreeing with the rest.
struct Fault: Sendable, CustomTestStringConvertible {
    var check: CheckName
    var reason: ReasonCode
    var adjust: @Sendable (inout Submission, inout ApplicationUnderCheck, inout Policy) -> Void = { _, _, _ in }
    var corrupt: @Sendable (inout Submission) -> Void = { _ in }

    var testDescription: String { self.check.rawValue }

    /// The retry rule a first denial for this fault alone tells the applicant.
    var firstDenialRetry: RetryPolicy {
        switch self.reason {
        case .underage: .final
        case .attemptLimit: .after(exampleTime(-10 * 3600 + 86_400))
        default: .attemptsRemaining(9)
        }
    }

    static let sessionWindow = Fault(check: .sessionWindow, reason: .sessionExpired) { _, app, _ in
        app.sessionStartedAt = app.submittedAt.addingTimeInterval(-15 * 60 - 1)
    }
    static let attemptLimit = Fault(check: .attemptLimit, reason: .attemptLimit) { _, app, _ in
        app.history.earlierSubmissions = (1...10).map { exampleTime(TimeInterval(-$0 * 3600)) }
    }
    static let documentType = Fault(check: .documentType, reason: .unsupportedDocument) { _, _, policy in
        policy.documentTypes[.passport] = .onlyCountries([])
    }
    static let imageQuality = Fault(check: .imageQuality, reason: .imageInvalid) { sub, _, _ in
        sub.selfie.mime = "image/gif"
    }
    static let mrz = Fault(check: .mrz, reason: .mrzInvalid, corrupt: { sub in sub.document.mrz = nil })
    static let documentExpiry = Fault(check: .documentExpiry, reason: .documentExpired) { sub, _, _ in
        sub.document.expiryDate = CalendarDate(iso: "2026-11-25")!
    }
    static let dataConsistency = Fault(
        check: .dataConsistency, reason: .infoMismatch, corrupt: { sub in sub.basicInfo.lastName = "Byron" }
    )
    static let age = Fault(check: .age, reason: .underage) { sub, _, _ in
        sub.basicInfo.dateOfBirth = CalendarDate(iso: "2008-11-27")!
    }
    static let liveness = Fault(check: .liveness, reason: .livenessFailed) { sub, _, _ in sub.liveness = .failed }
    static let faceMatch = Fault(check: .faceMatch, reason: .faceMismatch) { sub, _, _ in sub.faceMatchScore = 0.5 }

    /// Every fault, one per check that can fail, in the order of the default reason precedence.
    static let all: [Fault] = [
        .attemptLimit, .age, .sessionWindow, .documentType, .imageQuality, .mrz, .documentExpiry, .dataConsistency,
        .liveness, .faceMatch,
    ]

    static func of(_ check: CheckName) -> Fault { all.first { $0.check == check }! }
}

/// The contract's example application with `faults` applied, and the policy they need.
func application(with faults: [Fault]) -> (ApplicationUnderCheck, Policy) {
    var policy = Policy()
    var application = exampleApplication()
    var submission = application.submission
    for fault in faults { fault.adjust(&submission, &application, &policy) }
    submission.document.mrz = MRZSpecimen.consistent(with: submission)
    for fault in faults { fault.corrupt(&submission) }
    application.submission = submission
    return (application, policy)
}

/// The checks that failed.
func failing(_ results: [CheckResult]) -> Set<CheckName> {
    Set(results.filter { $0.outcome == .fail }.map(\.name))
}

/// Every check passing, but those in `outcomes`, which take the outcome (and, for a failure, the reason) given.
func results(_ outcomes: [CheckName: CheckResult]) -> [CheckResult] {
    CheckName.allCases.map { outcomes[$0] ?? .pass($0, "") }
}

@Suite struct SpecimenZoneTests {
    @Test func theTD3BuilderWritesTheContractsExampleAndICAOsSpecimen() {
        #expect(MRZSpecimen.td3() == MRZTests.contractTD3)
        #expect(
            MRZSpecimen.td3(
                state: "UTO", names: "ERIKSSON<<ANNA<MARIA", nationality: "UTO", birth: "740812", expiry: "120415",
                optional: "ZE184226B"
            ) == MRZTests.utopiaTD3
        )
    }

    @Test func theTD1BuilderWritesICAOsSpecimen() {
        #expect(MRZSpecimen.td1() == MRZTests.utopiaTD1)
    }

    @Test func theExampleApplicationsOwnZoneIsTheConsistentOne() {
        #expect(MRZSpecimen.consistent(with: exampleApplication().submission) == MRZTests.contractTD3)
    }

    @Test(arguments: Fault.all)
    func eachFaultAloneFailsItsOwnCheckOnly(fault: Fault) {
        let (application, policy) = application(with: [fault])
        let checked = CheckSuite(policy: policy).run(application)
        #expect(failing(checked) == [fault.check])
        #expect(checked.first { $0.name == fault.check }?.reason == fault.reason)
        let verdict = Verdict.of(checked, application: application, decidedAt: application.submittedAt, policy: policy)
        #expect(verdict == .deny(fault.reason, fault.firstDenialRetry))
    }
}
