public import KYCPostgres

/// An error from the store: what went wrong in product terms, with the database error underneath.
///
/// Its description carries codes and ids only. For intake's and the decision functions' own refusals,
/// `message` is the database function's message, written to be shown to callers: it names fields and rules,
/// never values.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The submission is malformed (SQLSTATE 22023); `message` names the field.
        public static let invalidSubmission = Code("invalidSubmission")
        /// A rule refused the request (SQLSTATE 55000 or 42501); `message` says which.
        public static let refused = Code("refused")
        /// What the request was based on changed before it was applied (SQLSTATE 40001): read again and retry.
        public static let conflict = Code("conflict")
        /// No application with that id.
        public static let notFound = Code("notFound")
        /// The database cannot be reached or the connection broke.
        public static let unavailable = Code("unavailable")
        /// An applied migration's text differs from this build's.
        public static let migrationChanged = Code("migrationChanged")
        /// The schema is older or newer than this build expects.
        public static let schemaMismatch = Code("schemaMismatch")
        /// Anything else the database reported.
        public static let databaseError = Code("databaseError")
        /// A result this build cannot read.
        public static let unexpected = Code("unexpected")

        public var description: String { self.name }
    }

    public var code: Code
    /// A message safe to show to the caller (never logged with personal data: it names fields and rules).
    public var message: String?
    public var context: String?
    public var underlying: PostgresError?

    public init(code: Code, message: String? = nil, context: String? = nil, underlying: PostgresError? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.underlying = underlying
    }

    /// Classifies a database error: our functions' SQLSTATEs become product errors.
    public init(_ error: PostgresError) {
        switch error.sqlState {
        case "22023":
            self.init(code: .invalidSubmission, message: error.serverMessage, underlying: error)
        case "22P02", "22P05", "22021":
            self.init(code: .invalidSubmission, message: "invalid input: not valid JSON or text", underlying: error)
        case "P0002":
            self.init(code: .notFound, message: error.serverMessage, underlying: error)
        case "40001":
            self.init(code: .conflict, message: error.serverMessage, underlying: error)
        case "55000":
            self.init(code: .refused, message: error.serverMessage, underlying: error)
        case "42501":
            // Our functions say "not permitted: …"; PostgreSQL's own privilege errors say "permission denied".
            let message = error.serverMessage ?? "permission denied"
            self.init(
                code: .refused,
                message: message.hasPrefix("not permitted") ? message : "not permitted: " + message,
                underlying: error
            )
        default:
            self.init(code: error.isConnectionProblem ? .unavailable : .databaseError, underlying: error)
        }
    }

    init(_ error: any Error) {
        if let error = error as? StoreError {
            self = error
        } else if let error = error as? PostgresError {
            self.init(error)
        } else {
            self.init(code: .unexpected, context: String(describing: type(of: error)))
        }
    }

    public var description: String {
        var parts = ["code: \(self.code)"]
        if let context { parts.append("context: \(context)") }
        if let underlying { parts.append("underlying: \(underlying)") }
        return "StoreError(\(parts.joined(separator: ", ")))"
    }
}
