import Foundation
import Testing

@testable import KYCDomain

/// One check's outcome on the example application changed one way.
struct CheckCase: Sendable, CustomTestStringConvertible {
    var label: String
    var check: CheckName
    var outcome: CheckOutcome
    /// Text the evidence must contain, when the row pins it.
    var evidence: String?
    var adjust: @Sendable (inout Submission, inout ApplicationUnderCheck) -> Void

    init(
        _ label: String,
        _ check: CheckName,
        _ outcome: CheckOutcome,
        evidence: String? = nil,
        _ adjust: @escaping @Sendable (inout Submission, inout ApplicationUnderCheck) -> Void
    ) {
        self.label = label
        self.check = check
        self.outcome = outcome
        self.evidence = evidence
        self.adjust = adjust
    }

    var testDescription: String { "\(self.check.rawValue): \(self.label) → \(self.outcome.rawValue)" }
}

func image(
    _ side: Submission.Side?, mime: String = "image/jpeg", bytes: Int = 100_000, width: Int = 1920, height: Int = 1080
) -> Submission.Image {
    Submission.Image(side: side, ref: "r", sha256: "", mime: mime, bytes: bytes, width: width, height: height)
}

/// CONTRACT §3, check by check: each rule at its edges, on the example application with one thing changed.
@Suite struct CheckRuleTests {
    static let sessionWindow: [CheckCase] = [
        .init("a session of no time", .sessionWindow, .pass) { _, a in a.sessionStartedAt = a.submittedAt },
        .init("9m 30s", .sessionWindow, .pass, evidence: "session lasted 9m 30s; limit 15m 0s") { _, _ in },
        .init("14m 59s", .sessionWindow, .pass) { _, a in a.sessionStartedAt = a.submittedAt.addingTimeInterval(-899) },
        .init("exactly 15m", .sessionWindow, .pass) { _, a in
            a.sessionStartedAt = a.submittedAt.addingTimeInterval(-900)
        },
        .init("15m and half a second", .sessionWindow, .fail, evidence: "session lasted 15m 0s; limit 15m 0s") { _, a in
            a.sessionStartedAt = a.submittedAt.addingTimeInterval(-900.5)
        },
        .init("15m 1s", .sessionWindow, .fail) { _, a in a.sessionStartedAt = a.submittedAt.addingTimeInterval(-901) },
        .init("a day", .sessionWindow, .fail, evidence: "session lasted 1440m 0s") { _, a in
            a.sessionStartedAt = a.submittedAt.addingTimeInterval(-86_400)
        },
        .init("a start after the submission", .sessionWindow, .pass) { _, a in
            a.sessionStartedAt = a.submittedAt.addingTimeInterval(60)
        },
    ]

    static let documentExpiry: [CheckCase] = [
        .init("expiring years later", .documentExpiry, .pass) { _, _ in },
        .init("expiring on the submission day", .documentExpiry, .pass) { s, _ in
            s.document.expiryDate = CalendarDate(iso: "2026-11-26")!
        },
        .init("expired the day before", .documentExpiry, .fail, evidence: "expiry date is before the submission date") {
            s, _ in s.document.expiryDate = CalendarDate(iso: "2026-11-25")!
        },
        .init("expiring the day after", .documentExpiry, .pass) { s, _ in
            s.document.expiryDate = CalendarDate(iso: "2026-11-27")!
        },
        .init("expiring on the submission day, submitted a second before midnight", .documentExpiry, .pass) { s, a in
            s.document.expiryDate = CalendarDate(iso: "2026-11-26")!
            a.submittedAt = Date(timeIntervalSince1970: 1_795_737_599)
        },
        .init("expiring on the submission day, submitted at the next midnight", .documentExpiry, .fail) { s, a in
            s.document.expiryDate = CalendarDate(iso: "2026-11-26")!
            a.submittedAt = Date(timeIntervalSince1970: 1_795_737_600)
        },
        .init("received the day after it expired", .documentExpiry, .fail) { s, a in
            s.document.expiryDate = CalendarDate(iso: "2026-11-26")!
            a.receivedAt = a.submittedAt.addingTimeInterval(86_400)
        },
        .init("expiring in 9999", .documentExpiry, .pass) { s, _ in
            s.document.expiryDate = CalendarDate(iso: "9999-12-31")!
        },
        .init("expired in 0001", .documentExpiry, .fail) { s, _ in
            s.document.expiryDate = CalendarDate(iso: "0001-01-01")!
        },
    ]

