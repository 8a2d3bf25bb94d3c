/// An error from the database adapter.
///
/// Its `description` names the kind of failure, the SQLSTATE and the constraint: what an operator needs,
/// and nothing that could quote a row. The server's own message is kept apart in `serverMessage`, because
/// PostgreSQL can quote values in it (`invalid input syntax for type date: "…"`); callers show it only
/// where the statement's messages are known to carry no personal data, such as intake's own refusals.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed
            case connectionClosed
            case connectionLost
            case serverError
            case invalidParameter
            case unexpectedResult
            case decodingFailed
            case waitFailed
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The connection could not be established (server unreachable, authentication refused).
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection was closed by this process and cannot be used.
        public static let connectionClosed = Code(.connectionClosed)
        /// The connection broke while in use (server restart, backend terminated, network).
        public static let connectionLost = Code(.connectionLost)
        /// The server refused the statement; see `sqlState`.
        public static let serverError = Code(.serverError)
        /// A parameter cannot be sent (it contains a NUL byte, which PostgreSQL text cannot hold).
        public static let invalidParameter = Code(.invalidParameter)
        /// The server answered with something the statement could not have produced.
        public static let unexpectedResult = Code(.unexpectedResult)
        /// A column could not be decoded into the requested Swift type.
        public static let decodingFailed = Code(.decodingFailed)
        /// Waiting on the connection's socket failed.
        public static let waitFailed = Code(.waitFailed)

        public var description: String { self.base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// The five-character SQLSTATE, when the server sent one.
    public var sqlState: String?
    /// The violated constraint's name, when the server sent one.
    public var constraint: String?
    /// The server's primary message, or libpq's for connection failures. May quote row values: never log it.
    public var serverMessage: String?
    /// Context that carries no personal data: a column name, a socket errno.
    public var context: String?
    public init(
        code: Code,
        sqlState: String? = nil,
        constraint: String? = nil,
        serverMessage: String? = nil,
        context: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.constraint = constraint
        self.serverMessage = serverMessage
        self.context = context
    }

    /// Why a connection could not be made or broke, in libpq's words on one line: the host and port, and
    /// "Connection refused", "timeout expired", "password authentication failed for user …", "server closed
    /// the connection unexpectedly". Safe to log: libpq's connection messages carry no row data. Nil for every
    /// other code (a statement's error may quote values; it stays in `serverMessage`), and for a connection
    /// lost right after a statement's own error (its SQLSTATE is not of a connection class).
    public var connectionReason: String? {
        guard self.code == .connectionFailed || self.code == .connectionLost, let message = self.serverMessage else {
            return nil
        }
        if let sqlState = self.sqlState, !Self.isConnectionClass(sqlState) { return nil }
        return Self.oneLine(message)
    }

    /// Lines joined with "; ", blanks collapsed, at most 500 characters (one host's failure per line in a
    /// multi-host connection string).
    static func oneLine(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline)
            .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            .filter { !$0.isEmpty }
        let line = lines.joined(separator: "; ")
        return line.count > 500 ? String(line.prefix(499)) + "…" : line
    }

    /// SQLSTATE classes about the connection or the server rather than a statement: connection exception (08),
    /// operator intervention (57), insufficient resources (53), system error (58).
    static func isConnectionClass(_ sqlState: String) -> Bool {
        ["08", "57", "53", "58"].contains(String(sqlState.prefix(2)))
    }

    /// True when the failure is about reaching the server rather than about the statement.
    public var isConnectionProblem: Bool {
        self.code == .connectionFailed || self.code == .connectionLost || self.code == .connectionClosed
            || (self.sqlState?.hasPrefix("08") ?? false) || self.sqlState == "57P01"
    }

    public var description: String {
        var parts = ["code: \(self.code)"]
        if let sqlState { parts.append("sqlState: \(sqlState)") }
        if let constraint { parts.append("constraint: \(constraint)") }
        if let context { parts.append("context: \(context)") }
        return "PostgresError(\(parts.joined(separator: ", ")))"
    }
}
