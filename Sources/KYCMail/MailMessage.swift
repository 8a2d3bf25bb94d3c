public import Foundation
import KYCDomain

/// One email to send: addresses, the headers the product promises, and content in text and HTML.
public struct MailMessage: Sendable, Equatable {
    public var from: Mailbox
    public var to: [Mailbox]
    public var subject: String
    /// The Message-ID, angle brackets included.
    public var messageID: String
    public var date: Date
    /// Further headers, in order (`X-KYC-Application`, say). Names must be header-name characters.
    public var extraHeaders: [(name: String, value: String)]
    public var text: String
    public var html: String?

    public init(
        from: Mailbox,
        to: [Mailbox],
        subject: String,
        messageID: String,
        date: Date,
        extraHeaders: [(name: String, value: String)] = [],
        text: String,
        html: String? = nil
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.messageID = messageID
        self.date = date
        self.extraHeaders = extraHeaders
        self.text = text
        self.html = html
    }

    public static func == (lhs: MailMessage, rhs: MailMessage) -> Bool {
        lhs.from == rhs.from && lhs.to == rhs.to && lhs.subject == rhs.subject && lhs.messageID == rhs.messageID
            && lhs.date == rhs.date && lhs.text == rhs.text && lhs.html == rhs.html
            && lhs.extraHeaders.map(\.name) == rhs.extraHeaders.map(\.name)
            && lhs.extraHeaders.map(\.value) == rhs.extraHeaders.map(\.value)
    }
}

/// Writes a `MailMessage` as RFC 5322 bytes: CRLF line endings, every header through one encoder that
/// never lets CR or LF from data through, non-ASCII in RFC 2047 encoded words, lines folded to 78
/// characters, bodies in quoted-printable, text and HTML as multipart/alternative.
public enum MessageEncoder {
    public static func encode(_ message: MailMessage, boundary: String? = nil) -> [UInt8] {
        var out = ""
        func header(_ name: String, _ value: String) { out += HeaderEncoder.field(name, value) }
        header("From", HeaderEncoder.mailbox(message.from))
        header("To", message.to.map(HeaderEncoder.mailbox).joined(separator: ", "))
        header("Subject", HeaderEncoder.unstructured(message.subject))
        header("Date", RFC5322Date.format(message.date))
        header("Message-ID", HeaderEncoder.sanitized(message.messageID))
        header("MIME-Version", "1.0")
        for extra in message.extraHeaders {
            header(HeaderEncoder.headerName(extra.name), HeaderEncoder.unstructured(extra.value))
        }
        if let html = message.html {
            // "=_" cannot occur in quoted-printable output, so no part can contain the boundary.
            let boundary = boundary ?? "=_kyc_" + String(UInt64.random(in: .min ... .max), radix: 36)
                + String(UInt64.random(in: .min ... .max), radix: 36)
            header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\"")
            out += "\r\n"
            out += "--\(boundary)\r\n"
            out += self.part(contentType: "text/plain; charset=utf-8", body: message.text)
            out += "--\(boundary)\r\n"
            out += self.part(contentType: "text/html; charset=utf-8", body: html)
            out += "--\(boundary)--\r\n"
        } else {
            header("Content-Type", "text/plain; charset=utf-8")
            header("Content-Transfer-Encoding", "quoted-printable")
            out += "\r\n"
            out += QuotedPrintable.encode(message.text)
        }
        return Array(out.utf8)
    }

    static func part(contentType: String, body: String) -> String {
        "Content-Type: \(contentType)\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + QuotedPrintable.encode(body) + "\r\n"
    }
}

/// Header values built so that data can never start a new header or end the header block.
public enum HeaderEncoder {
    /// One header field, folded to 78 characters where it has spaces to fold at, ending in CRLF.
    public static func field(_ name: String, _ value: String) -> String {
        var lines: [String] = []
        var current = name + ":"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if current.utf8.count + 1 + word.utf8.count > 78 && current.utf8.count > name.utf8.count + 1 {
                lines.append(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Replaces every control character (CR and LF among them) by a space.
    public static func sanitized(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.map {
            ($0.value < 0x20 || $0.value == 0x7f || (0x80...0x9f).contains($0.value)) ? " " : $0
        }))
    }

    /// Only the characters RFC 5322 allows in a field name; anything else becomes a hyphen.
    static func headerName(_ name: String) -> String {
        String(name.unicodeScalars.map { ($0.value >= 33 && $0.value <= 126 && $0 != ":") ? Character($0) : "-" })
    }

    /// Free text: ASCII as it is, anything else as RFC 2047 encoded words (UTF-8, base64), each at most
    /// 75 characters and split only between characters.
    public static func unstructured(_ value: String) -> String {
        let clean = self.sanitized(value)
        guard !clean.allSatisfy(\.isASCII) else { return clean }
        return self.encodedWords(clean)
    }

    static func encodedWords(_ text: String) -> String {
        // "=?UTF-8?B?" + "?=" take 12 of the 75 characters: 63 of base64, so at most 45 bytes per word.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: " ")
    }

    /// A mailbox: the display name quoted or encoded, then the checked address in angle brackets.
    public static func mailbox(_ mailbox: Mailbox) -> String {
        guard let name = mailbox.displayName.map(self.sanitized), !name.isEmpty else {
            return "<\(mailbox.address)>"
        }
        if name.allSatisfy(\.isASCII) {
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(mailbox.address)>"
        }
        return "\(self.encodedWords(name)) <\(mailbox.address)>"
    }
}

/// Quoted-printable (RFC 2045) with CRLF line endings and soft breaks before 76 characters. Works on the
/// UTF-8 bytes directly: it runs for every email's two parts.
public enum QuotedPrintable {
    private static let hex = Array("0123456789ABCDEF".utf8)

    public static func encode(_ text: String) -> String {
        let input = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / 8 + 16)
        var lineLength = 0
        var index = 0
        func emit(_ token: UnsafeBufferPointer<UInt8>) {
            if lineLength + token.count > 75 {
                output.append(contentsOf: [UInt8(ascii: "="), 13, 10])
                lineLength = 0
            }
            output.append(contentsOf: token)
            lineLength += token.count
        }
        while index < input.count {
            let byte = input[index]
            // CRLF, a lone LF or a lone CR: one line break.
            if byte == 10 || byte == 13 {
                output.append(contentsOf: [13, 10])
                lineLength = 0
                index += (byte == 13 && index + 1 < input.count && input[index + 1] == 10) ? 2 : 1
                continue
            }
            let next = index + 1 < input.count ? input[index + 1] : 10
            let endOfLine = next == 10 || next == 13
            if (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !endOfLine) {
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { buffer in
                    buffer[0] = byte
                    emit(UnsafeBufferPointer(buffer))
                }
            } else {
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 3) { buffer in
                    buffer[0] = UInt8(ascii: "=")
                    buffer[1] = hex[Int(byte >> 4)]
                    buffer[2] = hex[Int(byte & 0x0F)]
                    emit(UnsafeBufferPointer(buffer))
                }
            }
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - self.count)) + self
    }
}

/// The RFC 5322 date-time, always in UTC (`Thu, 26 Nov 2026 10:09:30 +0000`).
enum RFC5322Date {
    static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        let day = CalendarDate(utcDayOf: date)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(day.day) \(months[day.month - 1]) \(day.year) "
            + "\(pad(secondOfDay / 3600)):\(pad(secondOfDay / 60 % 60)):\(pad(secondOfDay % 60)) +0000"
    }
}
