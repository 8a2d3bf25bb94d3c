import Foundation

/// Decodes RFC 2047 encoded words (`=?UTF-8?B?…?=` and `?Q?`) in a header value, as a mail reader does:
/// whitespace between adjacent encoded words is dropped.
public enum RFC2047 {
    public static func decode(_ value: String) -> String {
        let pattern = try! NSRegularExpression(pattern: #"=\?([^?]+)\?([BbQq])\?([^?]*)\?="#)
        var output = ""
        var text = value
        var previousWasWord = false
        while let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
            let whole = Range(match.range, in: text)!
            let before = String(text[..<whole.lowerBound])
            if !(previousWasWord && before.allSatisfy(\.isWhitespace)) { output += before }
            let encoding = text[Range(match.range(at: 2), in: text)!].uppercased()
            let payload = String(text[Range(match.range(at: 3), in: text)!])
            let bytes =
                encoding == "B"
                ? Array(Data(base64Encoded: payload) ?? Data())
                : QuotedPrintableDecoder.bytes(payload.replacingOccurrences(of: "_", with: " "))
            output += String(decoding: bytes, as: UTF8.self)
            previousWasWord = true
            text = String(text[whole.upperBound...])
        }
        return output + text
    }
}

/// Undoes quoted-printable (soft line breaks and =XX escapes) on a whole message, for reading bodies.
public enum QuotedPrintableDecoder {
    public static func decode(_ text: String) -> String {
        String(decoding: bytes(text.replacingOccurrences(of: "=\r\n", with: "")), as: UTF8.self)
    }

    static func bytes(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        let input = Array(text.utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "="), index + 2 < input.count,
                let value = UInt8(String(decoding: input[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                output.append(value)
                index += 3
            } else {
                output.append(input[index])
                index += 1
            }
        }
        return output
    }
}
