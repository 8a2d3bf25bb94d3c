public import Foundation

/// An application as the check worker sees it: the submission and the facts around it.
public struct ApplicationUnderCheck: Sendable {
    public var id: Int64
    public var submission: Submission
    public var sessionStartedAt: Date
    public var submittedAt: Date
    /// When intake received it: what attempt limits and cooldowns count by (CONTRACT §8), so that a claimed
    /// `submittedAt` can neither hide nor invent attempts. The history's times are intake's too.
    public var receivedAt: Date
    public var history: AttemptHistory

    public init(
        id: Int64,
        submission: Submission,
        sessionStartedAt: Date,
        submittedAt: Date,
        receivedAt: Date? = nil,
        history: AttemptHistory
    ) {
        self.id = id
        self.submission = submission
        self.sessionStartedAt = sessionStartedAt
        self.submittedAt = submittedAt
        self.receivedAt = receivedAt ?? submittedAt
        self.history = history
    }
}

/// Why the automated checks cannot evaluate an application: a stored value that cannot be read, or one outside
/// what the checks can reason about. The reason names the field, never its value, so it may be logged and
/// audited. The application goes to a person on its own (CONTRACT §8); the rest of its batch is decided as
/// usual.
public struct Unevaluable: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "Unevaluable(\(self.reason))" }
}

extension ApplicationUnderCheck {
    /// The instants the checks reason about: the years 0001 to 9999, those of RFC 3339 and of every date an
    /// applicant is told. PostgreSQL stores years from 4714 BC to 294276 AD, and a time zone can carry a
    /// submission just past either end (`9999-12-31T23:59:59-14:00` is year 10000): such a time would give a
    /// session of centuries or an applicant not yet born, so it is a person's to judge, not a rule's.
    public static let evaluableInstants: Range<Date> =
        Date(timeIntervalSince1970: -62_135_596_800)..<Date(timeIntervalSince1970: 253_402_300_800)

    /// Throws when the checks cannot evaluate this application: its submission or session time lies outside
    /// `evaluableInstants`.
    public func requireEvaluable() throws(Unevaluable) {
        guard Self.evaluableInstants.contains(self.submittedAt) else {
            throw Unevaluable("submitted_at is outside the years 0001 to 9999")
        }
        guard Self.evaluableInstants.contains(self.sessionStartedAt) else {
            throw Unevaluable("session_started_at is outside the years 0001 to 9999")
        }
    }
}

/// Runs every automated check of CONTRACT §3 on one application. Pure: the same application, history,
/// policy and decision time give the same results.
public struct CheckSuite: Sendable {
    public let policy: Policy

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Every check's result, in contract order.
    public func run(_ application: ApplicationUnderCheck) -> [CheckResult] {
        let submission = application.submission
        let mrz = self.readMRZ(submission.document)
        return [
            self.sessionWindow(application),
            self.attemptLimit(application),
            self.documentType(submission.document),
            // Valid at the claimed time and when intake received it: a submission dated back (by up to the 24 h
            // intake allows) cannot make an expired document look valid (CONTRACT §8).
            self.documentExpiry(submission.document, submittedAt: max(application.submittedAt, application.receivedAt)),
            self.imageQuality(submission),
            self.mrzCheck(mrz),
            self.dataConsistency(submission, mrz: mrz),
            self.age(submission.basicInfo, submittedAt: application.submittedAt),
            self.liveness(submission.liveness),
            self.faceMatch(submission.faceMatchScore),
            self.duplicateDocument(application.history),
        ]
    }

    func sessionWindow(_ application: ApplicationUnderCheck) -> CheckResult {
        let elapsed = application.submittedAt.timeIntervalSince(application.sessionStartedAt)
        let limit = TimeInterval(self.policy.sessionWindow.components.seconds)
        let evidence = "session lasted \(Self.minutesAndSeconds(elapsed)); limit \(Self.minutesAndSeconds(limit))"
        return elapsed > limit ? .fail(.sessionWindow, .sessionExpired, evidence) : .pass(.sessionWindow, evidence)
    }

