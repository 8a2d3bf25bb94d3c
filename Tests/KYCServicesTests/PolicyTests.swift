import Foundation
import KYCDomain
import KYCPostgres
import KYCServices
import KYCStore
import KYCTestSupport
import Logging
import ServiceLifecycle
import Testing

@Suite(.enabled(if: TestServers.enabled))
struct PolicyTests {
    @Test func theShippedPolicyIsTheContractsDefaults() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect(role: "kyc_daemon")
        let current = try await PolicyStore().current(on: connection)
        #expect(current.version == 1)
        #expect(try Policy(json: current.json) == Policy())
        await connection.close()
    }

    @Test func aNewVersionTakesEffectInTheRunningDaemonAndDecisionsRecordIt() async throws {
        let database = try await TestServers.freshDatabase()
        try await EndToEndTests().withDaemon(database) {
            let first = try await EndToEndTests().submit(Fixtures.ownLicence("POLICY1"), to: database)
            let owner = try await database.connect()
            // Wait for the first application's decision under version 1.
            var status = ""
            for _ in 0..<100 where status != "approved" {
                try await Task.sleep(for: .milliseconds(100))
                status = try await owner.query("SELECT status FROM kyc.applications WHERE id = $1", [first]).single().decode("status")
            }
            #expect(status == "approved")
            let stricter = try Policy().setting("face_match.pass_from", to: "0.98")
            let administrator = try await database.connect(role: try await makePolicyAdministrator(in: database))
            let version = try await PolicyStore().publish(stricter, note: "test: stricter face match", on: administrator)
            await administrator.close()
            #expect(version == 2)
            let second = try await EndToEndTests().submit(Fixtures.ownLicence("POLICY2"), to: database)
            for _ in 0..<100 where status != "in_review" {
                try await Task.sleep(for: .milliseconds(100))
                status = try await owner.query("SELECT status FROM kyc.applications WHERE id = $1", [second]).single().decode("status")
            }
            #expect(status == "in_review", "a score of 0.97 is referred under pass_from 0.98")
            let versions = try await owner.query(
                "SELECT id, policy_version FROM kyc.applications WHERE id IN ($1, $2) ORDER BY id", [first, second]
            ).map { try $0.decode("policy_version", as: Int.self) }
            #expect(versions == [1, 2])
            let audited = try await owner.query("SELECT count(*) AS n FROM kyc.audit_log WHERE action = 'policy_published'")
            #expect(try audited.single().decode("n", as: Int.self) == 1)
            await owner.close()
        }
    }

    /// CONTRACT §11: the denial email states the attempt window of the policy, not a fixed 24 hours.
    @Test func aDenialEmailStatesThePolicysAttemptWindow() async throws {
        let database = try await TestServers.freshDatabase()
        let administrator = try await database.connect(role: try await makePolicyAdministrator(in: database))
        let hourly = try Policy().setting("attempt_window_seconds", to: "3600")
        let version = try await PolicyStore().publish(hourly, note: "test: a one-hour window", on: administrator)
        #expect(version == 2)
        await administrator.close()
        let recipient = "window-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        try await EndToEndTests().withDaemon(database) {
            // Denied for an expired session: a first denial, with 9 attempts remaining.
            let late = Fixtures.validSubmission(
                email: recipient, sessionStartedAt: Fixtures.timestamp(secondsAgo: 1_205)
            )
            _ = try await EndToEndTests().submit(late, to: database)
            let message = try #require(try await receivedMessages(for: recipient, waitingUpTo: 20).first)
            let text = QuotedPrintableDecoder.decode(String(decoding: message, as: UTF8.self))
            #expect(text.contains("you have 9 attempts remaining in the current 1 hour."))
            #expect(!text.contains("24 hours"))
        }
    }

    /// CONTRACT §11: the denial email states the policy's minimum age and session window, not a fixed 18 and
    /// 15 minutes.
    @Test func aDenialEmailStatesThePolicysMinimumAgeAndSessionWindow() async throws {
        let database = try await TestServers.freshDatabase()
        let administrator = try await database.connect(role: try await makePolicyAdministrator(in: database))
        let stricter = try Policy().setting("minimum_age", to: "21").setting("session_window_seconds", to: "1200")
        let version = try await PolicyStore().publish(stricter, note: "test: 21 and 20 minutes", on: administrator)
        #expect(version == 2)
        await administrator.close()
        let tag = UUID().uuidString.prefix(8).lowercased()
        let young = "age-\(tag)@example.com", late = "session-\(tag)@example.com"
        // 20 years old on every day of this year: of age under the default policy, not under this one.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let born = "\(calendar.component(.year, from: Date()) - 20)-01-01"
        var underage = Fixtures.setting("basic_info.date_of_birth", to: born, in: Fixtures.ownLicence("AGE\(tag)"))
        underage = Fixtures.setting("email", to: young, in: underage)
        try await EndToEndTests().withDaemon(database) {
            _ = try await EndToEndTests().submit(underage, to: database)
            // A session of 21 minutes: past this policy's 20 minutes.
            let expired = Fixtures.validSubmission(email: late, sessionStartedAt: Fixtures.timestamp(secondsAgo: 1_265))
            _ = try await EndToEndTests().submit(expired, to: database)
            let ageMessage = try #require(try await receivedMessages(for: young, waitingUpTo: 20).first)
            let ageText = QuotedPrintableDecoder.decode(String(decoding: ageMessage, as: UTF8.self))
            #expect(ageText.contains("you must be at least 21 years old"), "\(ageText)")
            #expect(!ageText.contains("18 years"))
            let sessionMessage = try #require(try await receivedMessages(for: late, waitingUpTo: 20).first)
            let sessionText = QuotedPrintableDecoder.decode(String(decoding: sessionMessage, as: UTF8.self))
            #expect(sessionText.contains("took longer than the 20 minutes allowed"), "\(sessionText)")
            #expect(!sessionText.contains("15 minutes"))
        }
    }

    @Test func replayOfTheUnchangedPolicyReportsNoChangeAndACandidateReportsWhatMoves() async throws {
        let database = try await TestServers.freshDatabase()
        // Three decided automatically: an approval, a session_expired denial, a referral.
        try await EndToEndTests().withDaemon(database) {
            _ = try await EndToEndTests().submit(Fixtures.ownLicence("REPLAY1"), to: database)
            var late = Fixtures.ownLicence("REPLAY2")
            late["session_started_at"] = Fixtures.timestamp(secondsAgo: 1_805)  // 30 minutes before submission
            _ = try await EndToEndTests().submit(late, to: database)
            var referred = Fixtures.ownLicence("REPLAY3")
            referred["face_match_score"] = 0.7
            _ = try await EndToEndTests().submit(referred, to: database)
            let owner = try await database.connect()
            var pending = 3
            for _ in 0..<100 where pending > 0 {
                try await Task.sleep(for: .milliseconds(100))
                pending = try await owner.query("SELECT count(*) AS n FROM kyc.applications WHERE automated_verdict IS NULL").single().decode("n")
            }
            await owner.close()
        }
        let administrator = try await database.connect(role: try await makePolicyAdministrator(in: database))
        let since = Date(timeIntervalSince1970: 1_795_600_000)
        let unchanged = try await PolicyReplay(candidate: Policy(), vault: TestKeyring.vault).run(since: since, until: Date.distantFuture, on: administrator)
        #expect(unchanged.replayed == 3)
        #expect(unchanged.changed == 0)
        let stricter = try await PolicyReplay(candidate: try Policy().setting("face_match.pass_from", to: "0.98"), vault: TestKeyring.vault)
            .run(since: since, until: Date.distantFuture, on: administrator)
        #expect(stricter.changes == [ReplaySummary.Transition(from: "approved", to: "in_review"): 1])
        // Replay writes nothing.
        await administrator.close()
        let owner = try await database.connect()
        let decisions = try await owner.query("SELECT count(*) AS n FROM kyc.decisions").single().decode("n", as: Int.self)
        #expect(decisions == 2)
        await owner.close()
    }

    /// `policy set` is a read-modify-write: a version published between its read and its publish is not
    /// reverted. The publish is refused as stale (40001) and the change made again on the newer version.
    @Test func policySetDoesNotRevertAChangePublishedWhileItRan() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        // A stale expected version publishes nothing.
        let stale = try await owner.query("SELECT version FROM kyc.current_policy()").single().decode("version", as: Int.self)
        _ = try await owner.query("SELECT kyc.publish_policy('{}', 'test: another change')")
        do {
            _ = try await owner.query("SELECT kyc.publish_policy('{\"minimum_age\": 30}', 'test', $1)", [stale])
            Issue.record("a stale version was published over")
        } catch {
            #expect(error.sqlState == "40001", "\(error)")
        }
        let before = try await owner.query("SELECT version FROM kyc.current_policy()").single().decode("version", as: Int.self)
        #expect(before == stale + 1)

        // Another administrator publishes minimum_age 21 while `policy set` runs: it holds the table's lock
        // until `policy set` has read version `before` and waits to publish.
        try await owner.execute("BEGIN")
        _ = try await owner.query(
            "SELECT kyc.publish_policy((SELECT settings FROM kyc.current_policy()) || '{\"minimum_age\": 21}', 'test: age')"
        )
        let url = try database.conninfo()
        let running = Task.detached {
            try CommandLine.run(["policy", "set", "attempts_per_day", "7", "--note", "test: attempts"], databaseURL: url)
        }
        var waiting = 0
        for _ in 0..<200 where waiting == 0 {
            try await Task.sleep(for: .milliseconds(50))
            waiting = try await owner.query(
                "SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'kyc.policy_versions'::regclass AND NOT granted"
            ).single().decode("n")
        }
        #expect(waiting == 1, "policy set never waited for the lock")
        try await owner.execute("COMMIT")
        let output = try await running.value
        #expect(output.status == 0 && output.stdout.contains("policy version \(before + 2) in force"), "\(output.stderr)")
        let policy = try Policy(json: try await PolicyStore().current(on: owner).json)
        #expect(policy.minimumAge == 21 && policy.attemptsPerDay == 7)
        await owner.close()
    }
}
