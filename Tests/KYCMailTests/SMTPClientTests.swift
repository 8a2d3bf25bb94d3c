import Foundation
import KYCMail
import KYCTestSupport
import Testing

func uniqueAddress(_ prefix: String = "rcpt") -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
}

@Suite(.enabled(if: TestServers.enabled))
struct SMTPClientTests {
    @Test func deliversAMessageByteExactWithCRLFAndDotStuffing() async throws {
        let recipient = uniqueAddress()
        let body = "Hello\r\n.a line that starts with a dot\r\n..two dots\r\n.\r\nend\r\n"
        let data = Array("From: <kyc@exchange.example>\r\nTo: <\(recipient)>\r\nSubject: test\r\n\r\n\(body)".utf8)
        let client = try SMTPClient(configuration: SMTPConfiguration(url: try TestServers.smtpURL()))
        let receipt = try client.send(from: EmailAddress("kyc@exchange.example")!, to: [EmailAddress(recipient)!], data: data)
        #expect(receipt.replyCode == 250)
        let received = try await receivedMessages(for: recipient)
        #expect(received == [data])
    }

    @Test func reusesOneClientForManyMessages() async throws {
        let client = try SMTPClient(configuration: SMTPConfiguration(url: try TestServers.smtpURL()))
        let recipients = (0..<5).map { _ in uniqueAddress() }
        for recipient in recipients {
            try client.send(from: EmailAddress("kyc@exchange.example")!, to: [EmailAddress(recipient)!],
                            data: Array("Subject: n\r\n\r\nbody\r\n".utf8))
        }
        for recipient in recipients {
            #expect(try await receivedMessages(for: recipient).count == 1)
        }
    }

