import Foundation
import Testing

@testable import KYCMail
import KYCTestSupport

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
        let decoded = QuotedPrintableDecoder.decode(encoded)
        #expect(decoded == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }
}
