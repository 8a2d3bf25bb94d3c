import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Times how long the mail sink takes to answer the final dot of a message, over a plain TCP connection of
/// its own (no TLS, no libcurl): the stretch in which the server holds a whole message that the sender
/// cannot yet know was accepted. A kill of the sender inside it makes a duplicate whatever the sender does,
/// so the crash test measures it beside its duplicates.
public final class FinalDotProbe {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let recipient: String

    /// Connects to `smtp://HOST:PORT` and greets the server; the probe's messages go to `recipient`.
    public init(url: String, recipient: String) throws {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port
        else { throw Failure(description: "not an smtp://host:port URL: \(url)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure(description: "not an IPv4 address: \(host)") }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw Failure(description: "connect: errno \(errno)")
        }
        self.descriptor = descriptor
        self.recipient = recipient
        try self.expect("220")
        try self.command("EHLO probe.example", expect: "250")
    }

    deinit {
        close(self.descriptor)
    }

    /// Sends one small message and returns the time from writing its final dot to reading the reply.
    public func measure() throws -> Duration {
        try self.command("MAIL FROM:<probe@example.com>", expect: "250")
        try self.command("RCPT TO:<\(self.recipient)>", expect: "250")
        try self.command("DATA", expect: "354")
        try self.write("Subject: final-dot probe\r\nMessage-ID: <\(UUID().uuidString)@probe>\r\n\r\nprobe\r\n")
        let clock = ContinuousClock()
        let started = clock.now
        try self.write(".\r\n")
        try self.expect("250")
        return clock.now - started
    }

    private func command(_ line: String, expect code: String) throws {
        try self.write(line + "\r\n")
        try self.expect(code)
    }

    private func write(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(self.descriptor, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw Failure(description: "send: errno \(errno)") }
            offset += written
        }
    }

    /// Reads reply lines up to the last one of the reply (`250 ` rather than `250-`) and checks its code.
    private func expect(_ code: String) throws {
        while true {
            let line = try self.readLine()
            guard line.count >= 4 else { throw Failure(description: "short reply: \(line)") }
            if line.dropFirst(3).first == "-" { continue }
            guard line.hasPrefix(code) else { throw Failure(description: "expected \(code), got: \(line)") }
            return
        }
    }

    private func readLine() throws -> String {
        while true {
            if let end = self.buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: self.buffer[..<end], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                self.buffer.removeSubrange(...end)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw Failure(description: "the server closed the connection") }
            self.buffer.append(contentsOf: chunk[..<count])
        }
    }
}
