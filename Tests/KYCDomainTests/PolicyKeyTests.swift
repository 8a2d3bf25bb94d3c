import Foundation
import Testing

@testable import KYCDomain

/// A policy key's value as an operator types it (`kyc-review policy set KEY VALUE`), and as `policy show`
/// writes it back.
struct AcceptedValue: Sendable, CustomTestStringConvertible {
    var key: String
    var value: String
    var shown: String

    init(_ key: String, _ value: String, shows shown: String? = nil) {
        self.key = key
        self.value = value
        self.shown = shown ?? value
    }

    var testDescription: String { "\(self.key) = \(self.value)" }
}

/// A value a key refuses, and the problem the error states.
struct RefusedValue: Sendable, CustomTestStringConvertible {
    var key: String
    var value: String
    var problem: String
    var errorKey: String?

    init(_ key: String, _ value: String, _ problem: String, errorKey: String? = nil) {
        self.key = key
        self.value = value
        self.problem = problem
        self.errorKey = errorKey ?? key
    }

    var testDescription: String { "\(self.key) = \(self.value)" }
}

/// What a key changes: a probe of some behaviour, under the defaults and with the key set.
struct KeyEffect: Sendable, CustomTestStringConvertible {
    var key: String
    var value: String
    var before: String
    var after: String
    var probe: @Sendable (Policy) -> String

    var testDescription: String { "\(self.key) = \(self.value) turns \(self.before) into \(self.after)" }

    /// The outcome of `check` on the example application adjusted by `adjust`.
    static func outcome(
        of check: CheckName,
        _ adjust: @escaping @Sendable (inout Submission, inout ApplicationUnderCheck) -> Void = { _, _ in }
    ) -> @Sendable (Policy) -> String {
        { policy in
            let application = exampleApplication(adjust)
            return CheckSuite(policy: policy).run(application).first { $0.name == check }!.outcome.rawValue
        }
    }
}

/// Every check name as a JSON string, in declaration order.
let checkNamesJSON = CheckName.allCases.map { "\"\($0.rawValue)\"" }

/// Every key of the policy document (`kyc-review policy show`): its default, the values it accepts at the edges
/// of its range, each kind of value it refuses, and the behaviour it governs.
@Suite struct PolicyKeyTests {
    @Test(arguments: [
        ("session_window_seconds", "900"),
        ("attempts_per_day", "10"),
        ("attempt_window_seconds", "86400"),
        ("cooldown_seconds", "86400"),
        ("minimum_age", "18"),
        ("face_match.deny_below", "0.6"),
        ("face_match.pass_from", "0.9"),
        ("image.mime_types", "[\"image/jpeg\", \"image/png\"]"),
        ("image.max_bytes", "10485760"),
        ("image.min_long_side", "640"),
        ("image.min_short_side", "480"),
        ("document_types.passport", "\"all\""),
        ("document_types.id_card", "{\"all_except\": [\"AU\", \"CA\", \"GB\", \"NZ\", \"US\"]}"),
        ("document_types.drivers_license", "{\"only\": [\"AU\", \"CA\", \"GB\", \"IE\", \"NZ\", \"US\"]}"),
        (
            "reason_precedence",
            "[\"attempt_limit\", \"age\", \"session_window\", \"document_type\", \"image_quality\", \"mrz\", "
                + "\"document_expiry\", \"data_consistency\", \"liveness\", \"face_match\", \"duplicate_document\"]"
        ),
        ("four_eyes.reasons", "[]"),
        ("four_eyes.duplicate_approvals", "false"),
        ("review.lease_max_seconds", "3600"),
    ])
    func eachKeyShowsTheContractsDefault(key: String, shown: String) {
        #expect(Policy().settings.first { $0.key == key }?.json == shown)
    }

    @Test func theKeysAreShownInTheirDocumentedOrder() {
        #expect(Policy().settings.map(\.key) == Policy.keys)
        #expect(Policy.keys.count == 18)
        #expect(Set(Policy.keys).count == Policy.keys.count)
    }

