import Foundation
import KYCPostgres
import KYCTestSupport
import Testing

/// Personal data never reaches a log: a full run with canary values — the daemon at debug level, every CLI
/// command a reviewer and an officer use, a malformed submission, a refused one — and then a search of the
/// daemon's output, the CLI's standard error and the PostgreSQL server log for every canary.
@Suite(.enabled(if: TestServers.enabled))
struct PersonalDataInLogsTests {
    struct Canaries {
        let tag = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8).uppercased()
        var firstName: String { "Kanfirst\(self.tag)" }
        var lastName: String { "Kanlast\(self.tag)" }
        var number: String { "KAN\(self.tag)" }
        var address: String { "\(self.tag) Canary Wharf" }
        var email: String { "kan\(self.tag.lowercased())@example.com" }
        /// A date of birth no other test uses: a random day of 1931.
        let dateOfBirth = String(format: "1931-%02d-%02d", Int.random(in: 1...12), Int.random(in: 1...28))

        var all: [String] { [self.firstName, self.lastName, self.number, self.address, self.email, self.dateOfBirth] }

        func document(_ variant: String, score: Double = 0.97) -> [String: Any] {
            var document = Fixtures.ownLicence(self.number + variant)
            document = Fixtures.setting("account_id", to: "acct-\(self.tag.lowercased())-\(variant)", in: document)
            document = Fixtures.setting("email", to: self.email, in: document)
            document = Fixtures.setting("face_match_score", to: score, in: document)
            for (field, value) in [("first_name", self.firstName), ("last_name", self.lastName),
                                   ("date_of_birth", self.dateOfBirth), ("address", self.address)] {
                document = Fixtures.setting("basic_info.\(field)", to: value, in: document)
            }
            return document
        }
    }

    @Test func aFullRunWithCanaryDataLeavesNoneInAnyLog() async throws {
        let canaries = Canaries()
        let database = try await TestServers.freshDatabase()
        let logStart = (try? FileManager.default.attributesOfItem(atPath: try TestServers.postgresLog())[.size] as? Int) ?? 0
        let daemonOutput = FileManager.default.temporaryDirectory.appendingPathComponent("kyc-daemon-\(canaries.tag).log").path
        let daemon = try startDaemon(database, environment: ["KYC_LOG_LEVEL": "debug"], output: daemonOutput)
        defer { daemon.terminate() }
        var stderr = ""
        func cli(_ arguments: [String], role: String, input: String? = nil) throws -> (status: Int32, stdout: String) {
            let result = try CommandLine.run(arguments, input: input, databaseURL: try database.conninfo(role: role))
            stderr += result.stderr
            return (result.status, result.stdout)
        }

        // Approved automatically; referred, then approved by a reviewer; denied (the MRZ names disagree).
        #expect(try cli(["submit", "-"], role: "kyc_intake", input: Fixtures.json(canaries.document("a"))).status == 0)
        let referred = try cli(["submit", "-"], role: "kyc_intake", input: Fixtures.json(canaries.document("r", score: 0.75)))
        let denied = Fixtures.setting("account_id", to: "acct-\(canaries.tag.lowercased())-d", in: Fixtures.setting(
            "basic_info.first_name", to: canaries.firstName, in: Fixtures.validSubmission(email: canaries.email)))
        #expect(try cli(["submit", "-"], role: "kyc_intake", input: Fixtures.json(denied)).status == 0)
        // Refused at the door: malformed, and a second undecided application of one account.
        let malformed = Fixtures.setting("basic_info.date_of_birth", to: canaries.dateOfBirth.replacingOccurrences(of: "1931-", with: "1931-1"), in: canaries.document("m"))
        #expect(try cli(["submit", "-"], role: "kyc_intake", input: Fixtures.json(malformed)).status == 65)
        let badEmail = Fixtures.setting("email", to: "\(canaries.email)>\r\nBcc: x@example.com", in: canaries.document("e"))
        #expect(try cli(["submit", "-"], role: "kyc_intake", input: Fixtures.json(badEmail)).status == 65)
        #expect(try cli(["submit", "-"], role: "kyc_intake", input: Fixtures.json(canaries.document("r", score: 0.75))).status == 1)

        let reviewer = try await makeReviewer(in: database)
        let id = referred.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var status = ""
        for _ in 0..<100 where status != "in_review" {
            try await Task.sleep(for: .milliseconds(100))
            let shown = try cli(["show", id, "--format", "json"], role: reviewer)
            status = (try? JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["status"] as? String ?? ""
        }
        #expect(status == "in_review")
        #expect(try cli(["queue"], role: reviewer).status == 0)
        #expect(try cli(["show", id, "--reveal"], role: reviewer).status == 0)
        #expect(try cli(["approve", id, "--note", "selfie fine"], role: reviewer).status == 0)
        #expect(try cli(["report", "--format", "json"], role: "kyc_reporter").status == 0)
        let officer = try await makePrivacyOfficer(in: database)
        #expect(try cli(["export-subject", "acct-\(canaries.tag.lowercased())-a"], role: officer).status == 0)
        #expect(try cli(["purge", "--dry-run"], role: officer).status == 0)

        // Every decision's email delivered.
        let owner = try await database.connect()
        var sent = 0
        for _ in 0..<200 where sent < 3 {
            try await Task.sleep(for: .milliseconds(100))
            sent = try await owner.query("SELECT count(*) AS n FROM kyc.email_outbox WHERE status = 'sent'").single().decode("n")
        }
        await owner.close()
        #expect(sent == 3)
        daemon.terminate()
        #expect(try await waitForExit(daemon, seconds: 15))

        let daemonLog = try String(contentsOfFile: daemonOutput, encoding: .utf8)
        #expect(daemonLog.contains("applications.checked"), "the daemon did log")
        let serverLog = try Data(contentsOf: URL(fileURLWithPath: try TestServers.postgresLog())).dropFirst(logStart)
        let serverText = String(decoding: serverLog, as: UTF8.self)
        #expect(serverText.contains("ERROR"), "the refusals did reach the server log")
        for canary in canaries.all {
            #expect(!daemonLog.contains(canary), "daemon output holds \(canary)")
            #expect(!stderr.contains(canary), "CLI standard error holds \(canary)")
            #expect(!serverText.contains(canary), "PostgreSQL log holds \(canary)")
        }
    }
}
