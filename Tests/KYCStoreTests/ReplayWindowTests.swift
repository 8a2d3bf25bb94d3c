import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

/// `policy replay` counts a candidate's attempt limit over the candidate's own window and cooldown: the
/// history a replay page hands out is cut by what it is given, not by the policy in force.
@Suite(.enabled(if: TestServers.enabled))
struct ReplayWindowTests {
    @Test func aReplayPageCutsTheHistoryByTheCandidatesWindowNotThePolicyInForce() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        // In force: a ten-minute window.
        _ = try await PolicyStore().publish(
            try Policy().setting("attempt_window_seconds", to: "600"), note: "replay window test", on: owner
        )
        let account = "acct-replay-window"
        let earlier = try await submit(Fixtures.validSubmission(account: account), to: database)
        try await decideAll(database, verdict: .deny(.other, .attemptsRemaining(9)))
        let later = try await submit(Fixtures.validSubmission(account: account), to: database)
        try await decideAll(database, verdict: .review)
        // The earlier submission two hours before the later one.
        try await owner.query(
            "UPDATE kyc.applications SET received_at = received_at - interval '2 hours', submitted_at = submitted_at - interval '2 hours' WHERE id = $1",
            [earlier]
        )
        await owner.close()

        let administrator = try await database.connect(role: try await makePolicyAdministrator(in: database))
        let since = Date(timeIntervalSince1970: 1_700_000_000)
        let until = Date().addingTimeInterval(3600)
        func earlierSubmissions(window: Duration?) async throws -> Int? {
            let page = try await ReplaySource(vault: TestKeyring.vault).page(
                since: since, until: until, after: 0, limit: 10, attemptWindow: window, cooldown: window, on: administrator
            )
            guard case .success(let claimed) = page.first(where: { $0.id == later })?.claimed else { return nil }
            return claimed.history.earlierSubmissions.count
        }
        #expect(try await earlierSubmissions(window: nil) == 0, "the policy in force's ten minutes")
        #expect(try await earlierSubmissions(window: .seconds(3 * 3600)) == 1, "a candidate's three hours")
        await administrator.close()
    }
}