    static let accepted: [AcceptedValue] = [
        .init("session_window_seconds", "1"),
        .init("session_window_seconds", "2"),
        .init("session_window_seconds", "86400"),
        .init("session_window_seconds", "600.0", shows: "600"),
        .init("attempts_per_day", "1"),
        .init("attempts_per_day", "2"),
        .init("attempts_per_day", "1000"),
        .init("attempts_per_day", "1e2", shows: "100"),
        .init("attempt_window_seconds", "60"),
        .init("attempt_window_seconds", "2592000"),
        .init("cooldown_seconds", "0"),
        .init("cooldown_seconds", "2"),
        .init("cooldown_seconds", "31536000"),
        .init("minimum_age", "0"),
        .init("minimum_age", "21"),
        .init("minimum_age", "150"),
        .init("face_match.deny_below", "0"),
        .init("face_match.deny_below", "0.01"),
        .init("face_match.deny_below", "0.9"),
        .init("face_match.pass_from", "1"),
        .init("face_match.pass_from", "0.99"),
        .init("face_match.pass_from", "0.6"),
        .init("image.mime_types", "[\"image/svg+xml\"]"),
        .init("image.mime_types", "[\"IMAGE/PNG\"]", shows: "[\"image/png\"]"),
        .init("image.mime_types", "[\"image/webp\", \"image/jpeg\"]", shows: "[\"image/jpeg\", \"image/webp\"]"),
        .init("image.max_bytes", "1"),
        .init("image.max_bytes", "2"),
        .init("image.max_bytes", "1099511627776"),
        .init("image.min_long_side", "0"),
        .init("image.min_long_side", "100000"),
        .init("image.min_short_side", "0"),
        .init("image.min_short_side", "100000"),
        .init("document_types.passport", "\"none\""),
        .init("document_types.passport", "none", shows: "\"none\""),
        .init("document_types.passport", "{\"only\": []}", shows: "\"none\""),
        .init("document_types.passport", "{\"only\": [\"FR\", \"DE\"]}", shows: "{\"only\": [\"DE\", \"FR\"]}"),
        .init("document_types.id_card", "\"all\""),
        .init("document_types.id_card", "{\"all_except\": []}"),
        .init("document_types.drivers_license", "{\"all_except\": [\"US\"]}"),
        .init("reason_precedence", "[" + checkNamesJSON.reversed().joined(separator: ", ") + "]"),
        .init("four_eyes.reasons", "[\"suspected_fraud\", \"other\"]"),
        .init("four_eyes.reasons", "[\"underage\"]"),
        .init("four_eyes.duplicate_approvals", "true"),
        .init("four_eyes.duplicate_approvals", "false"),
        .init("review.lease_max_seconds", "60"),
        .init("review.lease_max_seconds", "86400"),
    ]

    @Test(arguments: accepted)
    func acceptsAValueWithinItsRangeAndShowsIt(row: AcceptedValue) {
        do {
            let policy = try Policy().setting(row.key, to: row.value)
            #expect(policy.settings.first { $0.key == row.key }?.json == row.shown)
            #expect(try Policy(text: policy.text) == policy)
            #expect(try Policy(json: policy.json) == policy)
        } catch {
            Issue.record("refused: \(error)")
        }
    }

    static func whole(_ low: Int, _ high: Int) -> String { "must be a whole number from \(low) to \(high)" }
    static let fraction = "must be a number from 0 to 1"
    static let list = "must be a list of strings"
    static let rule = "must be \"all\", \"none\", {\"only\": […]} or {\"all_except\": […]}"
    static let countries = "must list ISO 3166-1 alpha-2 countries"
    static let mediaTypes = "must list at least one media type, each as type/subtype"

