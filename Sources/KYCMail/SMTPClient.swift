internal import CCurl
import Foundation

/// Where and how to deliver mail.
public struct SMTPConfiguration: Sendable, Equatable {
    /// `smtp://host:port` (STARTTLS or, on loopback, plaintext) or `smtps://host:port` (implicit TLS).
    public var url: String
    public var username: String?
    public var password: String?
    /// Require TLS (STARTTLS on smtp://). Never libcurl's "try" mode, which falls back to plaintext.
    public var requireTLS: Bool
    public var connectTimeout: Duration
    public var responseTimeout: Duration
    public var totalTimeout: Duration

    /// TLS is required unless the server is on loopback.
    public init(
        url: String,
        username: String? = nil,
        password: String? = nil,
        requireTLS: Bool? = nil,
        connectTimeout: Duration = .seconds(10),
        responseTimeout: Duration = .seconds(30),
        totalTimeout: Duration = .seconds(120)
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.requireTLS = requireTLS ?? !SMTPConfiguration.isLoopback(url: url)
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.totalTimeout = totalTimeout
    }

    /// Whether the server `url` connects to is this machine (`SMTPURL.isLoopback`): only then may TLS be off
    /// by default. A URL libcurl cannot parse is not loopback.
    static func isLoopback(url: String) -> Bool {
        SMTPURL(url)?.isLoopback ?? false
    }

    var isImplicitTLS: Bool { SMTPURL(self.url)?.isImplicitTLS ?? false }
}

/// What the server said when it accepted a message.
public struct SMTPReceipt: Sendable, Equatable {
    public var replyCode: Int
    public var replyText: String
}

/// libcurl's global state, initialised once per process before any client exists (from `main`).
public enum CurlRuntime {
    private static let initialised: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Initialises libcurl; later calls do nothing. Returns false when libcurl could not initialise.
    @discardableResult
    public static func initialise() -> Bool { self.initialised }
}

/// An SMTP client over one libcurl easy handle, so that one connection serves many messages.
///
/// Not `Sendable`: one task owns it. Addresses are `EmailAddress` values, validated before they reach
/// libcurl, which would otherwise write CR or LF in an address onto the wire as a new command.
public final class SMTPClient {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    public let configuration: SMTPConfiguration

    public init(configuration: SMTPConfiguration) throws(SMTPError) {
        guard SMTPURL(configuration.url) != nil else { throw SMTPError(code: .invalidConfiguration) }
        CurlRuntime.initialise()
        guard let handle = curl_easy_init() else { throw SMTPError(code: .invalidConfiguration) }
        self.handle = handle
        self.configuration = configuration
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try self.configure()
    }

    deinit {
        curl_easy_cleanup(self.handle)
        self.errorBuffer.deallocate()
    }

    private func check(_ code: CURLcode) throws(SMTPError) {
        guard code == CURLE_OK else { throw SMTPError(code: .invalidConfiguration, curlCode: Int(code.rawValue)) }
    }

