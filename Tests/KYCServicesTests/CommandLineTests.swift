import Foundation
import KYCPostgres
import KYCTestSupport
import KYCVault
import Testing

/// The built `kyc-review`, run as an operator would, for the exit statuses of CONTRACT §4.
struct CommandLine {
    static var binary: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("kyc-review")
    }

    /// An empty configuration file, so that a file on the test machine cannot change the outcome.
    static let emptyConfigurationFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kyc-review-test-\(UUID().uuidString).conf").path
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        return path
    }()

    static func run(
        _ arguments: [String],
        input: String? = nil,
        databaseURL: String?,
        environment extra: [String: String] = [:]
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KYC_") }
        environment["KYC_DATABASE_URL"] = databaseURL
        environment["KYC_CONFIG_FILE"] = emptyConfigurationFile
        environment["KYC_KEYRING_FILE"] = TestKeyring.file
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data((input ?? "").utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

@Suite(.enabled(if: TestServers.enabled))
struct CommandLineTests {
    @Test func submitPrintsTheNewIDAndShowPrintsTheContractsJSON() async throws {
        let database = try await TestServers.freshDatabase()
        let url = try database.conninfo()
        let submitted = try CommandLine.run(["submit", "-"], input: Fixtures.json(Fixtures.validSubmission()), databaseURL: url)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let id = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int64(id) != nil)
        let shown = try CommandLine.run(["show", id, "--format", "json"], databaseURL: url)
        #expect(shown.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        for key in ["id", "account_id", "status", "submitted_at", "checks", "decision", "emails"] {
            #expect(object?.keys.contains(key) == true, "\(key)")
        }
        #expect(object?["decision"] is NSNull)
    }

    @Test func exitsWithTheContractsStatuses() async throws {
        let database = try await TestServers.freshDatabase()
        let url = try database.conninfo()
        let document = Fixtures.json(Fixtures.validSubmission())
        #expect(try CommandLine.run(["submit", "-"], input: document, databaseURL: url).status == 0)
        let again = try CommandLine.run(["submit", "-"], input: document, databaseURL: url)
        #expect(again.status == 1)
        #expect(again.stderr.split(separator: "\n").count == 1)
        #expect(try CommandLine.run(["submit", "-"], input: "{not json", databaseURL: url).status == 65)
        #expect(try CommandLine.run(["submit", "-"], input: "{\"account_id\": \"x\"}", databaseURL: url).status == 65)
        #expect(try CommandLine.run(["show", "424242"], databaseURL: url).status == 65)
        #expect(try CommandLine.run(["deny", "1", "--reason", "no_such_reason"], databaseURL: url).status == 65)
        #expect(try CommandLine.run(["show"], databaseURL: url).status == 64)
        #expect(try CommandLine.run(["frobnicate"], databaseURL: url).status == 64)
        #expect(try CommandLine.run(["approve", "1"], databaseURL: url).status == 1, "in checking or submitted: not in review")
        let unreachable = try CommandLine.run(["show", "1"], databaseURL: "host=127.0.0.1 port=1 connect_timeout=2")
        #expect(unreachable.status == 69)
    }

    @Test func everyFailureIsOneLineOnStderrWithTheContractsStatus() async throws {
        let database = try await TestServers.freshDatabase()
        let url = try database.conninfo()
        let cases: [(arguments: [String], url: String, environment: [String: String], status: Int32, says: String)] = [
            (["deny", "1", "--reason", "no_such_reason"], url, [:], 65, "unknown reason code"),
            (["show", "424242"], url, [:], 65, "notFound"),
            (["approve", "1"], try database.conninfo(role: "kyc_reporter"), [:], 1, "not permitted"),
            (["show", "1"], "host=127.0.0.1 port=1 connect_timeout=2", [:], 69, "cannot reach the database"),
            (["keys", "rotate"], url, ["KYC_KEYRING_FILE": ""], 78, "KYC_KEYRING_FILE"),
            (["submit", "/no/such/file"], url, [:], 65, "cannot read"),
        ]
        for (arguments, url, environment, status, says) in cases {
            let run = try CommandLine.run(arguments, databaseURL: url, environment: environment)
            #expect(run.status == status, "\(arguments)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(arguments): \(run.stderr)")
            #expect(run.stderr.hasPrefix("kyc-review: ") && run.stderr.contains(says), "\(arguments): \(run.stderr)")
        }
    }

    @Test func argumentsThatCannotBeParsedAreUsageErrors() throws {
        for arguments in [
            ["queue", "--format", "csv"], ["report", "--since", "yesterday"], ["next", "--lease-minutes", "soon"],
            ["mail", "test", "--to", "not an address"], ["policy", "replay", "--since", "2026-13-01"],
        ] {
            #expect(try CommandLine.run(arguments, databaseURL: nil).status == 64, "\(arguments)")
        }
    }

    @Test func keysAddWritesAPrivateKeyringOneVersionAtATime() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kyc-keyring-\(UUID().uuidString.prefix(8))").path
        let first = try CommandLine.run(["keys", "add", "--keyring", path], databaseURL: nil)
        let second = try CommandLine.run(["keys", "add", "--keyring", path], databaseURL: nil)
        #expect(first.status == 0 && first.stdout == "1\n")
        #expect(second.status == 0 && second.stdout == "2\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let keyring = try Keyring.load(path: path)
        #expect(keyring.versions == [1, 2] && keyring.currentVersion == 2)
    }

    @Test func privacyCommandsExitWithTheContractsStatuses() async throws {
        let database = try await TestServers.freshDatabase()
        let submitted = try CommandLine.run(["submit", "-"], input: Fixtures.json(Fixtures.validSubmission(account: "acct-cli-privacy")), databaseURL: try database.conninfo())
        #expect(submitted.status == 0)
        let officer = try database.conninfo(role: try await makePrivacyOfficer(in: database))
        let reviewer = try database.conninfo(role: try await makeReviewer(in: database))
        let dryRun = try CommandLine.run(["purge", "--dry-run"], databaseURL: officer)
        #expect(dryRun.status == 0 && dryRun.stdout.hasPrefix("would erase the personal data of 0 applications"))
        #expect(try CommandLine.run(["purge"], databaseURL: reviewer).status == 1, "not permitted")
        #expect(try CommandLine.run(["legal-hold", "acct-cli-privacy", "--set", "--note", "case 9"], databaseURL: officer).status == 0)
        #expect(try CommandLine.run(["legal-hold", "acct-nobody", "--set", "--note", "case 9"], databaseURL: officer).status == 65)
        #expect(try CommandLine.run(["legal-hold", "acct-cli-privacy", "--note", "case 9"], databaseURL: officer).status == 64)
        #expect(try CommandLine.run(["retention", "set", "--note", "x"], databaseURL: officer).status == 64)
        #expect(try CommandLine.run(["retention", "set", "--denied-days", "30", "--note", "policy 4.2"], databaseURL: officer).status == 0)
        let retention = try CommandLine.run(["retention", "show"], databaseURL: officer)
        #expect(retention.stdout.contains("\"keep_for_days\": 30"))
        let export = try CommandLine.run(["export-subject", "acct-cli-privacy"], databaseURL: officer)
        #expect(export.status == 0 && export.stdout.contains("\"L898902C3\""), "the identifiers awaiting their seal are exported too")
        #expect(try CommandLine.run(["export-subject", "acct-nobody"], databaseURL: officer).status == 65)
        let noKeyring = try CommandLine.run(["keys", "rotate"], databaseURL: officer, environment: ["KYC_KEYRING_FILE": ""])
        #expect(noKeyring.status == 78 && noKeyring.stderr.contains("KYC_KEYRING_FILE"))
    }

    @Test func queueAndShowFitAnEightyColumnTerminal() async throws {
        let database = try await TestServers.freshDatabase()
        var document = Fixtures.validSubmission()
        document["liveness"] = "inconclusive"
        document["face_match_score"] = 0.75
        let submitted = try CommandLine.run(["submit", "-"], input: Fixtures.json(document), databaseURL: try database.conninfo())
        let id = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let admin = try await database.connect()
        try await admin.query("UPDATE kyc.applications SET status = 'in_review' WHERE id = $1", [Int64(id)!])
        try await admin.query(
            """
            INSERT INTO kyc.check_results (application_id, name, outcome, evidence)
            SELECT $1, name, 'refer', repeat('a long piece of evidence ', 12)
            FROM unnest(ARRAY['liveness', 'face_match', 'duplicate_document']) AS name
            """,
            [Int64(id)!]
        )
        await admin.close()
        for arguments in [["queue"], ["show", id]] {
            let output = try CommandLine.run(arguments, databaseURL: try database.conninfo())
            #expect(output.status == 0)
            for line in output.stdout.split(separator: "\n") {
                #expect(line.count <= 80, "\(arguments[0]): \(line)")
            }
        }
    }

    @Test func reviewerCommandsExitWithTheContractsStatuses() async throws {
        let database = try await TestServers.freshDatabase()
        let url = try database.conninfo()
        #expect(try CommandLine.run(["note", "424242", "hello"], databaseURL: url).status == 65)
        #expect(try CommandLine.run(["release", "424242"], databaseURL: url).status == 65)
        #expect(try CommandLine.run(["confirm", "424242"], databaseURL: url).status == 65)
        #expect(try CommandLine.run(["reject-proposal", "424242"], databaseURL: url).status == 64, "--note is required")
        #expect(try CommandLine.run(["unlock-basic-info", "nobody", "--note", "why"], databaseURL: url).status == 65)
        #expect(try CommandLine.run(["policy", "set", "four_eyes.reasons", "[\"nope\"]", "--note", "x"], databaseURL: url).status == 65)
        #expect(try CommandLine.run(["policy", "set", "no.such.key", "1", "--note", "x"], databaseURL: url).status == 65)
        let reporter = try database.conninfo(role: "kyc_reporter")
        let refused = try CommandLine.run(["approve", "1"], databaseURL: reporter)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not permitted"))
    }

    @Test func reportFailsOnABreachOnlyWhenAsked() async throws {
        let database = try await TestServers.freshDatabase()
        let url = try database.conninfo(role: "kyc_reporter")
        #expect(try CommandLine.run(["report", "--fail-on-breach"], databaseURL: url).status == 0, "nothing to report")
        let owner = try await database.connect()
        try await owner.execute(knownReportData)
        await owner.close()
        #expect(try CommandLine.run(["report"], databaseURL: url).status == 0)
        let breached = try CommandLine.run(["report", "--fail-on-breach"], databaseURL: url)
        #expect(breached.status == 2)
        #expect(breached.stdout.contains("2 breaches"))
        #expect(try CommandLine.run(["report", "--sla-hours", "0"], databaseURL: url).status == 64)
        #expect(try CommandLine.run(["report", "--since", "yesterday"], databaseURL: url).status == 64)
    }

    @Test func reportMailsTextAndHTMLWithTheDailyChart() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        try await owner.execute(knownReportData)
        await owner.close()
        let recipient = "ops-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let sent = try CommandLine.run(
            ["report", "--mail-to", recipient], databaseURL: try database.conninfo(role: "kyc_reporter"),
            environment: ["KYC_SMTP_URL": try TestServers.smtpURL(), "KYC_MAIL_FROM": "KYC Review <kyc@exchange.example>"]
        )
        #expect(sent.status == 0, "\(sent.stderr)")
        let message = try #require(try await receivedMessages(for: recipient).first)
        let text = QuotedPrintableDecoder.decode(String(decoding: message, as: UTF8.self))
        #expect(text.contains("Subject: kyc-review report: needs attention"))
        #expect(text.contains("Auto-Submitted: auto-generated"))
        #expect(text.contains("multipart/alternative"))
        #expect(text.contains("Decisions per day, last 14 days"))
        #expect(text.contains("2 breaches: 5, 4"))
    }

    @Test func mailTestDeliversAndPrintsTheServersReply() async throws {
        let recipient = "mailtest-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let smtp = ["KYC_SMTP_URL": try TestServers.smtpURL(), "KYC_MAIL_FROM": "KYC Review <kyc@exchange.example>"]
        let sent = try CommandLine.run(["mail", "test", "--to", recipient], databaseURL: nil, environment: smtp)
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("250"))
        #expect(try await receivedMessages(for: recipient).count == 1)
        let refused = try CommandLine.run(["mail", "test", "--to", "reject-me@example.com"], databaseURL: nil, environment: smtp)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("550"))
        let down = try CommandLine.run(
            ["mail", "test", "--to", recipient], databaseURL: nil,
            environment: ["KYC_SMTP_URL": "smtp://127.0.0.1:1", "KYC_MAIL_FROM": "kyc@exchange.example"]
        )
        #expect(down.status == 69)
    }

    @Test func reportPrintsJSONCSVAndText() async throws {
        let database = try await TestServers.freshDatabase()
        let url = try database.conninfo()
        let json = try CommandLine.run(["report", "--format", "json"], databaseURL: url)
        #expect(json.status == 0)
        #expect(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) is [String: Any])
        let csv = try CommandLine.run(["report", "--format", "csv"], databaseURL: url)
        #expect(csv.stdout.hasPrefix("metric,value\r\n"))
        #expect(csv.stdout.contains("queue.in_review,0"))
        let text = try CommandLine.run(["report"], databaseURL: url)
        #expect(text.stdout.contains("queue          submitted 0, checking 0, in review 0"))
        #expect(text.stdout.contains("failed 0"))
    }
}
