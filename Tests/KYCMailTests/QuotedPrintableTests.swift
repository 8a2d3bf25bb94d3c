import Foundation
import Testing

@testable import KYCMail

@Suite struct QuotedPrintableTests {
    @Test(arguments: [
        ("plain text", "plain text"),
        ("a=b", "a=3Db"),
        ("line\nnext", "line\r\nnext"),
        ("crlf\r\nnext", "crlf\r\nnext"),
        ("lone\rcr", "lone\r\ncr"),
        ("trailing space \nx", "trailing space=20\r\nx"),
        ("Zoë", "Zo=C3=AB"),
        ("ends with newline\n", "ends with newline\r\n"),
    ])
    func encodesAsRFC2045Says(text: String, expected: String) {
        #expect(QuotedPrintable.encode(text) == expected)
    }

    @Test func breaksLinesSoftlyBeforeSeventySixCharactersAndRoundTrips() {
        let text = String(repeating: "é", count: 100) + "\n" + String(repeating: "word ", count: 40)
        let encoded = QuotedPrintable.encode(text)
        for line in encoded.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 76) }
        let decoded = Self.decode(encoded)
        #expect(decoded == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    /// Enough of a decoder to check the round trip: soft breaks removed, =XX undone.
    static func decode(_ text: String) -> String {
        let joined = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < joined.count {
            if joined[index] == UInt8(ascii: "="), index + 2 < joined.count,
                let value = UInt8(String(decoding: joined[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(joined[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