    static let refused: [RefusedValue] = [
        .init("session_window_seconds", "0", whole(1, 86_400)),
        .init("session_window_seconds", "86401", whole(1, 86_400)),
        .init("session_window_seconds", "900.5", whole(1, 86_400)),
        .init("session_window_seconds", "\"900\"", whole(1, 86_400)),
        .init("session_window_seconds", "true", whole(1, 86_400)),
        .init("session_window_seconds", "null", whole(1, 86_400)),
        .init("session_window_seconds", "[900]", whole(1, 86_400)),
        .init("session_window_seconds", "1e30", whole(1, 86_400)),
        .init("session_window_seconds", "-900", whole(1, 86_400)),
        .init("attempts_per_day", "0", whole(1, 1000)),
        .init("attempts_per_day", "1001", whole(1, 1000)),
        .init("attempts_per_day", "2.5", whole(1, 1000)),
        .init("attempts_per_day", "\"10\"", whole(1, 1000)),
        .init("attempts_per_day", "false", whole(1, 1000)),
        .init("attempts_per_day", "{\"n\": 10}", whole(1, 1000)),
        .init("attempts_per_day", "18446744073709551615", whole(1, 1000)),
        .init("attempt_window_seconds", "59", whole(60, 2_592_000)),
        .init("attempt_window_seconds", "2592001", whole(60, 2_592_000)),
        .init("attempt_window_seconds", "86400.5", whole(60, 2_592_000)),
        .init("cooldown_seconds", "-1", whole(0, 31_536_000)),
        .init("cooldown_seconds", "31536001", whole(0, 31_536_000)),
        .init("cooldown_seconds", "\"1d\"", whole(0, 31_536_000)),
        .init("minimum_age", "-1", whole(0, 150)),
        .init("minimum_age", "151", whole(0, 150)),
        .init("minimum_age", "18.5", whole(0, 150)),
        .init("minimum_age", "eighteen", whole(0, 150)),
        .init("face_match.deny_below", "-0.01", fraction),
        .init("face_match.deny_below", "1.01", fraction),
        .init("face_match.deny_below", "\"0.6\"", fraction),
        .init("face_match.deny_below", "true", fraction),
        .init("face_match.deny_below", "null", fraction),
        .init("face_match.pass_from", "1.5", fraction),
        .init("face_match.pass_from", "-1", fraction),
        .init("face_match.pass_from", "[0.9]", fraction),
        // The two thresholds must stay in order; either way round, the error names deny_below.
        .init("face_match.deny_below", "0.95", "must not be above face_match.pass_from"),
        .init(
            "face_match.pass_from", "0.5", "must not be above face_match.pass_from", errorKey: "face_match.deny_below"),
        .init("image.mime_types", "\"image/png\"", list),
        .init("image.mime_types", "[1]", list),
        .init("image.mime_types", "[null]", list),
        .init("image.mime_types", "{}", list),
        .init("image.mime_types", "[]", mediaTypes),
        .init("image.mime_types", "[\"png\"]", mediaTypes),
        .init("image.mime_types", "[\"image/png\", \"image/\"]", mediaTypes),
        .init("image.mime_types", "[\"image/png/x\"]", mediaTypes),
        .init("image.mime_types", "[\"image png\"]", mediaTypes),
        .init("image.mime_types", "[\"image/pñg\"]", mediaTypes),
        .init("image.max_bytes", "0", whole(1, 1 << 40)),
        .init("image.max_bytes", "1099511627777", whole(1, 1 << 40)),
        .init("image.max_bytes", "\"10 MiB\"", whole(1, 1 << 40)),
        .init("image.min_long_side", "-1", whole(0, 100_000)),
        .init("image.min_long_side", "100001", whole(0, 100_000)),
        .init("image.min_short_side", "-1", whole(0, 100_000)),
        .init("image.min_short_side", "100001", whole(0, 100_000)),
        .init("image.min_short_side", "479.5", whole(0, 100_000)),
        .init("document_types.passport", "\"some\"", rule),
        .init("document_types.passport", "some", rule),
        .init("document_types.passport", "1", rule),
        .init("document_types.passport", "true", rule),
        .init("document_types.passport", "[]", rule),
        .init("document_types.passport", "{}", rule),
        .init("document_types.passport", "{\"neither\": []}", rule),
        .init("document_types.passport", "{\"only\": [\"GB\"], \"all_except\": [\"US\"]}", rule),
        .init("document_types.id_card", "{\"only\": [\"XX\"]}", countries),
        .init("document_types.id_card", "{\"only\": [\"gb\"]}", countries),
        .init("document_types.id_card", "{\"only\": [\"GBR\"]}", countries),
        .init("document_types.id_card", "{\"only\": \"GB\"}", countries),
        .init("document_types.drivers_license", "{\"all_except\": [\"UK\"]}", countries),
        .init("document_types.drivers_license", "{\"all_except\": [1]}", countries),
        .init("reason_precedence", "[\"age\"]", "must list every check exactly once"),
        .init("reason_precedence", "[]", "must list every check exactly once"),
        .init(
            "reason_precedence", "[" + checkNamesJSON.joined(separator: ",") + ",\"age\"]",
            "must list every check exactly once"),
        .init(
            "reason_precedence", "[" + checkNamesJSON.dropLast().joined(separator: ",") + ",\"age\"]",
            "must list every check exactly once"
        ),
        .init(
            "reason_precedence", "[" + checkNamesJSON.joined(separator: ",") + ",\"sanctions\"]",
            "must list every check exactly once"),
        .init("reason_precedence", "\"age\"", list),
        .init("four_eyes.reasons", "[\"nope\"]", "must list reason codes"),
        .init("four_eyes.reasons", "[\"Underage\"]", "must list reason codes"),
        .init("four_eyes.reasons", "\"suspected_fraud\"", list),
        .init("four_eyes.duplicate_approvals", "\"true\"", "must be true or false"),
        .init("four_eyes.duplicate_approvals", "yes", "must be true or false"),
        .init("four_eyes.duplicate_approvals", "null", "must be true or false"),
        .init("four_eyes.duplicate_approvals", "1", "must be true or false"),
        .init("four_eyes.duplicate_approvals", "0", "must be true or false"),
        .init("review.lease_max_seconds", "0", whole(60, 86_400)),
        .init("review.lease_max_seconds", "{}", whole(60, 86_400)),
        .init("no_such_key", "1", "is not a policy key"),
        .init("Attempts_Per_Day", "5", "is not a policy key"),
        .init("attempts_per_day ", "5", "is not a policy key"),
        .init("face_match", "{\"deny_below\": 0.5}", "is not a policy key"),
        .init("document_types.visa", "\"all\"", "is not a policy key"),
        .init("document_types", "{}", "is not a policy key"),
        .init("review.lease_max", "3600", "is not a policy key"),
        .init("four_eyes", "true", "is not a policy key"),
        .init("", "1", "is not a policy key"),
        .init("attempts_per_day", "[1,", "is not a JSON value"),
        .init("attempts_per_day", "ten a day", "is not a JSON value"),
        .init("attempts_per_day", "", "is not a JSON value"),
        .init("image.mime_types", "image/png", "is not a JSON value"),
    ]