    static let age: [CheckCase] = [
        .init("36 years old", .age, .pass, evidence: "at least 18 at submission") { _, _ in },
        .init("18 today", .age, .pass) { s, _ in s.basicInfo.dateOfBirth = CalendarDate(iso: "2008-11-26")! },
        .init("18 tomorrow", .age, .fail, evidence: "under 18 at submission") { s, _ in
            s.basicInfo.dateOfBirth = CalendarDate(iso: "2008-11-27")!
        },
        .init("18 yesterday", .age, .pass) { s, _ in s.basicInfo.dateOfBirth = CalendarDate(iso: "2008-11-25")! },
        .init("born after the submission", .age, .fail) { s, _ in
            s.basicInfo.dateOfBirth = CalendarDate(iso: "2026-11-27")!
        },
        .init("born in 0001", .age, .pass) { s, _ in s.basicInfo.dateOfBirth = CalendarDate(iso: "0001-01-01")! },
        .init("18 by intake's time, 17 by the claimed time", .age, .fail) { s, a in
            // Age is judged at the claimed submission time: backdating can only make an applicant younger.
            s.basicInfo.dateOfBirth = CalendarDate(iso: "2008-11-27")!
            a.receivedAt = a.submittedAt.addingTimeInterval(86_400)
        },
        .init("born on 29 February, the 28th of a common year", .age, .fail) { s, a in
            s.basicInfo.dateOfBirth = CalendarDate(iso: "2008-02-29")!
            a.submittedAt = Date(timeIntervalSince1970: 1_772_280_000)  // 2026-02-28T12:00:00Z
            a.sessionStartedAt = a.submittedAt
        },
        .init("born on 29 February, the 1st of March of a common year", .age, .pass) { s, a in
            s.basicInfo.dateOfBirth = CalendarDate(iso: "2008-02-29")!
            a.submittedAt = Date(timeIntervalSince1970: 1_772_366_400)  // 2026-03-01T12:00:00Z
            a.sessionStartedAt = a.submittedAt
        },
    ]

