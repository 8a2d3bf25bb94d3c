import Foundation

/// Why a policy document was refused: which key, and what is wrong with it. Never more than the key.
public struct PolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    public var key: String?
    public var problem: String

    public init(key: String?, problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String {
        self.key.map { "policy: \($0) \(self.problem)" } ?? "policy: \(self.problem)"
    }
}

/// The policy as data: a flat JSON object of dotted keys (the form `kyc.policy_versions` stores), and the
/// text form operators read and import, one `key = JSON value` per line, `#` starting a comment.
///
///     session_window_seconds = 900
///     document_types.id_card = {"all_except": ["US", "GB", "CA", "AU", "NZ"]}
///     four_eyes.reasons = ["suspected_fraud"]
///
/// A key left out keeps its default; an unknown key or a value of the wrong kind is an error.
extension Policy {
    /// Every key, in the order `text` writes them. The database's side of the same list, with defaults and
    /// ranges, is `kyc.policy_keys()` (sql/functions/policy.sql); `RuleOwnerTests.PolicyKeys` pins the two.
    public static let keys: [String] = [
        "session_window_seconds", "attempts_per_day", "attempt_window_seconds", "cooldown_seconds", "minimum_age",
        "face_match.deny_below", "face_match.pass_from", "image.mime_types", "image.max_bytes", "image.min_long_side",
        "image.min_short_side", "document_types.passport", "document_types.id_card", "document_types.drivers_license",
        "reason_precedence", "four_eyes.reasons", "four_eyes.duplicate_approvals", "review.lease_max_seconds",
    ]

    /// The range each whole-number key may take, the `_seconds` keys in seconds: the one statement of these
    /// bounds in Swift, the same as `kyc.policy_keys()`'s, which `kyc.publish_policy` enforces.
    public static let wholeNumberRanges: [String: ClosedRange<Int>] = [
        "session_window_seconds": 1...86_400,
        "attempts_per_day": 1...1000,
        "attempt_window_seconds": 60...(30 * 86_400),
        "cooldown_seconds": 0...(365 * 86_400),
        "minimum_age": 0...150,
        "image.max_bytes": 1...(1 << 40),
        "image.min_long_side": 0...100_000,
        "image.min_short_side": 0...100_000,
        "review.lease_max_seconds": 60...86_400,
    ]

    /// Whether a value read by `JSONSerialization` is JSON `true` or `false`. Foundation reads booleans and
    /// numbers alike as `NSNumber`, and the numbers 0 and 1 cast to `Bool` too, so the class tells them apart.
    static func isJSONBoolean(_ value: Any) -> Bool {
        type(of: value) == Bool.self || type(of: value) == type(of: NSNumber(value: true) as Any)
    }

    /// Whether `text` is a media type's `type/subtype`, each a restricted name of RFC 6838 (a letter or digit,
    /// then up to 126 of letters, digits and `!#$&-^_.+`): the same rule as `kyc.policy_value`'s pattern.
    static func isMediaType(_ text: String) -> Bool {
        let parts = text.unicodeScalars.split(separator: "/", omittingEmptySubsequences: false)
        func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        return parts.count == 2 && parts.allSatisfy { name in
            guard let first = name.first, isAlphanumeric(first), name.count <= 127 else { return false }
            return name.allSatisfy { isAlphanumeric($0) || "!#$&-^_.+".unicodeScalars.contains($0) }
        }
    }