    func attemptLimit(_ application: ApplicationUnderCheck) -> CheckResult {
        let limit = AttemptLimit(policy: self.policy)
        let earlier = application.history.earlierSubmissions.count
        if let until = limit.blockedUntil(submittedAt: application.receivedAt, history: application.history) {
            return .fail(
                .attemptLimit,
                .attemptLimit,
                "\(earlier) earlier attempts in \(Self.window(self.policy.attemptWindow)), "
                    + "\(application.history.recentDenials.count) recent denials; "
                    + "blocked until \(RetryTime.format(until))"
            )
        }
        let window = Self.window(self.policy.attemptWindow)
        return .pass(.attemptLimit, "\(earlier) earlier attempts in \(window); limit \(self.policy.attemptsPerDay)")
    }

    func documentType(_ document: Submission.Document) -> CheckResult {
        let rule = self.policy.documentTypes[document.type] ?? .onlyCountries([])
        let evidence = "\(document.type.rawValue) issued by \(document.issuingCountry)"
        return rule.accepts(document.issuingCountry)
            ? .pass(.documentType, evidence + " is accepted")
            : .fail(.documentType, .unsupportedDocument, evidence + " is not accepted")
    }

    func documentExpiry(_ document: Submission.Document, submittedAt: Date) -> CheckResult {
        let day = CalendarDate(utcDayOf: submittedAt)
        return document.expiryDate < day
            ? .fail(.documentExpiry, .documentExpired, "expiry date is before the submission date")
            : .pass(.documentExpiry, "document valid on the submission date")
    }

    /// The image types a policy accepts, as evidence names them: "JPEG or PNG" by default; a type without a
    /// common name by its mime type.
    static func imageTypes(_ mimeTypes: Set<String>) -> String {
        let known = ["image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP", "image/heic": "HEIC"]
        let names = mimeTypes.sorted().map { known[$0] ?? $0 }
        switch names.count {
        case 0: return "of an accepted type (the policy accepts none)"
        case 1: return names[0]
        default: return names.dropLast().joined(separator: ", ") + " or " + names.last!
        }
    }

    func imageQuality(_ submission: Submission) -> CheckResult {
        var problems: [String] = []
        let sides = Set(submission.document.images.compactMap(\.side))
        let needed: [Submission.Side] = submission.document.type == .passport ? [.front] : [.front, .back]
        for side in needed where !sides.contains(side) {
            problems.append("no \(side.rawValue) image of the document")
        }
        let images = submission.document.images.enumerated().map { ("document image \($0.offset + 1)", $0.element) }
            + [("selfie", submission.selfie)]
        for (label, image) in images {
            if !self.policy.imageMimeTypes.contains(image.mime.lowercased()) {
                problems.append("\(label) is not \(Self.imageTypes(self.policy.imageMimeTypes))")
            }
            if image.bytes <= 0 || image.bytes > self.policy.maximumImageBytes {
                problems.append("\(label) size \(image.bytes) bytes is outside 1…\(self.policy.maximumImageBytes)")
            }
            let long = max(image.width, image.height)
            let short = min(image.width, image.height)
            if long < self.policy.minimumImageLongSide || short < self.policy.minimumImageShortSide {
                problems.append(
                    "\(label) is \(image.width)×\(image.height), below "
                        + "\(self.policy.minimumImageLongSide)×\(self.policy.minimumImageShortSide)"
                )
            }
        }
        return problems.isEmpty
            ? .pass(.imageQuality, "\(images.count) images acceptable")
            : .fail(.imageQuality, .imageInvalid, problems.joined(separator: "; "))
    }

    /// The parsed zone, the reason it was refused, or nothing when the document type needs none.
    enum MRZReading {
        case notRequired
        case missing
        case invalid(MRZ.Problem)
        case valid(MRZ.Fields)
    }

    func readMRZ(_ document: Submission.Document) -> MRZReading {
        switch document.type {
        case .driversLicense:
            return .notRequired
        case .passport, .idCard:
            guard let zone = document.mrz else { return .missing }
            do {
                return .valid(try document.type == .passport ? MRZ.parseTD3(zone) : MRZ.parseTD1(zone))
            } catch {
                return .invalid(error)
            }
        }
    }

    func mrzCheck(_ reading: MRZReading) -> CheckResult {
        switch reading {
        case .notRequired: .skip(.mrz, "no machine-readable zone required for this document type")
        case .missing: .fail(.mrz, .mrzInvalid, "machine-readable zone missing")
        case .invalid(let problem): .fail(.mrz, .mrzInvalid, problem.description)
        case .valid: .pass(.mrz, "every check digit holds")
        }
    }