    static let imageQuality: [CheckCase] = [
        .init("a passport with a front image", .imageQuality, .pass, evidence: "2 images acceptable") { _, _ in },
        .init("a passport without images", .imageQuality, .fail, evidence: "no front image of the document") { s, _ in
            s.document.images = []
        },
        .init("a passport with only a back image", .imageQuality, .fail) { s, _ in s.document.images = [image(.back)] },
        .init("a passport image of no side", .imageQuality, .fail) { s, _ in s.document.images = [image(nil)] },
        .init("a passport with front and back", .imageQuality, .pass) { s, _ in
            s.document.images = [image(.front), image(.back)]
        },
        .init("an ID card with front and back", .imageQuality, .pass) { s, _ in
            s.document.type = .idCard
            s.document.images = [image(.back), image(.front)]
        },
        .init("an ID card without a back", .imageQuality, .fail, evidence: "no back image of the document") { s, _ in
            s.document.type = .idCard
        },
        .init("a driving licence without a front", .imageQuality, .fail, evidence: "no front image") { s, _ in
            s.document.type = .driversLicense
            s.document.images = [image(.back)]
        },
        .init("a driving licence with front and back", .imageQuality, .pass) { s, _ in
            s.document.type = .driversLicense
            s.document.images = [image(.front), image(.back)]
        },
        .init("a PNG selfie", .imageQuality, .pass) { s, _ in s.selfie.mime = "image/png" },
        .init("an upper-case mime type", .imageQuality, .pass) { s, _ in s.selfie.mime = "IMAGE/JPEG" },
        .init("image/jpg", .imageQuality, .fail, evidence: "selfie is not JPEG or PNG") { s, _ in
            s.selfie.mime = "image/jpg"
        },
        .init("a GIF", .imageQuality, .fail) { s, _ in s.selfie.mime = "image/gif" },
        .init("a mime type with parameters", .imageQuality, .fail) { s, _ in s.selfie.mime = "image/jpeg; q=1" },
        .init("no mime type", .imageQuality, .fail) { s, _ in s.selfie.mime = "" },
        .init("a GIF document image", .imageQuality, .fail, evidence: "document image 1 is not JPEG or PNG") { s, _ in
            s.document.images[0].mime = "image/gif"
        },
        .init("an empty file", .imageQuality, .fail, evidence: "selfie size 0 bytes is outside 1…10485760") { s, _ in
            s.selfie.bytes = 0
        },
        .init("one byte", .imageQuality, .pass) { s, _ in s.selfie.bytes = 1 },
        .init("a negative size", .imageQuality, .fail) { s, _ in s.selfie.bytes = -1 },
        .init("exactly 10 MiB", .imageQuality, .pass) { s, _ in s.selfie.bytes = 10_485_760 },
        .init("10 MiB and a byte", .imageQuality, .fail) { s, _ in s.selfie.bytes = 10_485_761 },
        .init("exactly 640 × 480", .imageQuality, .pass) { s, _ in (s.selfie.width, s.selfie.height) = (640, 480) },
        .init("portrait 480 × 640", .imageQuality, .pass) { s, _ in (s.selfie.width, s.selfie.height) = (480, 640) },
        .init("639 × 480", .imageQuality, .fail, evidence: "selfie is 639×480, below 640×480") { s, _ in
            (s.selfie.width, s.selfie.height) = (639, 480)
        },
        .init("640 × 479", .imageQuality, .fail) { s, _ in (s.selfie.width, s.selfie.height) = (640, 479) },
        .init("479 × 640", .imageQuality, .fail) { s, _ in (s.selfie.width, s.selfie.height) = (479, 640) },
        .init("wide but short, 4000 × 479", .imageQuality, .fail) { s, _ in
            (s.selfie.width, s.selfie.height) = (4000, 479)
        },
        .init("no pixels", .imageQuality, .fail) { s, _ in (s.selfie.width, s.selfie.height) = (0, 0) },
        .init(
            "every fault at once, each named", .imageQuality, .fail, evidence: "selfie is not JPEG or PNG; selfie size"
        ) {
            s, _ in s.selfie = image(nil, mime: "image/gif", bytes: 0, width: 1, height: 1)
        },
    ]

    static let liveness: [CheckCase] = [
        .init("passed", .liveness, .pass) { s, _ in s.liveness = .passed },
        .init("failed", .liveness, .fail, evidence: "liveness failed") { s, _ in s.liveness = .failed },
        .init("inconclusive", .liveness, .refer, evidence: "liveness inconclusive") { s, _ in s.liveness = .inconclusive
        },
        .init("missing", .liveness, .refer, evidence: "no liveness result") { s, _ in s.liveness = nil },
    ]

