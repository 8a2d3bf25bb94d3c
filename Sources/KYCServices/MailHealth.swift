import KYCMail
import Synchronization

/// Whether the mail server refuses our configuration (the credentials or TLS), as the mailer last found:
/// written by `OutboxMailer`, read by `StatusReporter` for the metrics file. Such a refusal stops every
/// email until an operator acts, and the emails only wait meanwhile, so it must show somewhere an alert can
/// see it.
public final class MailHealth: Sendable {
    /// What the mailer has found so far.
    public struct Snapshot: Sendable, Equatable {
        /// The server refused the configuration in the latest batch and has accepted no email since.
        public var configurationError = false
        /// Batches that met a configuration error since start, by error code (`authenticationFailed`,
        /// `tlsFailed`).
        public var configurationErrors: [String: Int] = [:]
        /// The latest configuration error's codes: libcurl's and the server's reply, when there was one.
        public var lastCurlCode: Int?
        public var lastReplyCode: Int?

        public init() {}
    }

    private let state = Mutex(Snapshot())

    public init() {}

    /// A batch met `error`, a configuration problem (`SMTPError.isConfigurationProblem`).
    func configurationRefused(_ error: SMTPError) {
        self.state.withLock { state in
            state.configurationError = true
            state.configurationErrors["\(error.code)", default: 0] += 1
            state.lastCurlCode = error.curlCode
            state.lastReplyCode = error.replyCode
        }
    }

    /// The server accepted an email: whatever was wrong with the configuration is fixed.
    func delivered() {
        self.state.withLock { $0.configurationError = false }
    }

    /// Everything found so far.
    public var snapshot: Snapshot { self.state.withLock { $0 } }
}