    @Test(arguments: refused)
    func refusesABadValueNamingTheKeyAndTheRule(row: RefusedValue) {
        #expect(throws: PolicyError(key: row.errorKey, problem: row.problem)) {
            try Policy().setting(row.key, to: row.value)
        }
    }

    /// A value far past the range, which wraps around to one within it when read as a 64-bit integer, is refused.
    @Test func refusesAWholeNumberPastSixtyFourBitsThatWrapsIntoTheRange() {
        // 2^64 + 600, which a 64-bit read would take for 600 seconds.
        #expect(throws: PolicyError.self) {
            try Policy().setting("session_window_seconds", to: "18446744073709552216")
        }
    }

    static let effects: [KeyEffect] = [
        KeyEffect(
            key: "session_window_seconds", value: "300", before: "pass", after: "fail",
            probe: KeyEffect.outcome(of: .sessionWindow)
        ),
        KeyEffect(
            key: "attempts_per_day", value: "3", before: "pass", after: "fail",
            probe: KeyEffect.outcome(of: .attemptLimit) { _, app in
                app.history.earlierSubmissions = (1...3).map { exampleTime(TimeInterval(-$0 * 3600)) }
            }
        ),
        KeyEffect(
            key: "attempt_window_seconds", value: "3600", before: "fail", after: "pass",
            probe: KeyEffect.outcome(of: .attemptLimit) { _, app in
                app.history.earlierSubmissions = (1...10).map { exampleTime(TimeInterval(-$0 * 3600)) }
            }
        ),
        KeyEffect(
            key: "cooldown_seconds", value: "3600", before: "fail", after: "pass",
            probe: KeyEffect.outcome(of: .attemptLimit) { _, app in
                app.history.recentDenials = (0..<10).map { exampleTime(TimeInterval(-2 * 3600 - $0 * 60)) }
            }
        ),
        KeyEffect(
            key: "minimum_age", value: "21", before: "pass", after: "fail",
            probe: KeyEffect.outcome(of: .age) { sub, _ in sub.basicInfo.dateOfBirth = CalendarDate(iso: "2006-01-01")!
            }
        ),
        KeyEffect(
            key: "face_match.deny_below", value: "0.8", before: "refer", after: "fail",
            probe: KeyEffect.outcome(of: .faceMatch) { sub, _ in sub.faceMatchScore = 0.7 }
        ),
        KeyEffect(
            key: "face_match.pass_from", value: "0.98", before: "pass", after: "refer",
            probe: KeyEffect.outcome(of: .faceMatch)
        ),
        KeyEffect(
            key: "image.mime_types", value: "[\"image/png\"]", before: "pass", after: "fail",
            probe: KeyEffect.outcome(of: .imageQuality)
        ),
        KeyEffect(
            key: "image.max_bytes", value: "400000", before: "pass", after: "fail",
            probe: KeyEffect.outcome(of: .imageQuality)
        ),
        KeyEffect(
            key: "image.min_long_side", value: "2000", before: "pass", after: "fail",
            probe: KeyEffect.outcome(of: .imageQuality)
        ),
        KeyEffect(
            key: "image.min_short_side", value: "1000", before: "pass", after: "fail",
            probe: KeyEffect.outcome(of: .imageQuality)
        ),
        KeyEffect(
            key: "document_types.passport", value: "\"none\"", before: "pass", after: "fail",
            probe: KeyEffect.outcome(of: .documentType)
        ),
        KeyEffect(
            key: "document_types.id_card", value: "{\"only\": [\"GB\"]}", before: "fail", after: "pass",
            probe: KeyEffect.outcome(of: .documentType) { sub, _ in sub.document.type = .idCard }
        ),
        KeyEffect(
            key: "document_types.drivers_license", value: "\"all\"", before: "fail", after: "pass",
            probe: KeyEffect.outcome(of: .documentType) { sub, _ in
                sub.document.type = .driversLicense
                sub.document.issuingCountry = "DE"
            }
        ),
        KeyEffect(
            key: "reason_precedence", value: "[" + checkNamesJSON.reversed().joined(separator: ",") + "]",
            before: "denied:session_expired", after: "denied:liveness_failed",
            probe: { policy in
                let application = exampleApplication { sub, app in
                    sub.liveness = .failed
                    app.sessionStartedAt = app.submittedAt.addingTimeInterval(-3600)
                }
                return verdict(application, policy: policy).0.label
            }
        ),
        KeyEffect(
            key: "four_eyes.reasons", value: "[\"suspected_fraud\"]", before: "", after: "suspected_fraud",
            probe: { policy in policy.fourEyesReasons.map(\.rawValue).joined(separator: ",") }
        ),
        KeyEffect(
            key: "four_eyes.duplicate_approvals", value: "true", before: "false", after: "true",
            probe: { policy in String(policy.fourEyesDuplicateApprovals) }
        ),
        KeyEffect(
            key: "review.lease_max_seconds", value: "600", before: "3600 s", after: "600 s",
            probe: { policy in "\(policy.reviewLeaseMax.components.seconds) s" }
        ),
    ]

    @Test func everyKeyHasARowOfEffect() {
        #expect(Self.effects.map(\.key) == Policy.keys)
    }

    @Test(arguments: effects)
    func eachKeyChangesTheBehaviourItGoverns(effect: KeyEffect) throws {
        #expect(effect.probe(Policy()) == effect.before)
        #expect(effect.probe(try Policy().setting(effect.key, to: effect.value)) == effect.after)
    }

    /// Setting one key leaves every other key as it was.
    @Test(arguments: effects)
    func settingOneKeyLeavesTheOthersAlone(effect: KeyEffect) throws {
        let changed = try Policy().setting(effect.key, to: effect.value).settings
        let defaults = Policy().settings
        for (old, new) in zip(defaults, changed) where old.key != effect.key {
            #expect(old.json == new.json, "\(old.key)")
        }
        #expect(changed.first { $0.key == effect.key }?.json != defaults.first { $0.key == effect.key }?.json)
    }
}