    static let faceMatch: [CheckCase] = [
        .init("missing", .faceMatch, .refer, evidence: "no face match score") { s, _ in s.faceMatchScore = nil },
        .init("not a number", .faceMatch, .refer) { s, _ in s.faceMatchScore = .nan },
        .init("infinite", .faceMatch, .refer) { s, _ in s.faceMatchScore = .infinity },
        .init("minus infinity", .faceMatch, .refer) { s, _ in s.faceMatchScore = -.infinity },
        .init("negative", .faceMatch, .fail) { s, _ in s.faceMatchScore = -0.1 },
        .init("0", .faceMatch, .fail) { s, _ in s.faceMatchScore = 0 },
        .init("0.5999", .faceMatch, .fail, evidence: "score below 0.6") { s, _ in s.faceMatchScore = 0.5999 },
        .init("0.60", .faceMatch, .refer, evidence: "score between 0.6 and 0.9") { s, _ in s.faceMatchScore = 0.60 },
        .init("0.75", .faceMatch, .refer) { s, _ in s.faceMatchScore = 0.75 },
        .init("0.8999", .faceMatch, .refer) { s, _ in s.faceMatchScore = 0.8999 },
        .init("0.90", .faceMatch, .pass, evidence: "score at least 0.9") { s, _ in s.faceMatchScore = 0.90 },
        .init("1", .faceMatch, .pass) { s, _ in s.faceMatchScore = 1 },
        .init("above 1", .faceMatch, .pass) { s, _ in s.faceMatchScore = 1.5 },
    ]

    static let duplicateDocument: [CheckCase] = [
        .init("on no other account", .duplicateDocument, .pass) { _, a in a.history.duplicateDocuments = 0 },
        .init("on one other account", .duplicateDocument, .refer, evidence: "on 1 other account(s)") { _, a in
            a.history.duplicateDocuments = 1
        },
        .init("on five other accounts", .duplicateDocument, .refer) { _, a in a.history.duplicateDocuments = 5 },
    ]

    static let mrz: [CheckCase] = [
        .init("a passport's zone that holds", .mrz, .pass, evidence: "every check digit holds") { _, _ in },
        .init("a passport without a zone", .mrz, .fail, evidence: "machine-readable zone missing") { s, _ in
            s.document.mrz = nil
        },
        .init("a passport with an ID card's zone", .mrz, .fail, evidence: "two lines of 44 characters") { s, _ in
            s.document.mrz = MRZTests.utopiaTD1
        },
        .init("a passport zone with a wrong digit", .mrz, .fail, evidence: "check digit of the date of birth") {
            s, _ in
            s.document.mrz = nextDigit(MRZTests.contractTD3, line: 2, position: 19)
        },
        .init("an ID card's zone that holds", .mrz, .pass) { s, _ in
            s.document.type = .idCard
            s.document.mrz = MRZTests.utopiaTD1
        },
        .init("an ID card with a passport's zone", .mrz, .fail) { s, _ in s.document.type = .idCard },
        .init("an ID card without a zone", .mrz, .fail) { s, _ in
            s.document.type = .idCard
            s.document.mrz = nil
        },
        .init("a driving licence without a zone", .mrz, .skip) { s, _ in
            s.document.type = .driversLicense
            s.document.mrz = nil
        },
        .init("a driving licence with a broken zone", .mrz, .skip) { s, _ in
            s.document.type = .driversLicense
            s.document.mrz = "nonsense"
        },
    ]

