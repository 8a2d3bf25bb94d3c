import Foundation
import KYCMail
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

/// The applicant's email address: intake (`kyc.submit_application`) owns what an address may be, lengths
/// included; the mailer's `EmailAddress` guards the wire and states no limit of its own, so every address
/// intake accepts can be sent. One table of addresses runs through both. (This suite lives here rather than
/// in KYCStoreTests' RuleOwnerTests because this test target is the one that sees both KYCMail and the store.)
@Suite(.enabled(if: TestServers.enabled))
struct EmailAddressRuleTests {
    /// An address, whether intake accepts it, and whether the mailer does.
    static let addresses: [(address: String, intake: Bool, mailer: Bool)] = [
        ("ada@example.com", true, true),
        ("first.last+tag@sub.example.co.uk", true, true),
        ("o'brien!#$%&*/=?^_`{|}~-@example.ie", true, true),
        ("UPPER@EXAMPLE.COM", true, true),
        ("a@bücher.example", true, true),
        ("a@München.DE", true, true),
        ("a@例え.テスト", true, true),
        ("a@xn--bcher-kva.example", true, true),
        ("a@123.example", true, true),
        (String(repeating: "l", count: 64) + "@example.com", true, true),
        ("a@" + String(repeating: "d", count: 63) + ".example", true, true),
        // 63 characters as typed, more than 63 octets as an A-label: intake's limit is on what was typed.
        ("a@" + String(repeating: "d", count: 62) + "ü.example", true, true),
        (String(repeating: "l", count: 64) + "@" + String(repeating: "d", count: 63) + "."
            + String(repeating: "e", count: 63) + "." + String(repeating: "f", count: 61), true, true),
        // Refused by both.
        ("", false, false),
        ("ada", false, false),
        ("@example.com", false, false),
        ("a@", false, false),
        ("a@b@example.com", false, false),
        ("a..b@example.com", false, false),
        (".a@example.com", false, false),
        ("a.@example.com", false, false),
        ("a@-example.com", false, false),
        ("a@example-.com", false, false),
        ("a@example..com", false, false),
        ("a@.example.com", false, false),
        ("a b@example.com", false, false),
        ("a@exa mple.com", false, false),
        ("<a@example.com>", false, false),
        ("\"quoted\"@example.com", false, false),
        ("\"a b\"@example.com", false, false),
        ("zoë@example.com", false, false),
        ("a@example.com\r\nRCPT TO:<victim@example.com>", false, false),
        ("a@bücher\u{0085}.example", false, false),
        // Refused at the door; the mailer, which also sends to operators' addresses, would send them.
        ("a@localhost", false, true),
        ("a@☃.example", false, true),
        (String(repeating: "l", count: 65) + "@example.com", false, true),
        ("a@" + String(repeating: "d", count: 64) + ".example", false, true),
        (String(repeating: "l", count: 64) + "@" + String(repeating: "d", count: 63) + "."
            + String(repeating: "e", count: 63) + "." + String(repeating: "f", count: 62), false, true),
    ]

    @Test func everyAddressIntakeAcceptsTheMailerCanSend() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect(role: "kyc_intake")
        for (address, expectedAtIntake, expectedAtMailer) in Self.addresses {
            let intake: Bool
            do {
                _ = try await Intake().submit(Fixtures.json(Fixtures.validSubmission(email: address)), on: connection)
                intake = true
            } catch {
                #expect(error.underlying?.sqlState == "22023" && error.message?.contains("email") == true, "\(error)")
                intake = false
            }
            let mailer = EmailAddress(address) != nil
            #expect(intake == expectedAtIntake, "intake, \(address.debugDescription)")
            #expect(mailer == expectedAtMailer, "mailer, \(address.debugDescription)")
            #expect(!intake || mailer, "intake accepts what the mailer refuses: \(address.debugDescription)")
        }
        await connection.close()
    }
}
