public import Foundation

/// The rules the automated checks apply, with CONTRACT §3's defaults.
///
/// The policy in force is data in the database (`kyc.policy_versions`); the daemon and `kyc-review` read the
/// version in force and SQL reads the same version through `kyc.policy_setting`. These defaults are what a
/// key left out of a version means: the database's side states them once in `kyc.policy_keys()`, and
/// `RuleOwnerTests.PolicyKeys` pins every key, default and range of the two to the same values.
public struct Policy: Sendable, Equatable {
    /// The longest allowed time from session start to submission.
    public var sessionWindow: Duration = .seconds(15 * 60)
    /// Submissions allowed per attempt window, and denials in the attempt window that start a cooldown.
    public var attemptsPerDay: Int = 10
    /// How long the cooldown after the `attemptsPerDay`-th denial in the attempt window lasts.
    public var cooldown: Duration = .seconds(24 * 3600)
    /// The rolling window the attempt limit counts in.
    public var attemptWindow: Duration = .seconds(24 * 3600)
    /// Which document types each issuing country may use.
    public var documentTypes: [DocumentType: CountryRule] = [
        .passport: .allCountries,
        .idCard: .allCountriesExcept(["US", "GB", "CA", "AU", "NZ"]),
        .driversLicense: .onlyCountries(["US", "CA", "AU", "NZ", "GB", "IE"]),
    ]
    /// Accepted image types.
    public var imageMimeTypes: Set<String> = ["image/jpeg", "image/png"]
    /// The largest accepted image.
    public var maximumImageBytes: Int = 10 * 1024 * 1024
    /// The smallest accepted image, in either orientation (long side × short side).
    public var minimumImageLongSide: Int = 640
    public var minimumImageShortSide: Int = 480
    /// The minimum age at submission.
    public var minimumAge: Int = 18
    /// Scores below this are denied; scores from here to `faceMatchPass` are referred.
    public var faceMatchDeny: Double = 0.60
    public var faceMatchPass: Double = 0.90
    /// The order in which failing checks give the denial reason: the first failing check in this list wins.
    public var reasonPrecedence: [CheckName] = [
        .attemptLimit, .age, .sessionWindow, .documentType, .imageQuality, .mrz, .documentExpiry,
        .dataConsistency, .liveness, .faceMatch, .duplicateDocument,
    ]

    /// Denials with these reasons wait for a second reviewer (four-eyes); empty by default.
    public var fourEyesReasons: [ReasonCode] = []
    /// Approvals of cases with a duplicate_document refer wait for a second reviewer; off by default.
    public var fourEyesDuplicateApprovals: Bool = false
    /// The longest lease a reviewer may take on a case, or renew it to; longer requests are refused.
    public var reviewLeaseMax: Duration = .seconds(3600)

    public init() {}

    /// The countries a document type is accepted from.
    public enum CountryRule: Sendable, Equatable {
        case allCountries
        case allCountriesExcept(Set<String>)
        case onlyCountries(Set<String>)

        public func accepts(_ country: CountryCode) -> Bool {
            switch self {
            case .allCountries: true
            case .allCountriesExcept(let excluded): !excluded.contains(country.alpha2)
            case .onlyCountries(let included): included.contains(country.alpha2)
            }
        }
    }
}

/// What the store knows about an account's earlier applications, relative to the one being checked.
public struct AttemptHistory: Sendable, Equatable {
    /// Submission times of the account's earlier applications in the attempt window before this one,
    /// attempt_limit denials not counted.
    public var earlierSubmissions: [Date]
    /// Decision times of the account's denials (attempt_limit denials not counted) in the two attempt
    /// windows before this submission: enough to see any cooldown still running.
    public var recentDenials: [Date]
    /// Other accounts' approved or undecided applications with the same issuing country, type and number.
    public var duplicateDocuments: Int

    public init(earlierSubmissions: [Date] = [], recentDenials: [Date] = [], duplicateDocuments: Int = 0) {
        self.earlierSubmissions = earlierSubmissions
        self.recentDenials = recentDenials
        self.duplicateDocuments = duplicateDocuments
    }
}
