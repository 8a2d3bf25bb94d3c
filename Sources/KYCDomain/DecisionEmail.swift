import Foundation

/// The facts an applicant's decision email is written from. No date of birth, document number or score is
/// among them, so none can appear in an email.
public struct DecisionNotice: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case approved
        case denied(ReasonCode, RetryPolicy)
    }

    public var applicationID: Int64
    public var outcome: Outcome
    public var locale: String
    /// A reviewer's message for the applicant (never the internal note).
    public var applicantMessage: String?
    /// The name the email greets the applicant by.
    public var firstName: String?

    public init(
        applicationID: Int64,
        outcome: Outcome,
        locale: String,
        applicantMessage: String? = nil,
        firstName: String? = nil
    ) {
        self.applicationID = applicationID
        self.outcome = outcome
        self.locale = locale
        self.applicantMessage = applicantMessage
        self.firstName = firstName
    }
}

/// A rendered email: subject, plain text and HTML. The mail adapter encodes and sends it unchanged.
public struct EmailContent: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String
}

/// Renders decision emails in the applicant's locale where a template exists, in English otherwise.
public enum DecisionEmail {
    /// The locales with templates.
    public static let locales: Set<String> = ["en"]

    public static func render(_ notice: DecisionNotice) -> EmailContent {
        // Only English so far; every other locale falls back to it (CONTRACT §5).
        self.english(notice)
    }

    static func english(_ notice: DecisionNotice) -> EmailContent {
        let reference = "Application reference: \(notice.applicationID)"
        let greeting = notice.firstName.map { "Hello \($0)," } ?? "Hello,"
        switch notice.outcome {
        case .approved:
            var paragraphs = [
                greeting,
                "Your identity verification is complete: your account is verified. You can now use every "
                    + "service that requires a verified identity.",
            ]
            if let message = notice.applicantMessage?.trimmingCharacters(in: .whitespacesAndNewlines), !message.isEmpty {
                paragraphs.append("A message from our review team: \(message)")
            }
            paragraphs += [reference, "Thank you."]
            return EmailContent(
                subject: "Your account is verified",
                text: self.text(paragraphs),
                html: self.html(title: "Your account is verified", paragraphs)
            )
        case .denied(let reason, let retry):
            let next: String
            switch retry {
            case .final:
                next = "This decision is final: you cannot submit a new application."
            case .after(let date):
                next = "You may try again from \(RetryTime.format(date))."
            case .attemptsRemaining(let count):
                next = "You may try again: you have \(count) \(count == 1 ? "attempt" : "attempts") remaining "
                    + "in the current 24 hours."
            }
            var paragraphs = [
                greeting,
                "We could not verify your identity: \(self.englishReason(reason)).",
                next,
            ]
            if let message = notice.applicantMessage?.trimmingCharacters(in: .whitespacesAndNewlines), !message.isEmpty {
                paragraphs.append("A message from our review team: \(message)")
            }
            paragraphs.append(reference)
            return EmailContent(
                subject: "We could not verify your identity",
                text: self.text(paragraphs),
                html: self.html(title: "We could not verify your identity", paragraphs)
            )
        }
    }

    /// Each reason in plain words.
    public static func englishReason(_ reason: ReasonCode) -> String {
        switch reason {
        case .sessionExpired: "taking the photos of your document and your selfie took longer than the 15 minutes allowed"
        case .attemptLimit: "you have reached the limit of attempts allowed in 24 hours"
        case .unsupportedDocument: "we do not accept this type of document from the country that issued it"
        case .imageInvalid: "the photos of your document or your selfie were missing or could not be used"
        case .mrzInvalid: "the machine-readable zone of your document could not be read or did not verify"
        case .documentExpired: "your document has expired"
        case .infoMismatch: "the details you entered do not match your document"
        case .underage: "you must be at least 18 years old"
        case .livenessFailed: "the liveness check during your selfie did not succeed"
        case .faceMismatch: "your selfie does not match the photo on your document"
        case .documentUnreadable: "your document could not be read"
        case .suspectedFraud: "we were unable to verify your identity with the information provided"
        case .duplicateIdentity: "this identity is already used by another account"
        case .other: "your application did not meet our requirements"
        }
    }

    static func text(_ paragraphs: [String]) -> String {
        paragraphs.joined(separator: "\n\n") + "\n"
    }

    static func html(title: String, _ paragraphs: [String]) -> String {
        let body = paragraphs.map { "<p>\(self.escape($0))</p>" }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>\(self.escape(title))</title></head>
            <body>
            \(body)
            </body></html>

            """
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
