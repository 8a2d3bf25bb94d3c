import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

/// What the mailer is handed for an email: a denial comes with the attempt window of the policy version its
/// decision was made under (CONTRACT §11), not that of a version published since.
@Suite(.enabled(if: TestServers.enabled))
struct OutboxNoticeTests {
    @Test func aDenialCarriesTheAttemptWindowOfThePolicyItWasDecidedUnder() async throws {
        let database = try await TestServers.freshDatabase()
        let administrator = try await database.connect(role: try await makePolicyAdministrator(in: database))
        let publish = { (seconds: Int) async throws -> Int in
            try await PolicyStore().publish(
                try Policy().setting("attempt_window_seconds", to: String(seconds)), note: "test: window \(seconds) s",
                on: administrator
            )
        }
        let defaultWindow = try await submit(Fixtures.validSubmission(), to: database)
        try await IntakeAmendmentTests.deny(defaultWindow, reason: "other", in: database)
        #expect(try await publish(3_600) == 2)
        let oneHour = try await submit(Fixtures.validSubmission(), to: database)
        try await IntakeAmendmentTests.deny(oneHour, reason: "other", in: database)
        #expect(try await publish(5_400) == 3)
        await administrator.close()

        let daemon = try await database.connect(role: "kyc_daemon")
        let claimed = try await Outbox().claimDue(limit: 10, lease: .seconds(60), on: daemon)
        await daemon.close()
        let windows = Dictionary(uniqueKeysWithValues: claimed.map { ($0.applicationID, $0.notice.attemptWindow) })
        #expect(windows == [defaultWindow: .seconds(86_400), oneHour: .seconds(3_600)])
    }
}