    private func configure() throws(SMTPError) {
        let options = self.configuration
        try check(kyc_curl_setopt_string(handle, CURLOPT_URL, options.url))
        try check(kyc_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(kyc_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
        try check(kyc_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(options.connectTimeout)))
        try check(kyc_curl_setopt_long(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT,
                                       max(1, Self.milliseconds(options.responseTimeout) / 1000)))
        try check(kyc_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(options.totalTimeout)))
        if options.requireTLS || options.isImplicitTLS {
            try check(kyc_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)))
        }
        if let username = options.username {
            try check(kyc_curl_setopt_string(handle, CURLOPT_USERNAME, username))
        }
        if let password = options.password {
            try check(kyc_curl_setopt_string(handle, CURLOPT_PASSWORD, password))
        }
        try check(kyc_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, self.errorBuffer))
        try check(kyc_curl_setopt_read_callback(handle, uploadCallback))
        try check(kyc_curl_setopt_debug_callback(handle, replyCallback))
        // The debug callback is how libcurl hands over the server's reply lines.
        try check(kyc_curl_setopt_long(handle, CURLOPT_VERBOSE, 1))
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    /// Encodes and sends a message to its `to` addresses, with its From address as the envelope sender.
    @discardableResult
    public func send(_ message: MailMessage) throws(SMTPError) -> SMTPReceipt {
        try self.send(
            from: message.from.address,
            to: message.to.map(\.address),
            data: MessageEncoder.encode(message)
        )
    }

    /// Sends RFC 5322 bytes (CRLF line endings; libcurl dot-stuffs) to the recipients.
    @discardableResult
    public func send(from: EmailAddress, to recipients: [EmailAddress], data: [UInt8]) throws(SMTPError)
        -> SMTPReceipt
    {
        guard !recipients.isEmpty else { throw SMTPError(code: .invalidAddress) }
        var list: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients {
            guard let appended = curl_slist_append(list, "<\(recipient)>") else {
                curl_slist_free_all(list)
                throw SMTPError(code: .transportFailed)
            }
            list = appended
        }
        defer { curl_slist_free_all(list) }

        let replies = ReplyLog()
        let upload = UploadSource(data, replies: replies, requireAuth: self.configuration.username != nil)
        self.errorBuffer[0] = 0
        let code: CURLcode = withExtendedLifetime((upload, replies)) {
            kyc_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(from)>")
            kyc_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, list)
            kyc_curl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(data.count))
            kyc_curl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(upload).toOpaque())
            kyc_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, Unmanaged.passUnretained(replies).toOpaque())
            let code = curl_easy_perform(handle)
            // Nothing of this message may outlive the call inside the handle.
            kyc_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, nil)
            kyc_curl_setopt_pointer(handle, CURLOPT_READDATA, nil)
            kyc_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, nil)
            return code
        }
        var response: Int = 0
        _ = kyc_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &response)
        let replyText = replies.lines.joined(separator: "\n")
        guard code == CURLE_OK else {
            if upload.refusedForMissingAuth {
                // Credentials are configured but the server offered no AUTH: not one byte of the message went
                // out. A configuration problem (`isConfigurationProblem`): the mail waits for it to be fixed.
                throw SMTPError(code: .authenticationFailed, replyText: "the server offers no AUTH", curlCode: Int(code.rawValue))
            }
            throw SMTPError(
                code: SMTPError.classify(curlCode: Int(code.rawValue), replyCode: response > 0 ? response : nil),
                replyCode: response > 0 ? response : nil,
                replyText: replyText.isEmpty ? nil : replyText,
                curlCode: Int(code.rawValue),
                dataSent: replies.dataSent
            )
        }
        return SMTPReceipt(replyCode: response, replyText: replies.lines.last ?? "")
    }
}

/// The bytes of one message, read by libcurl through `uploadCallback`, which runs only after MAIL FROM and
/// RCPT TO were accepted: the last moment to refuse a connection that would send unauthenticated.
private final class UploadSource {
    let bytes: [UInt8]
    var offset = 0
    let replies: ReplyLog
    let requireAuth: Bool
    var refusedForMissingAuth = false

    init(_ bytes: [UInt8], replies: ReplyLog, requireAuth: Bool) {
        self.bytes = bytes
        self.replies = replies
        self.requireAuth = requireAuth
    }
}

/// The server's reply lines for one message, written by `replyCallback`; the last few are kept. It also
/// notes whether the DATA command went out.
private final class ReplyLog {
    var lines: [String] = []
    var dataSent = false
    /// This transfer opened the connection (sent EHLO), and whether the server's answer offered AUTH.
    var sentEHLO = false
    var authOffered = false

    /// A connection that libcurl reused was checked when it was opened.
    var authenticatedOrReused: Bool { !self.sentEHLO || self.authOffered }

    func append(_ text: String) {
        for line in text.split(whereSeparator: \.isNewline) where !line.isEmpty {
            self.lines.append(String(line))
            if line.hasPrefix("250-AUTH") || line.hasPrefix("250 AUTH") { self.authOffered = true }
        }
        if self.lines.count > 8 { self.lines.removeFirst(self.lines.count - 8) }
    }
}

private func uploadCallback(
    _ buffer: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let buffer, let context else { return 0 }
    let source = Unmanaged<UploadSource>.fromOpaque(context).takeUnretainedValue()
    if source.offset == 0 && source.requireAuth && !source.replies.authenticatedOrReused {
        source.refusedForMissingAuth = true
        return Int(CURL_READFUNC_ABORT)
    }
    let length = min(size * count, source.bytes.count - source.offset)
    guard length > 0 else { return 0 }
    source.bytes.withUnsafeBufferPointer { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + source.offset, byteCount: length)
    }
    source.offset += length
    return length
}

private func replyCallback(
    _ handle: UnsafeMutableRawPointer?,
    _ type: curl_infotype,
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int32 {
    guard let data, let context else { return 0 }
    let log = Unmanaged<ReplyLog>.fromOpaque(context).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch type {
    case CURLINFO_HEADER_IN:
        log.append(String(decoding: bytes, as: UTF8.self))
    case CURLINFO_HEADER_OUT:
        // Commands only (never the AUTH exchange's content): is this one DATA?
        if size >= 4, bytes.prefix(4).elementsEqual("DATA".utf8) { log.dataSent = true }
        if size >= 4, bytes.prefix(4).elementsEqual("EHLO".utf8) { log.sentEHLO = true }
    default:
        break
    }
    return 0
}