/// The text form operators edit and import, one `key = JSON value` a line.
@Suite struct PolicyTextFormTests {
    @Test(arguments: [
        ("spaces around the key and value", "  attempts_per_day   =   5  ", 5),
        ("a comment and blank lines", "# fewer\n\nattempts_per_day = 5\n\n", 5),
        ("an indented comment", "   # note\nattempts_per_day = 4", 4),
        ("the later of two lines", "attempts_per_day = 5\nattempts_per_day = 6", 6),
        ("a tab before the value", "attempts_per_day =\t7", 7),
        ("nothing but comments", "# all defaults\n", 10),
    ])
    func readsTheTextForm(label: String, text: String, attemptsPerDay: Int) throws {
        #expect(try Policy(text: text).attemptsPerDay == attemptsPerDay, "\(label)")
    }

    @Test(arguments: [
        ("a line without =", "attempts_per_day 5", PolicyError(key: nil, problem: "line 1 is not key = value")),
        ("the line is counted", "# c\n\nnope", PolicyError(key: nil, problem: "line 3 is not key = value")),
        (
            "a comment after the value", "attempts_per_day = 5 # five",
            PolicyError(key: "attempts_per_day", problem: "is not a JSON value")
        ),
        ("an unknown key", "speed = 5", PolicyError(key: "speed", problem: "is not a policy key")),
        (
            "a value out of range", "minimum_age = 200",
            PolicyError(key: "minimum_age", problem: "must be a whole number from 0 to 150")
        ),
    ])
    func refusesABadLineSayingWhichLineOrKey(label: String, text: String, error: PolicyError) {
        #expect(throws: error, "\(label)") { try Policy(text: text) }
    }