    func dataConsistency(_ submission: Submission, mrz: MRZReading) -> CheckResult {
        guard case .valid(let fields) = mrz else {
            return .skip(.dataConsistency, "no verified machine-readable zone to compare")
        }
        var disagreeing: [String] = []
        let info = submission.basicInfo
        let document = submission.document
        if DocumentNumber.normalized(fields.documentNumber) != DocumentNumber.normalized(document.number) {
            disagreeing.append("document number")
        }
        if !fields.dateOfBirth.matches(info.dateOfBirth) {
            disagreeing.append("date of birth")
        }
        if !fields.expiryDate.matches(document.expiryDate) {
            disagreeing.append("expiry date")
        }
        if CountryCode(icaoCode: fields.nationality) != info.nationality {
            disagreeing.append("nationality")
        }
        if CountryCode(icaoCode: fields.issuingState) != document.issuingCountry {
            disagreeing.append("issuing country")
        }
        if !Self.nameMatches(mrz: fields.primaryIdentifier, given: info.lastName, truncatable: fields.namesFillField) {
            disagreeing.append("last name")
        }
        if !Self.nameMatches(mrz: fields.secondaryIdentifier, given: info.firstName, truncatable: fields.namesFillField)
        {
            disagreeing.append("first name")
        }
        return disagreeing.isEmpty
            ? .pass(.dataConsistency, "MRZ, document and basic info agree")
            : .fail(.dataConsistency, .infoMismatch, "disagreeing: " + disagreeing.joined(separator: ", "))
    }

    static func nameMatches(mrz: String, given: String, truncatable: Bool) -> Bool {
        let variants = Transliteration.variants(given)
        if variants.contains(mrz) { return true }
        guard truncatable, !mrz.isEmpty else { return false }
        return variants.contains { $0.hasPrefix(mrz) }
    }

    func age(_ info: Submission.BasicInfo, submittedAt: Date) -> CheckResult {
        let years = info.dateOfBirth.wholeYears(until: CalendarDate(utcDayOf: submittedAt))
        return years < self.policy.minimumAge
            ? .fail(.age, .underage, "under \(self.policy.minimumAge) at submission")
            : .pass(.age, "at least \(self.policy.minimumAge) at submission")
    }

    func liveness(_ liveness: Submission.Liveness?) -> CheckResult {
        switch liveness {
        case .passed: .pass(.liveness, "liveness passed")
        case .failed: .fail(.liveness, .livenessFailed, "liveness failed")
        case .inconclusive: .refer(.liveness, "liveness inconclusive")
        case nil: .refer(.liveness, "no liveness result")
        }
    }

    func faceMatch(_ score: Double?) -> CheckResult {
        guard let score, score.isFinite else { return .refer(.faceMatch, "no face match score") }
        if score < self.policy.faceMatchDeny {
            return .fail(.faceMatch, .faceMismatch, "score below \(self.policy.faceMatchDeny)")
        }
        if score < self.policy.faceMatchPass {
            return .refer(.faceMatch, "score between \(self.policy.faceMatchDeny) and \(self.policy.faceMatchPass)")
        }
        return .pass(.faceMatch, "score at least \(self.policy.faceMatchPass)")
    }

    func duplicateDocument(_ history: AttemptHistory) -> CheckResult {
        history.duplicateDocuments > 0
            ? .refer(
                .duplicateDocument,
                "the same document is on \(history.duplicateDocuments) other account(s)' approved, pending or finally denied applications"
            )
            : .pass(.duplicateDocument, "document not used by another account")
    }

    /// The policy's attempt window as evidence states it: whole hours as `24 h`, anything else in minutes and
    /// seconds.
    static func window(_ window: Duration) -> String {
        let seconds = window.components.seconds
        return seconds % 3600 == 0 ? "\(seconds / 3600) h" : minutesAndSeconds(TimeInterval(seconds))
    }

    static func minutesAndSeconds(_ interval: TimeInterval) -> String {
        let total = Int(interval.rounded(.down))
        return "\(total / 60)m \(total % 60)s"
    }
}
