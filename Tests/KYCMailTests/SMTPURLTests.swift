import KYCMail
import Testing

@Suite struct SMTPURLTests {
    /// URLs whose server is not this machine, however they may look: TLS stays required.
    @Test(arguments: [
        "smtp://mail.example.com/@127.0.0.1",
        "smtp://mail.example.com#@localhost",
        "smtp://127.mail.example.com",
        "smtp://mail.example.com?@127.0.0.1",
        "smtp://mail.example.com:587/@[::1]",
        "smtp://127.0.0.1.nip.io:25",
        "smtp://localhost.example.com",
        "smtp://[::ffff:127.0.0.1]:25",
        "smtp://[::2]:25",
        "smtp://[fe80::1%25lo]:25",
        "smtp://mail.example.com:587",
        "smtps://mail.example.com",
        "smtp://128.0.0.1",
        // libcurl cannot parse these: not loopback, and the client refuses them.
        "smtp://a@b@127.0.0.1",
        "smtp://",
        "http://127.0.0.1:25",
        "127.0.0.1:25",
    ])
    func requiresTLSForAServerThatIsNotLoopback(url: String) {
        #expect(SMTPConfiguration(url: url).requireTLS)
    }

    /// URLs whose server is this machine, by address: TLS may be off.
    @Test(arguments: [
        "smtp://127.0.0.1:2525",
        "smtp://127.0.0.1",
        "smtp://127.1.2.3:25",
        "smtp://127.1:25",
        "smtp://localhost:25",
        "smtp://LOCALHOST",
        "smtp://[::1]:2525",
        "smtp://[0:0:0:0:0:0:0:1]:2525",
        "smtp://kyc:secret@127.0.0.1:2525",
        "smtp://127.0.0.1:2525/auth-reject.test",
        // libcurl reads `mail.example.com:25` as user and password here and connects to 127.0.0.1.
        "smtp://mail.example.com:25@127.0.0.1",
    ])
    func letsTLSBeOffForALoopbackServer(url: String) {
        #expect(!SMTPConfiguration(url: url).requireTLS)
    }

    @Test func readsTheHostAndPortLibcurlWillConnectTo() {
        let hostile = SMTPURL("smtp://mail.example.com/@127.0.0.1")
        #expect(hostile?.host == "mail.example.com")
        #expect(hostile?.port == 25)
        let fragment = SMTPURL("smtp://mail.example.com#@localhost")
        #expect(fragment?.host == "mail.example.com")
        let implicit = SMTPURL("SMTPS://mail.example.com")
        #expect(implicit?.scheme == "smtps")
        #expect(implicit?.port == 465)
        #expect(implicit?.isImplicitTLS == true)
        #expect(SMTPURL("smtp://[::1]:2525")?.host == "[::1]")
        #expect(SMTPURL("smtp://2130706433")?.host == "127.0.0.1")
        #expect(SMTPURL("http://127.0.0.1") == nil)
    }

    @Test func refusesToBuildAClientForAURLLibcurlCannotParse() {
        #expect(throws: SMTPError.self) { try SMTPClient(configuration: SMTPConfiguration(url: "smtp://a@b@127.0.0.1")) }
        #expect(throws: SMTPError.self) { try SMTPClient(configuration: SMTPConfiguration(url: "http://127.0.0.1:25")) }
    }
}
