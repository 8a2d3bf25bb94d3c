import ArgumentParser
import Foundation
import KYCServices
import KYCStore

/// Why a command did not do what it was asked, as the contract's exit status (CONTRACT §4) and one line for
/// stderr. Commands throw it; `KYCReview.main()` alone turns it into the line and the status.
struct CommandFailure: Error, CustomStringConvertible {
    /// The exit statuses of CONTRACT §4, and the two it leaves to us.
    enum Status: Int32 {
        /// Refused by a rule: already decided, leased to another reviewer, not permitted.
        case refused = 1
        /// Bad data: an unknown id or reason code, invalid JSON or policy.
        case badData = 65
        /// The database or the mail server cannot be reached.
        case unavailable = 69
        /// A bug or a result this build cannot read.
        case software = 70
        /// The configuration is missing or wrong.
        case configuration = 78
    }

    var status: Status
    /// The line for stderr, without the program's name. Names fields and rules, never personal data.
    var message: String

    init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static func refused(_ message: String) -> Self { Self(.refused, message) }
    static func badData(_ message: String) -> Self { Self(.badData, message) }
    static func unavailable(_ message: String) -> Self { Self(.unavailable, message) }
    static func configuration(_ message: String) -> Self { Self(.configuration, message) }

    /// A store error in the contract's terms.
    init(_ error: StoreError) {
        switch error.code {
        case .invalidSubmission, .notFound:
            self.init(.badData, error.message ?? "\(error.code)")
        case .refused, .conflict:
            self.init(.refused, error.message ?? "refused")
        case .unavailable:
            self.init(.unavailable, error.message ?? "the database connection failed")
        default:
            self.init(.software, "\(error)")
        }
    }

    /// The failure `error` stands for, when it is one of ours or the store's or the configuration's; nil for
    /// argument-parser's own (usage errors, help, `ExitCode`), which it reports itself.
    init?(_ error: any Error) {
        switch error {
        case let failure as CommandFailure: self = failure
        case let error as StoreError: self.init(error)
        case let error as ConfigurationError: self.init(.configuration, "\(error)")
        default: return nil
        }
    }

    /// `kyc-review: ` and the message on one line (libpq's messages, for one, come on two).
    var description: String {
        let lines = self.message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        return "kyc-review: " + lines.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Writes the line on stderr and exits with the status.
    func exit() -> Never {
        FileHandle.standardError.write(Data((self.description + "\n").utf8))
        Foundation.exit(self.status.rawValue)
    }
}