    /// Reads a policy from its JSON object.
    public init(json: String) throws(PolicyError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw PolicyError(key: nil, problem: "must be a JSON object")
        }
        try self.init(settings: object)
    }

    /// Reads a policy from the text form (`key = JSON value` lines).
    public init(text: String) throws(PolicyError) {
        var settings: [String: Any] = [:]
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw PolicyError(key: nil, problem: "line \(number + 1) is not key = value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            settings[key] = try Self.value(String(line[line.index(after: equals)...]), key: key)
        }
        try self.init(settings: settings)
    }

    /// Parses one value written as JSON (a bare word that is not JSON is read as a string).
    static func value(_ text: String, key: String) throws(PolicyError) -> Any {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let value = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed]) {
            return value
        }
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw PolicyError(key: key, problem: "is not a JSON value")
        }
        return trimmed
    }

    /// This policy with one setting changed, its value written as JSON.
    public func setting(_ key: String, to json: String) throws(PolicyError) -> Policy {
        guard var settings = try? JSONSerialization.jsonObject(with: Data(self.json.utf8)) as? [String: Any] else {
            throw PolicyError(key: nil, problem: "cannot be read back")
        }
        settings[key] = try Self.value(json, key: key)
        return try Policy(settings: settings)
    }

    init(settings: [String: Any]) throws(PolicyError) {
        self.init()
        for key in settings.keys where !Self.keys.contains(key) {
            throw PolicyError(key: key, problem: "is not a policy key")
        }
        func seconds(_ key: String) throws(PolicyError) -> Duration? {
            try integer(key).map { .seconds($0) }
        }
        func integer(_ key: String) throws(PolicyError) -> Int? {
            guard let raw = settings[key] else { return nil }
            let range = Self.wholeNumberRanges[key]!
            // Int(exactly:) refuses a fraction and a number past 64 bits, which intValue would wrap into the range.
            guard let number = raw as? NSNumber, !Self.isJSONBoolean(raw), let whole = Int(exactly: number.doubleValue),
                range.contains(whole)
            else { throw PolicyError(key: key, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound)") }
            return whole
        }
        func fraction(_ key: String) throws(PolicyError) -> Double? {
            guard let raw = settings[key] else { return nil }
            guard let number = raw as? NSNumber, !Self.isJSONBoolean(raw), (0...1).contains(number.doubleValue) else {
                throw PolicyError(key: key, problem: "must be a number from 0 to 1")
            }
            return number.doubleValue
        }
        func strings(_ key: String) throws(PolicyError) -> [String]? {
            guard let raw = settings[key] else { return nil }
            guard let list = raw as? [String] else { throw PolicyError(key: key, problem: "must be a list of strings") }
            return list
        }
        func countries(_ key: String, _ list: Any?) throws(PolicyError) -> Set<String> {
            guard let list = list as? [String], list.allSatisfy({ CountryCode($0) != nil }) else {
                throw PolicyError(key: key, problem: "must list ISO 3166-1 alpha-2 countries")
            }
            return Set(list)
        }
        func countryRule(_ key: String) throws(PolicyError) -> CountryRule? {
            guard let raw = settings[key] else { return nil }
            if let word = raw as? String {
                switch word {
                case "all": return .allCountries
                case "none": return .onlyCountries([])
                default: throw PolicyError(key: key, problem: "must be \"all\", \"none\", {\"only\": […]} or {\"all_except\": […]}")
                }
            }
            guard let object = raw as? [String: Any], object.count == 1 else {
                throw PolicyError(key: key, problem: "must be \"all\", \"none\", {\"only\": […]} or {\"all_except\": […]}")
            }
            if let only = object["only"] { return .onlyCountries(try countries(key, only)) }
            if let except = object["all_except"] { return .allCountriesExcept(try countries(key, except)) }
            throw PolicyError(key: key, problem: "must be \"all\", \"none\", {\"only\": […]} or {\"all_except\": […]}")
        }

        if let value = try seconds("session_window_seconds") { self.sessionWindow = value }
        if let value = try integer("attempts_per_day") { self.attemptsPerDay = value }
        if let value = try seconds("attempt_window_seconds") { self.attemptWindow = value }
        if let value = try seconds("cooldown_seconds") { self.cooldown = value }
        if let value = try integer("minimum_age") { self.minimumAge = value }
        if let value = try fraction("face_match.deny_below") { self.faceMatchDeny = value }
        if let value = try fraction("face_match.pass_from") { self.faceMatchPass = value }
        if let value = try strings("image.mime_types") {
            guard !value.isEmpty, value.allSatisfy(Self.isMediaType) else {
                throw PolicyError(key: "image.mime_types", problem: "must list at least one media type, each as type/subtype")
            }
            self.imageMimeTypes = Set(value.map { $0.lowercased() })
        }
        if let value = try integer("image.max_bytes") { self.maximumImageBytes = value }
        if let value = try integer("image.min_long_side") { self.minimumImageLongSide = value }
        if let value = try integer("image.min_short_side") { self.minimumImageShortSide = value }
        for type in DocumentType.allCases {
            if let rule = try countryRule("document_types.\(type.rawValue)") { self.documentTypes[type] = rule }
        }
        if let value = try strings("reason_precedence") {
            let names = value.compactMap(CheckName.init(rawValue:))
            guard names.count == value.count, Set(names) == Set(CheckName.allCases), names.count == CheckName.allCases.count
            else { throw PolicyError(key: "reason_precedence", problem: "must list every check exactly once") }
            self.reasonPrecedence = names
        }
        if let value = try strings("four_eyes.reasons") {
            guard value.allSatisfy({ ReasonCode(rawValue: $0) != nil }) else {
                throw PolicyError(key: "four_eyes.reasons", problem: "must list reason codes")
            }
            self.fourEyesReasons = value.compactMap(ReasonCode.init(rawValue:))
        }
        if let raw = settings["four_eyes.duplicate_approvals"] {
            guard Self.isJSONBoolean(raw), let flag = raw as? Bool else {
                throw PolicyError(key: "four_eyes.duplicate_approvals", problem: "must be true or false")
            }
            self.fourEyesDuplicateApprovals = flag
        }
        if let value = try seconds("review.lease_max_seconds") { self.reviewLeaseMax = value }
        guard self.faceMatchDeny <= self.faceMatchPass else {
            throw PolicyError(key: "face_match.deny_below", problem: "must not be above face_match.pass_from")
        }
    }

    /// Each key with its value as JSON, in `keys` order.
    public var settings: [(key: String, json: String)] {
        func list(_ values: [String]) -> String {
            "[" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        }
        func rule(_ rule: CountryRule?) -> String {
            switch rule ?? .onlyCountries([]) {
            case .allCountries: "\"all\""
            case .onlyCountries(let countries): countries.isEmpty ? "\"none\"" : "{\"only\": \(list(countries.sorted()))}"
            case .allCountriesExcept(let countries): "{\"all_except\": \(list(countries.sorted()))}"
            }
        }
        func number(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
        return [
            ("session_window_seconds", String(self.sessionWindow.components.seconds)),
            ("attempts_per_day", String(self.attemptsPerDay)),
            ("attempt_window_seconds", String(self.attemptWindow.components.seconds)),
            ("cooldown_seconds", String(self.cooldown.components.seconds)),
            ("minimum_age", String(self.minimumAge)),
            ("face_match.deny_below", number(self.faceMatchDeny)),
            ("face_match.pass_from", number(self.faceMatchPass)),
            ("image.mime_types", list(self.imageMimeTypes.sorted())),
            ("image.max_bytes", String(self.maximumImageBytes)),
            ("image.min_long_side", String(self.minimumImageLongSide)),
            ("image.min_short_side", String(self.minimumImageShortSide)),
            ("document_types.passport", rule(self.documentTypes[.passport])),
            ("document_types.id_card", rule(self.documentTypes[.idCard])),
            ("document_types.drivers_license", rule(self.documentTypes[.driversLicense])),
            ("reason_precedence", list(self.reasonPrecedence.map(\.rawValue))),
            ("four_eyes.reasons", list(self.fourEyesReasons.map(\.rawValue))),
            ("four_eyes.duplicate_approvals", self.fourEyesDuplicateApprovals ? "true" : "false"),
            ("review.lease_max_seconds", String(self.reviewLeaseMax.components.seconds)),
        ]
    }

    /// The JSON object `kyc.policy_versions` stores.
    public var json: String {
        "{" + self.settings.map { "\"\($0.key)\": \($0.json)" }.joined(separator: ", ") + "}"
    }

    /// The text form: one `key = value` line per setting.
    public var text: String {
        self.settings.map { "\($0.key) = \($0.json)" }.joined(separator: "\n") + "\n"
    }
}
