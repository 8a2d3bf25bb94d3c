/// The automated checks, by their contract names (CONTRACT §3).
public enum CheckName: String, Sendable, Codable, CaseIterable {
    case sessionWindow = "session_window"
    case attemptLimit = "attempt_limit"
    case documentType = "document_type"
    case documentExpiry = "document_expiry"
    case imageQuality = "image_quality"
    case mrz
    case dataConsistency = "data_consistency"
    case age
    case liveness
    case faceMatch = "face_match"
    case duplicateDocument = "duplicate_document"
}

/// What one check concluded.
public enum CheckOutcome: String, Sendable, Codable {
    /// The check holds.
    case pass
    /// The check fails: the application is denied with the check's reason code.
    case fail
    /// A person must look: the application goes to review unless another check fails.
    case refer
    /// The check does not apply to this application.
    case skip
}

/// Why an application was denied (CONTRACT §3).
public enum ReasonCode: String, Sendable, Codable, CaseIterable {
    case sessionExpired = "session_expired"
    case attemptLimit = "attempt_limit"
    case unsupportedDocument = "unsupported_document"
    case imageInvalid = "image_invalid"
    case mrzInvalid = "mrz_invalid"
    case documentExpired = "document_expired"
    case infoMismatch = "info_mismatch"
    case underage
    case livenessFailed = "liveness_failed"
    case faceMismatch = "face_mismatch"
    case documentUnreadable = "document_unreadable"
    case suspectedFraud = "suspected_fraud"
    case duplicateIdentity = "duplicate_identity"
    case other

    /// A final reason allows no new attempt (CONTRACT §3).
    ///
    /// The database owns finality: `kyc.reason_codes.final` is what every decision records and what its
    /// email says. The daemon's pure evaluation reads this copy to choose what a denial tells the applicant;
    /// `RuleOwnerTests.ReasonFinality` pins it to the table, code by code.
    public var isFinal: Bool {
        switch self {
        case .underage, .suspectedFraud, .duplicateIdentity: true
        default: false
        }
    }
}

/// One check's recorded result: its outcome, the evidence a reviewer reads, and for a failure the reason.
///
/// Evidence names fields and limits; it may show the applicant's data to a reviewer, but it is never logged.
public struct CheckResult: Sendable, Equatable, Codable {
    public var name: CheckName
    public var outcome: CheckOutcome
    public var evidence: String
    public var reason: ReasonCode?

    public static func pass(_ name: CheckName, _ evidence: String) -> CheckResult {
        CheckResult(name: name, outcome: .pass, evidence: evidence, reason: nil)
    }

    public static func fail(_ name: CheckName, _ reason: ReasonCode, _ evidence: String) -> CheckResult {
        CheckResult(name: name, outcome: .fail, evidence: evidence, reason: reason)
    }

    public static func refer(_ name: CheckName, _ evidence: String) -> CheckResult {
        CheckResult(name: name, outcome: .refer, evidence: evidence, reason: nil)
    }

    public static func skip(_ name: CheckName, _ evidence: String) -> CheckResult {
        CheckResult(name: name, outcome: .skip, evidence: evidence, reason: nil)
    }
}
