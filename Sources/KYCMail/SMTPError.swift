internal import CCurl

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

    /// The server refuses how we are set up, not this message: the credentials (a 535, 534, 530 or 538 reply,
    /// libcurl's login denied, no AUTH offered while credentials are configured) or TLS (no STARTTLS, a
    /// failed handshake, a certificate that does not verify). Every email would fail the same way until an
    /// operator fixes the configuration, so none is given up for it: they wait, with backoff.
    public var isConfigurationProblem: Bool {
        self.code == .authenticationFailed || self.code == .tlsFailed
    }

    /// A permanent failure (a 5xx reply about this message or recipient, an invalid address): trying again
    /// cannot help. A configuration problem never is, whatever its reply code.
    public var isPermanent: Bool {
        if self.code == .invalidAddress { return true }
        if self.isConfigurationProblem { return false }
        if let replyCode, (500..<600).contains(replyCode) { return true }
        return false
    }

    /// A temporary failure (a 4xx reply, a connection problem, a timeout, a configuration problem): try again
    /// later.
    public var isTemporary: Bool { !self.isPermanent }

    /// What a failed transfer means, from libcurl's code (a `CURLcode`) and the server's last reply code (0 or
    /// nil when there was none). Pure, so that every case is tested in a table.
    ///
    /// Authentication replies win over libcurl's code: libcurl reports a 530 ("authentication required") on
    /// MAIL FROM as a send error, yet it says the credentials are missing, not that the message is wrong.
    public static func classify(curlCode: Int, replyCode: Int?) -> Code {
        if let replyCode, Self.authenticationReplies.contains(replyCode) { return .authenticationFailed }
        if Self.tlsCurlCodes.contains(curlCode) { return .tlsFailed }
        switch curlCode {
        case Int(CURLE_COULDNT_CONNECT.rawValue), Int(CURLE_COULDNT_RESOLVE_HOST.rawValue),
            Int(CURLE_COULDNT_RESOLVE_PROXY.rawValue):
            return .connectionFailed
        case Int(CURLE_OPERATION_TIMEDOUT.rawValue):
            return .timeout
        case Int(CURLE_LOGIN_DENIED.rawValue), Int(CURLE_AUTH_ERROR.rawValue):
            return .authenticationFailed
        default:
            return (replyCode ?? 0) >= 400 ? .rejected : .transportFailed
        }
    }

    /// 530 authentication required, 534 mechanism too weak, 535 credentials invalid, 538 encryption required
    /// for the mechanism (RFC 4954).
    static let authenticationReplies: Set<Int> = [530, 534, 535, 538]

    /// libcurl's codes for a TLS setup that cannot work: STARTTLS refused or missing, the handshake failed,
    /// the certificate or its chain did not verify, or local TLS files are unusable.
    static let tlsCurlCodes: Set<Int> = Set(
        [
            CURLE_USE_SSL_FAILED, CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
        ].map { Int($0.rawValue) }
    )

    public var description: String {
        var parts = ["code: \(self.code)"]
        if let replyCode { parts.append("reply: \(replyCode)") }
        if let curlCode { parts.append("curl: \(curlCode)") }
        if self.dataSent { parts.append("after DATA") }
        parts.append(self.isConfigurationProblem ? "configuration" : self.isPermanent ? "permanent" : "temporary")
        return "SMTPError(\(parts.joined(separator: ", ")))"
    }
}
