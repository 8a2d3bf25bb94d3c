import CivilCalendar
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
        var out: [UInt8] = []
        out.reserveCapacity(2 * (message.text.utf8.count + (message.html?.utf8.count ?? 0)) + 1024)
        func header(_ name: String, _ value: String) { HeaderEncoder.appendField(name, value, to: &out) }
        func append(_ text: String) { out.append(contentsOf: text.utf8) }
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
            append("\r\n--\(boundary)\r\n")
            self.part(contentType: "text/plain; charset=utf-8", body: message.text, into: &out)
            append("--\(boundary)\r\n")
            self.part(contentType: "text/html; charset=utf-8", body: html, into: &out)
            append("--\(boundary)--\r\n")
        } else {
            header("Content-Type", "text/plain; charset=utf-8")
            header("Content-Transfer-Encoding", "quoted-printable")
            append("\r\n")
            QuotedPrintable.encode(message.text, into: &out)
        }
        return out
    }

    static func part(contentType: String, body: String, into out: inout [UInt8]) {
        out.append(contentsOf: "Content-Type: \(contentType)\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n".utf8)
        QuotedPrintable.encode(body, into: &out)
        out.append(contentsOf: [13, 10])
    }
}

/// Header values built so that data can never start a new header or end the header block.
public enum HeaderEncoder {
    /// One header field, folded to 78 characters where it has spaces to fold at, ending in CRLF.
    ///
    /// A fold goes only before a word, never before a space: every continuation line carries something
    /// besides whitespace, since strict parsers read a line of only whitespace as the end of the header
    /// block. A run of spaces stays on the line it follows, even when that makes the line longer.
    public static func field(_ name: String, _ value: String) -> String {
        var lines: [String] = []
        var current = name + ":"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if !word.isEmpty && current.utf8.count + 1 + word.utf8.count > 78 && current.utf8.count > name.utf8.count + 1 {
                lines.append(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `field`, appended to `out`; a field that needs no folding is copied as it is.
    static func appendField(_ name: String, _ value: String, to out: inout [UInt8]) {
        guard name.utf8.count + 2 + value.utf8.count <= 78 else {
            out.append(contentsOf: self.field(name, value).utf8)
            return
        }
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: [58, 32])
        out.append(contentsOf: value.utf8)
        out.append(contentsOf: [13, 10])
    }

    /// Replaces every control character (CR and LF among them) by a space.
    public static func sanitized(_ value: String) -> String {
        // Printable ASCII throughout (the usual case) has nothing to replace.
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return value }
        return String(String.UnicodeScalarView(value.unicodeScalars.map {
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
        guard !clean.utf8.allSatisfy({ $0 < 0x80 }) else { return clean }
        return self.encodedWords(clean)
    }

    /// A display name as it goes into a header: control characters replaced (`sanitized`), every run of
    /// whitespace collapsed to one space, the ends trimmed.
    static func displayName(_ name: String) -> String {
        self.sanitized(name).split(whereSeparator: \.isWhitespace).joined(separator: " ")
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

    /// A mailbox: the display name quoted or encoded, then the checked address in angle brackets. The name's
    /// runs of whitespace (control characters included) become one space and its ends are trimmed; a name of
    /// nothing but whitespace is left out.
    public static func mailbox(_ mailbox: Mailbox) -> String {
        guard let name = mailbox.displayName.map(self.displayName), !name.isEmpty else {
            return "<\(mailbox.address)>"
        }
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            let quoted = name.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 })
                ? name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") : name
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
        var output: [UInt8] = []
        self.encode(text, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the encoding of `text` to `output`.
    public static func encode(_ text: String, into output: inout [UInt8]) {
        var text = text
        text.withUTF8 { input in
            output.reserveCapacity(output.count + input.count + input.count / 8 + 16)
            var lineLength = 0
            var index = 0
            while index < input.count {
                let byte = input[index]
                // CRLF, a lone LF or a lone CR: one line break.
                if byte == 10 || byte == 13 {
                    output.append(13)
                    output.append(10)
                    lineLength = 0
                    index += (byte == 13 && index + 1 < input.count && input[index + 1] == 10) ? 2 : 1
                    continue
                }
                let next = index + 1 < input.count ? input[index + 1] : 10
                let endOfLine = next == 10 || next == 13
                let literal = (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !endOfLine)
                let width = literal ? 1 : 3
                if lineLength + width > 75 {
                    output.append(UInt8(ascii: "="))
                    output.append(13)
                    output.append(10)
                    lineLength = 0
                }
                if literal {
                    output.append(byte)
                } else {
                    output.append(UInt8(ascii: "="))
                    output.append(self.hex[Int(byte >> 4)])
                    output.append(self.hex[Int(byte & 0x0F)])
                }
                lineLength += width
                index += 1
            }
        }
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
        let (days, second) = CivilDays.split(seconds: seconds)
        let secondOfDay = Int(second)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        let day = CalendarDate(utcDayOf: date)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(day.day) \(months[day.month - 1]) \(day.year) "
            + "\(pad(secondOfDay / 3600)):\(pad(secondOfDay / 60 % 60)):\(pad(secondOfDay % 60)) +0000"
    }
}
