public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd about the daemon's state (sd_notify): one datagram to `$NOTIFY_SOCKET`, no libsystemd.
/// Without the variable (not under systemd) every call does nothing.
public struct SystemdNotifier: Sendable {
    private let path: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Sends `READY=1`, `STATUS=…`, `STOPPING=1`, `WATCHDOG=1` and the like; returns whether it was sent.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let path else { return false }
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        // A leading "@" names the abstract namespace: a NUL byte in its place.
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { buffer in
                    sendto(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        return sent == message.count
        #else
        return false
        #endif
    }
}