    static let dataConsistency: [CheckCase] = [
        .init("everything agrees", .dataConsistency, .pass, evidence: "MRZ, document and basic info agree") { _, _ in },
        .init("the number", .dataConsistency, .fail, evidence: "disagreeing: document number") { s, _ in
            s.document.number = "L898902C4"
        },
        .init("the date of birth", .dataConsistency, .fail, evidence: "disagreeing: date of birth") { s, _ in
            s.basicInfo.dateOfBirth = CalendarDate(iso: "1990-08-13")!
        },
        .init("the century of birth", .dataConsistency, .pass) { s, _ in
            s.basicInfo.dateOfBirth = CalendarDate(iso: "1890-08-12")!
        },
        .init("the expiry date", .dataConsistency, .fail, evidence: "disagreeing: expiry date") { s, _ in
            s.document.expiryDate = CalendarDate(iso: "2031-04-16")!
        },
        .init("the nationality", .dataConsistency, .fail, evidence: "disagreeing: nationality") { s, _ in
            s.basicInfo.nationality = "IE"
        },
        .init("the issuing country", .dataConsistency, .fail, evidence: "disagreeing: issuing country") { s, _ in
            s.document.issuingCountry = "IE"
        },
        .init("the last name", .dataConsistency, .fail, evidence: "disagreeing: last name") { s, _ in
            s.basicInfo.lastName = "Byron"
        },
        .init("the first name", .dataConsistency, .fail, evidence: "disagreeing: first name") { s, _ in
            s.basicInfo.firstName = "Augusta"
        },
        .init(
            "every field, in a fixed order", .dataConsistency, .fail,
            evidence: "disagreeing: document number, date of birth, expiry date, nationality, issuing country, "
                + "last name, first name"
        ) { s, _ in
            s.document.number = "X1"
            s.basicInfo.dateOfBirth = CalendarDate(iso: "1991-08-12")!
            s.document.expiryDate = CalendarDate(iso: "2032-04-15")!
            s.basicInfo.nationality = "FR"
            s.document.issuingCountry = "FR"
            s.basicInfo.lastName = "Byron"
            s.basicInfo.firstName = "Augusta"
        },
        .init("names in other case", .dataConsistency, .pass) { s, _ in
            s.basicInfo.lastName = "LOVELACE"
            s.basicInfo.firstName = "ada"
        },
        .init("a British dependent territories citizen", .dataConsistency, .pass) { s, _ in
            s.document.mrz = MRZSpecimen.td3(nationality: "GBD")
        },
        .init("Germany written D", .dataConsistency, .pass) { s, _ in
            s.basicInfo.nationality = "DE"
            s.document.issuingCountry = "DE"
            s.document.mrz = MRZSpecimen.td3(state: "D<<", nationality: "D<<")
        },
        .init("the specimen state Utopia", .dataConsistency, .fail, evidence: "nationality, issuing country") { s, _ in
            s.document.mrz = MRZSpecimen.td3(state: "UTO", nationality: "UTO")
        },
        .init("a number written with fillers in the zone", .dataConsistency, .pass) { s, _ in
            s.document.number = "AB123"
            s.document.mrz = MRZSpecimen.td3(number: "AB123")
        },
        .init("no zone to compare", .dataConsistency, .skip, evidence: "no verified machine-readable zone") { s, _ in
            s.document.mrz = nil
        },
        .init("a zone that does not hold", .dataConsistency, .skip) { s, _ in
            s.document.mrz = nextDigit(MRZTests.contractTD3, line: 2, position: 43)
        },
        .init("an ID card's zone", .dataConsistency, .pass) { s, _ in
            s.document.type = .idCard
            s.document.number = "D23145890"
            s.document.mrz = MRZSpecimen.td1(state: "GBR", nationality: "GBR", names: "LOVELACE<<ADA")
            s.basicInfo.dateOfBirth = CalendarDate(iso: "1974-08-12")!
            s.document.expiryDate = CalendarDate(iso: "2012-04-15")!
        },
    ]

    @Test(
        arguments: sessionWindow + documentExpiry + age + imageQuality + liveness + faceMatch + duplicateDocument + mrz
            + dataConsistency
    )
    func eachCheckDecidesAtItsEdges(row: CheckCase) {
        let application = exampleApplication(row.adjust)
        let result = CheckSuite().run(application).first { $0.name == row.check }!
        #expect(result.outcome == row.outcome)
        #expect((result.reason != nil) == (row.outcome == .fail), "only a failure carries a reason")
        if let evidence = row.evidence {
            #expect(result.evidence.contains(evidence), "\(result.evidence)")
        }
    }

    /// The policy's image types → the evidence for a GIF selfie: it names the types the policy accepts.
    static let imageTypeEvidence: [(Set<String>, String)] = [
        (["image/jpeg", "image/png"], "selfie is not JPEG or PNG"),
        (["image/png"], "selfie is not PNG"),
        (["image/png", "image/webp", "image/jpeg"], "selfie is not JPEG, PNG or WebP"),
        (["image/tiff", "image/png"], "selfie is not PNG or image/tiff"),
    ]

