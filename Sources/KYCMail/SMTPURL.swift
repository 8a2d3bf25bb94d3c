internal import CCurl
import Foundation

/// An SMTP URL as libcurl itself reads it: the scheme, the host it will connect to and the port.
///
/// Parsed with libcurl's own URL parser (`curl_url`), with the flags `CURLOPT_URL` uses, so that what is
/// decided here (is TLS needed?) is decided on the host the transfer really goes to, never on text that
/// only looks like a host: in `smtp://mail.example.com/@127.0.0.1` the host is `mail.example.com`.
public struct SMTPURL: Sendable, Equatable {
    /// `smtp` or `smtps`, in lower case.
    public let scheme: String
    /// The host as libcurl will resolve it: IPv4 literals normalised (`127.1` is `127.0.0.1`), IPv6 literals
    /// in brackets (`[::1]`), names as given.
    public let host: String
    /// The port, the scheme's default (25, 465) when the URL names none.
    public let port: Int

    /// Nil unless libcurl can parse `url` and its scheme is smtp or smtps.
    public init?(_ url: String) {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        let flags = UInt32(CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME)
        guard curl_url_set(handle, CURLUPART_URL, url, flags) == CURLUE_OK,
            let scheme = Self.part(CURLUPART_SCHEME, of: handle)?.lowercased(),
            scheme == "smtp" || scheme == "smtps",
            let host = Self.part(CURLUPART_HOST, of: handle), !host.isEmpty,
            let port = Self.part(CURLUPART_PORT, of: handle, flags: UInt32(CURLU_DEFAULT_PORT)).flatMap({ Int($0) })
        else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    private static func part(_ part: CURLUPart, of handle: OpaquePointer, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }

    /// Implicit TLS (`smtps://`).
    public var isImplicitTLS: Bool { self.scheme == "smtps" }

    /// Whether the host is this machine, judged by address: `localhost`, an IPv4 address in 127.0.0.0/8, or
    /// `[::1]`. Names that merely start with `127.`, other names that may resolve to loopback, and IPv4-mapped
    /// IPv6 addresses are not: for them TLS stays required.
    public var isLoopback: Bool { Self.isLoopback(host: self.host) }

    /// `isLoopback` for a host as libcurl's URL parser returns it.
    static func isLoopback(host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        if host.hasPrefix("["), host.hasSuffix("]") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, String(host.dropFirst().dropLast()), &address) == 1 else { return false }
            return withUnsafeBytes(of: &address) { bytes in bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1 }
        }
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else { return false }
        // s_addr is in network byte order: its first byte in memory is the first octet.
        return withUnsafeBytes(of: &address) { $0.first == 127 }
    }
}