    @Test func readsALineEndingInCarriageReturnAndLineFeed() throws {
        let policy = try Policy(text: "attempts_per_day = 5\r\nminimum_age = 21\r\n")
        #expect(policy.attemptsPerDay == 5)
        #expect(policy.minimumAge == 21)
    }

    @Test(arguments: ["[]", "", "null", "1", "not json", "\"attempts_per_day\""])
    func refusesAJSONDocumentThatIsNotAnObject(json: String) {
        #expect(throws: PolicyError(key: nil, problem: "must be a JSON object")) { try Policy(json: json) }
    }

    @Test func readsTheJSONObjectTheDatabaseStores() throws {
        let policy = try Policy(json: "{\"attempts_per_day\": 5, \"document_types.passport\": \"none\"}")
        #expect(policy.attemptsPerDay == 5)
        #expect(policy.documentTypes[.passport] == .onlyCountries([]))
        #expect(throws: PolicyError(key: "speed", problem: "is not a policy key")) {
            try Policy(json: "{\"speed\": 5}")
        }
    }

    @Test func writesTheTextFormOneKeyALine() {
        let lines = Policy().text.split(separator: "\n").map(String.init)
        #expect(lines.count == Policy.keys.count)
        #expect(lines.first == "session_window_seconds = 900")
        #expect(lines.last == "review.lease_max_seconds = 3600")
    }
}