    @Test(arguments: Self.imageTypeEvidence)
    func theImageTypeEvidenceNamesThePolicysTypes(types: Set<String>, evidence: String) {
        var policy = Policy()
        policy.imageMimeTypes = types
        let application = exampleApplication { s, _ in s.selfie.mime = "image/gif" }
        let result = CheckSuite(policy: policy).run(application).first { $0.name == .imageQuality }!
        #expect(result.outcome == .fail)
        #expect(result.evidence.contains(evidence), "\(result.evidence)")
    }

    @Test(arguments: [
        ("LOVELACE", "Lovelace", false, true),
        ("LOVELACE", "Love-lace", false, false),
        ("LOVE LACE", "Love-lace", false, true),
        ("MUELLER", "Müller", false, true),
        ("MULLER", "Müller", false, true),
        ("MUELLER", "Mueller", false, true),
        ("MULLER", "Mueller", false, false),
        ("JEAN PIERRE", "Jean-Pierre", false, true),
        ("JEAN PIERRE", "Jean Pierre", false, true),
        ("OBRIEN", "O'Brien", false, true),
        ("LOVELAC", "Lovelace", false, false),
        ("LOVELAC", "Lovelace", true, true),
        ("LOVELACEX", "Lovelace", true, false),
        ("", "Ada", true, false),
        ("", "", false, true),
        ("ADA", "Ada Augusta", false, false),
        ("ADA AUGUSTA", "Ada  Augusta", false, true),
        ("ADA", "  Ada ", false, true),
        ("AANGSTROEM", "Ångström", false, true),
        ("ANGSTROM", "Ångström", false, true),
        ("STRASSE", "Straße", false, true),
        ("PENA", "Peña", false, true),
        ("LUKASZ", "Łukasz", false, true),
        ("DZURO", "Ǆuro", false, true),
    ])
    func comparesNamesAfterTransliterationAndTruncation(mrz: String, given: String, truncatable: Bool, matches: Bool) {
        #expect(CheckSuite.nameMatches(mrz: mrz, given: given, truncatable: truncatable) == matches)
    }
}

/// CONTRACT §3: which document types each issuing country may use.
@Suite struct DocumentTypeRuleTests {
    @Test(arguments: [
        ("US", true, false, true), ("GB", true, false, true), ("CA", true, false, true), ("AU", true, false, true),
        ("NZ", true, false, true), ("IE", true, true, true), ("DE", true, true, false), ("FR", true, true, false),
        ("JP", true, true, false), ("BR", true, true, false), ("IN", true, true, false), ("ZA", true, true, false),
        ("MX", true, true, false), ("NG", true, true, false), ("CN", true, true, false), ("PR", true, true, false),
        ("GU", true, true, false), ("JE", true, true, false), ("GG", true, true, false), ("IM", true, true, false),
        ("AQ", true, true, false), ("VA", true, true, false),
    ])
    func acceptsEachDocumentTypeFromTheCountriesTheContractNames(
        country: String, passport: Bool, idCard: Bool, drivingLicence: Bool
    ) {
        for (type, accepted) in [
            (DocumentType.passport, passport), (.idCard, idCard), (.driversLicense, drivingLicence),
        ] {
            let application = exampleApplication { sub, _ in
                sub.document.type = type
                sub.document.issuingCountry = CountryCode(country)!
            }
            let result = CheckSuite().documentType(application.submission.document)
            #expect(result.outcome == (accepted ? .pass : .fail), "\(type.rawValue)")
            #expect(result.reason == (accepted ? nil : .unsupportedDocument))
            #expect(
                result.evidence == "\(type.rawValue) issued by \(country) is \(accepted ? "accepted" : "not accepted")")
        }
    }

    static let everyCountry = CountryCode.alpha3ByAlpha2.keys.sorted()

    @Test func thereAre249Countries() {
        #expect(Self.everyCountry.count == 249)
    }

    /// Every ISO country: passports everywhere, ID cards except from five, driving licences from six only; and the
    /// ICAO code of each reads back as the country.
    @Test(arguments: everyCountry)
    func followsTheContractForEveryCountry(alpha2: String) {
        let country = CountryCode(alpha2)!
        let rules = Policy().documentTypes
        #expect(rules[.passport]!.accepts(country))
        #expect(rules[.idCard]!.accepts(country) == !["US", "GB", "CA", "AU", "NZ"].contains(alpha2))
        #expect(rules[.driversLicense]!.accepts(country) == ["US", "CA", "AU", "NZ", "GB", "IE"].contains(alpha2))
        #expect(country.alpha3.count == 3)
        #expect(CountryCode(icaoCode: country.alpha3) == country)
    }

    @Test(arguments: [
        (Policy.CountryRule.allCountries, "GB", true),
        (.onlyCountries([]), "GB", false),
        (.onlyCountries(["GB"]), "GB", true),
        (.onlyCountries(["GB"]), "IE", false),
        (.allCountriesExcept([]), "GB", true),
        (.allCountriesExcept(["GB"]), "GB", false),
        (.allCountriesExcept(["GB"]), "IE", true),
    ])
    func aCountryRuleAcceptsWhatItNames(rule: Policy.CountryRule, alpha2: String, accepts: Bool) {
        #expect(rule.accepts(CountryCode(alpha2)!) == accepts)
    }
}