    @Test func reportsARefusedConnectionAsTemporary() throws {
        let client = try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:1", connectTimeout: .seconds(2)))
        do {
            try client.send(from: EmailAddress("kyc@exchange.example")!, to: [EmailAddress("a@example.com")!],
                            data: Array("Subject: x\r\n\r\nx\r\n".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.isTemporary)
        }
    }

    @Test func reportsA550ForTheRecipientAsPermanentWithTheReply() throws {
        let client = try SMTPClient(configuration: SMTPConfiguration(url: try TestServers.smtpURL()))
        do {
            try client.send(from: EmailAddress("kyc@exchange.example")!, to: [EmailAddress("reject-me@example.com")!],
                            data: Array("Subject: x\r\n\r\nx\r\n".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.replyCode == 550)
            #expect(error.isPermanent)
            #expect(error.replyText?.contains("550") == true)
            #expect(!"\(error)".contains("reject-me"))
        }
    }

    @Test func reportsA451ForTheRecipientAsTemporary() throws {
        let client = try SMTPClient(configuration: SMTPConfiguration(url: try TestServers.smtpURL()))
        do {
            try client.send(from: EmailAddress("kyc@exchange.example")!, to: [EmailAddress("tempfail@example.com")!],
                            data: Array("Subject: x\r\n\r\nx\r\n".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.replyCode == 451)
            #expect(error.isTemporary)
        }
    }

    @Test func refusesToSendUnauthenticatedWhenCredentialsAreConfiguredButTheServerOffersNoAUTH() async throws {
        let recipient = uniqueAddress("auth")
        let client = try SMTPClient(configuration: SMTPConfiguration(url: try TestServers.smtpURL(), username: "kyc", password: "secret"))
        do {
            try client.send(from: EmailAddress("kyc@exchange.example")!, to: [EmailAddress(recipient)!],
                            data: Array("Subject: x\r\n\r\nsecret content\r\n".utf8))
            Issue.record("sent unauthenticated")
        } catch {
            #expect(error.code == .authenticationFailed)
            #expect(error.isTemporary, "a configuration problem: the mail waits")
            #expect(error.isConfigurationProblem)
        }
        #expect(try await receivedMessages(for: recipient, waitingUpTo: 1).isEmpty)
    }

    /// The sink offers AUTH and refuses every credential with 535 when the EHLO name (the URL's path) asks.
    @Test func reportsARejectedPasswordAsAConfigurationProblemNotAPermanentFailure() async throws {
        let recipient = uniqueAddress("auth")
        let url = try TestServers.smtpURL() + "/auth-reject.test"
        let client = try SMTPClient(configuration: SMTPConfiguration(url: url, username: "kyc", password: "wrong"))
        do {
            try client.send(from: EmailAddress("kyc@exchange.example")!, to: [EmailAddress(recipient)!],
                            data: Array("Subject: x\r\n\r\nx\r\n".utf8))
            Issue.record("sent with a rejected password")
        } catch {
            #expect(error.code == .authenticationFailed)
            #expect(error.replyCode == 535)
            #expect(error.curlCode == 67, "CURLE_LOGIN_DENIED")
            #expect(error.isConfigurationProblem)
            #expect(!error.isPermanent, "the email waits for the password to be fixed")
        }
        #expect(try await receivedMessages(for: recipient, waitingUpTo: 1).isEmpty)
    }

    @Test func deliversWhenTheServerAcceptsTheCredentials() async throws {
        let recipient = uniqueAddress("auth")
        let url = try TestServers.smtpURL() + "/auth-accept.test"
        let client = try SMTPClient(configuration: SMTPConfiguration(url: url, username: "kyc", password: "right"))
        let receipt = try client.send(from: EmailAddress("kyc@exchange.example")!, to: [EmailAddress(recipient)!],
                                      data: Array("Subject: x\r\n\r\nx\r\n".utf8))
        #expect(receipt.replyCode == 250)
        #expect(try await receivedMessages(for: recipient).count == 1)
    }

    @Test func requiresTLSForAnythingButLoopbackByDefault() {
        #expect(SMTPConfiguration(url: "smtp://mail.example.com:587").requireTLS)
        #expect(!SMTPConfiguration(url: "smtp://127.0.0.1:2525").requireTLS)
        #expect(!SMTPConfiguration(url: "smtp://[::1]:2525").requireTLS)
    }
}

@Suite struct EmailAddressTests {
    @Test(arguments: [
        "a@example.com\r\nRCPT TO:<victim@example.com>", "a b@example.com", "<a@example.com>", "a@exa mple.com",
        "a@example.com\n", "@example.com", "a@", "a..b@example.com", "a@-example.com", "ü@example.com", "a@example.com\u{0}",
    ])
    func refusesAddressesThatCouldBreakTheProtocol(address: String) {
        #expect(EmailAddress(address) == nil)
    }

    @Test(arguments: [
        ("a@bücher.example", "a@xn--bcher-kva.example"), ("a@München.DE", "a@xn--mnchen-3ya.de"),
        ("a@例え.テスト", "a@xn--r8jz45g.xn--zckzah"), ("a@xn--bcher-kva.example", "a@xn--bcher-kva.example"),
    ])
    func keepsAnInternationalDomainInItsALabelForm(address: String, expected: String) {
        #expect(EmailAddress(address)?.description == expected)
    }

    @Test func refusesAnInternationalLocalPartAndControlCharactersInADomain() {
        #expect(EmailAddress("zoë@example.com") == nil, "that would need SMTPUTF8")
        #expect(EmailAddress("a@bücher\u{0085}.example") == nil)
        #expect(EmailAddress("a@bü cher.example") == nil)
    }

    @Test func acceptsOrdinaryAddresses() {
        #expect(EmailAddress("first.last+tag@sub.example.co.uk")?.domain == "sub.example.co.uk")
    }

    @Test func parsesAMailboxWithDisplayName() {
        let mailbox = Mailbox(parsing: "KYC Review <kyc@exchange.example>")
        #expect(mailbox?.displayName == "KYC Review")
        #expect(mailbox?.address.description == "kyc@exchange.example")
    }
}

@Suite struct MessageEncoderTests {
    let message = MailMessage(
        from: Mailbox(displayName: "KYC Review", address: EmailAddress("kyc@exchange.example")!),
        to: [Mailbox(address: EmailAddress("ada@example.com")!)],
        subject: "Ihre Identität ist bestätigt",
        messageID: "<kyc.1.abc@kyc-review>",
        date: Date(timeIntervalSince1970: 1_795_687_770),
        extraHeaders: [("X-KYC-Application", "1\r\nBcc: victim@example.com")],
        text: "Hello\n.dot line\n",
        html: "<p>Hello</p>"
    )

    var encoded: String { String(decoding: MessageEncoder.encode(message, boundary: "=_b"), as: UTF8.self) }

    @Test func neverLetsCROrLFFromDataIntoAHeader() {
        let headers = encoded.components(separatedBy: "\r\n\r\n")[0]
        #expect(!headers.contains("\r\nBcc:"))
        #expect(headers.contains("X-KYC-Application: 1  Bcc: victim@example.com"))
    }

    @Test func encodesANonASCIISubjectAsRFC2047() {
        #expect(encoded.contains("Subject: =?UTF-8?B?"))
        #expect(!encoded.contains("Identität"))
    }

    @Test func writesCRLFLineEndingsOnly() {
        let bytes = MessageEncoder.encode(message, boundary: "=_b")
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            #expect(index > 0 && bytes[index - 1] == 0x0D)
        }
    }

    @Test func foldsHeadersAtSeventyEightCharacters() {
        let long = MailMessage(
            from: message.from, to: message.to, subject: String(repeating: "word ", count: 40), messageID: "<x@y>",
            date: message.date, text: "x"
        )
        let headers = String(decoding: MessageEncoder.encode(long), as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        for line in headers.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78) }
    }

    func headerLines(to recipient: Mailbox) -> [String] {
        let message = MailMessage(
            from: message.from, to: [recipient], subject: "s", messageID: "<x@y>", date: message.date, text: "x"
        )
        let encoded = String(decoding: MessageEncoder.encode(message), as: UTF8.self)
        return encoded.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
    }

    @Test(arguments: [
        String(repeating: " ", count: 160), String(repeating: " ", count: 77), String(repeating: "\t", count: 160),
        String(repeating: "\r\n ", count: 60), String(repeating: "\u{3000}", count: 160),
        "Ada" + String(repeating: " ", count: 160) + "Lovelace", String(repeating: "A ", count: 80),
        String(repeating: " ", count: 100) + "Ada" + String(repeating: " ", count: 100),
    ])
    func neverWritesAHeaderLineOfOnlyWhitespace(displayName: String) {
        let lines = self.headerLines(to: Mailbox(displayName: displayName, address: EmailAddress("ada@example.com")!))
        for line in lines {
            #expect(line.contains { !$0.isWhitespace }, "a line of only whitespace ends the header block")
        }
    }

    @Test func leavesOutADisplayNameOfOnlyWhitespace() {
        let lines = self.headerLines(
            to: Mailbox(displayName: String(repeating: " ", count: 160), address: EmailAddress("ada@example.com")!)
        )
        #expect(lines.contains("To: <ada@example.com>"))
    }

    @Test func collapsesRunsOfWhitespaceInADisplayName() {
        let mailbox = Mailbox(displayName: "  Ada \t\t   Lovelace\r\n ", address: EmailAddress("ada@example.com")!)
        #expect(HeaderEncoder.mailbox(mailbox) == "\"Ada Lovelace\" <ada@example.com>")
        let wide = Mailbox(displayName: "Zoë" + String(repeating: " ", count: 40) + "Ō", address: EmailAddress("z@example.com")!)
        #expect(HeaderEncoder.mailbox(wide) == HeaderEncoder.mailbox(Mailbox(displayName: "Zoë Ō", address: wide.address)))
    }

    @Test(arguments: [
        "word " + String(repeating: " ", count: 200) + "word", String(repeating: " ", count: 200),
        String(repeating: "word ", count: 30) + String(repeating: " ", count: 90), String(repeating: "x", count: 100) + "   ",
    ])
    func foldsNoContinuationLineOfOnlyWhitespace(value: String) {
        let lines = HeaderEncoder.field("Subject", value).components(separatedBy: "\r\n").dropLast()
        for line in lines { #expect(line.contains { !$0.isWhitespace }) }
        #expect(lines.joined(separator: "") == "Subject: " + value, "folding adds or removes nothing but CRLF")
    }

    @Test func carriesTheHeadersTheContractPromises() {
        #expect(encoded.contains("From: \"KYC Review\" <kyc@exchange.example>\r\n"))
        #expect(encoded.contains("To: <ada@example.com>\r\n"))
        #expect(encoded.contains("Message-ID: <kyc.1.abc@kyc-review>\r\n"))
        #expect(encoded.contains("Date: Thu, 26 Nov 2026 10:09:30 +0000\r\n"))
        #expect(encoded.contains("Content-Type: multipart/alternative;"))
    }
}
