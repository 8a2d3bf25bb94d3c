/// A failure to send mail, with what an operator needs: the SMTP reply code, libcurl's code, and whether
/// trying again later can help.
///
/// `description` carries no reply text: servers quote addresses in replies. The reply text is kept in
/// `replyText` for the outbox row, never for logs.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// An address failed validation before anything was sent.
        public static let invalidAddress = Code("invalidAddress")
        /// The SMTP URL or options cannot work (unknown scheme, say).
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The server could not be reached.
        public static let connectionFailed = Code("connectionFailed")
        /// A connect, response or total timeout passed.
        public static let timeout = Code("timeout")
        /// TLS was required and the server offered none, or the TLS handshake failed.
        public static let tlsFailed = Code("tlsFailed")
        /// The server refused the credentials.
        public static let authenticationFailed = Code("authenticationFailed")
        /// The server answered a command with a 4xx or 5xx reply.
        public static let rejected = Code("rejected")
        /// The connection broke or misbehaved otherwise.
        public static let transportFailed = Code("transportFailed")

        public var description: String { self.name }
    }

    public var code: Code
    /// The last SMTP reply code, when there was one.
    public var replyCode: Int?
    /// The server's last reply lines. May quote addresses: store, never log.
    public var replyText: String?
    /// libcurl's CURLcode, when libcurl failed.
    public var curlCode: Int?
    /// Whether the DATA command had been sent: after it, the server may have the message, so a resend must
    /// carry the same Message-ID (it always does) and is a possible duplicate.
    public var dataSent: Bool

    public init(code: Code, replyCode: Int? = nil, replyText: String? = nil, curlCode: Int? = nil, dataSent: Bool = false) {
        self.code = code
        self.replyCode = replyCode
        self.replyText = replyText
        self.curlCode = curlCode
        self.dataSent = dataSent
    }

    /// The connection broke without an SMTP reply (a server that closed an idle connection, say).
    public var isConnectionBroken: Bool {
        self.replyCode == nil && (self.code == .transportFailed || self.code == .connectionFailed)
    }

    /// A permanent failure (a 5xx reply, an invalid address): trying again cannot help.
    public var isPermanent: Bool {
        if self.code == .invalidAddress { return true }
        if let replyCode, (500..<600).contains(replyCode), self.code != .tlsFailed { return true }
        return false
    }

    /// A temporary failure (a 4xx reply, a connection problem, a timeout): try again later.
    public var isTemporary: Bool { !self.isPermanent }

    public var description: String {
        var parts = ["code: \(self.code)"]
        if let replyCode { parts.append("reply: \(replyCode)") }
        if let curlCode { parts.append("curl: \(curlCode)") }
        if self.dataSent { parts.append("after DATA") }
        parts.append(self.isPermanent ? "permanent" : "temporary")
        return "SMTPError(\(parts.joined(separator: ", ")))"
    }
}