/// ISO 3166-1 alpha-2 codes and ICAO 9303's three-letter codes.
@Suite struct CountryCodeTests {
    @Test(arguments: [
        ("GB", true), ("DE", true), ("US", true), ("AQ", true), ("SS", true), ("BQ", true), ("CW", true),
        ("SX", true), ("TW", true), ("PS", true), ("UK", false), ("gb", false), ("Gb", false), ("EU", false),
        ("XK", false), ("AN", false), ("YU", false), ("GBR", false), ("G", false), ("", false), ("ZZ", false),
    ])
    func knowsTheAssignedAlpha2Codes(alpha2: String, assigned: Bool) {
        #expect((CountryCode(alpha2) != nil) == assigned)
    }

    @Test(
        arguments: [
            ("GBR", "GB"), ("DEU", "DE"), ("USA", "US"), ("NLD", "NL"), ("D", "DE"), ("D<<", "DE"), ("GBD", "GB"),
            ("GBN", "GB"), ("GBO", "GB"), ("GBP", "GB"), ("GBS", "GB"), ("UTO", nil), ("UNO", nil), ("UNA", nil),
            ("XXA", nil), ("XXB", nil), ("XXC", nil), ("XXX", nil), ("EUE", nil), ("XOM", nil), ("XPO", nil),
            ("XCC", nil), ("XBT", nil), ("XEC", nil),
            // ICAO's codes for Kosovo map to XK, which is no assigned ISO code: they name no country here.
            ("RKS", nil), ("UNK", nil),
            ("gbr", nil), ("ZZZ", nil), ("<<<", nil), ("", nil), ("GB", nil), ("GB<", nil),
        ] as [(String, String?)])
    func mapsICAOCodesToISOCountries(icao: String, alpha2: String?) {
        #expect(CountryCode(icaoCode: icao)?.alpha2 == alpha2)
    }

    @Test(arguments: [("\"GB\"", "GB"), ("\"DE\"", "DE")])
    func decodesAnAssignedCode(json: String, alpha2: String) throws {
        #expect(try JSONDecoder().decode(CountryCode.self, from: Data(json.utf8)).alpha2 == alpha2)
    }

    @Test(arguments: ["\"UK\"", "\"gb\"", "\"GBR\"", "1", "null"])
    func refusesToDecodeAnythingElse(json: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(CountryCode.self, from: Data(json.utf8)) }
    }
}
