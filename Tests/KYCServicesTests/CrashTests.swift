import Foundation
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One line of `make test-faults`' summary table: `FAULT-SUMMARY|case|runs|lost|duplicates|crashes`.
func printFaultSummary(_ name: String, runs: Int, lost: Int, duplicates: Int, crashes: Int) {
    print("FAULT-SUMMARY|\(name)|\(runs)|\(lost)|\(duplicates)|\(crashes)")
}

/// The daemon killed with SIGKILL at random moments while it checks and mails, and restarted each time.
/// Afterwards nothing is lost: every application decided once or in review, every decision with exactly
/// one outbox row, every email delivered at least once. Duplicate deliveries (an email the server
/// accepted before the kill let its result be recorded) are counted and printed with their Message-IDs.
/// Runs in `make test-faults` (KYC_FAULT_TESTS=1); KYC_CRASH_LOAD and KYC_CRASH_KILLS scale it.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KYC_FAULT_TESTS"] == "1"), .serialized)
struct CrashTests {
    static let environment = ProcessInfo.processInfo.environment
    static let load = Int(environment["KYC_CRASH_LOAD"] ?? "") ?? 10_000
    static let kills = Int(environment["KYC_CRASH_KILLS"] ?? "") ?? 50

    /// A mix: most decided automatically, every tenth referred, every twentieth strange but valid.
    func document(_ index: Int, tag: String) -> [String: Any] {
        var document = Fixtures.ownLicence("CRASH\(tag)\(index)")
        document["email"] = "crash-\(tag)-\(index)@example.com"
        if index % 10 == 3 { document["face_match_score"] = 0.75 }
        if index % 20 == 7 {
            document = Fixtures.setting("basic_info.first_name", to: "Zoë 王 \u{202E}evil\u{202C} 👩🏽‍💻", in: document)
            document = Fixtures.setting("basic_info.date_of_birth", to: "2000-02-29", in: document)
            document = Fixtures.setting("document.expiry_date", to: "2099-12-31", in: document)
        }
        return document
    }

    @Test func sigkillAtRandomMomentsLosesNothingAndDecidesEachApplicationOnce() async throws {
        let tag = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8).lowercased()
        let database = try await TestServers.freshDatabase()
        let intake = try await database.connect(role: "kyc_intake")
        for index in 0..<Self.load {
            _ = try await Intake().submit(Fixtures.json(self.document(index, tag: tag)), on: intake)
        }
        await intake.close()
        let started = Date()
        let settings = ["KYC_CHECK_LEASE_SECONDS": "1", "KYC_MAIL_LEASE_SECONDS": "2", "KYC_MAIL_CONNECTIONS": "2"]
        var crashes = 0
        for _ in 0..<Self.kills {
            let daemon = try startDaemon(database, environment: settings)
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...700)))
            if !daemon.isRunning { crashes += 1 }
            kill(daemon.processIdentifier, SIGKILL)
            _ = try await waitForExit(daemon, seconds: 10)
        }
        // The last instance finishes: everything decided or in review, every email sent.
        let last = try startDaemon(database, environment: settings)
        let admin = try await database.connect()
        var open = 1
        for _ in 0..<3000 where open > 0 {
            try await Task.sleep(for: .milliseconds(100))
            open = try await admin.query(
                """
                SELECT (SELECT count(*) FROM kyc.applications WHERE status IN ('submitted', 'checking'))
                     + (SELECT count(*) FROM kyc.email_outbox WHERE status = 'pending') AS n
                """
            ).single().decode("n")
        }
        last.terminate()
        #expect(try await waitForExit(last, seconds: 15))
        if last.terminationStatus != 0 { crashes += 1 }

        let counts = try await admin.query(
            """
            SELECT (SELECT count(*) FROM kyc.applications) AS applications,
                   (SELECT count(*) FROM kyc.applications WHERE status IN ('approved', 'denied')) AS decided,
                   (SELECT count(*) FROM kyc.applications WHERE status = 'in_review') AS in_review,
                   (SELECT count(*) FROM kyc.decisions) AS decisions,
                   (SELECT count(*) FROM kyc.email_outbox) AS emails,
                   (SELECT count(*) FROM kyc.email_outbox WHERE status = 'sent') AS sent,
                   (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM kyc.audit_log WHERE action = 'decided'
                                                     GROUP BY application_id) d) AS most_decisions
            """
        ).single()
        let messageIDs = Set(try await admin.query("SELECT message_id FROM kyc.email_outbox").map { try $0.decode("message_id", as: String.self) })
        await admin.close()
        let decided: Int = try counts.decode("decided")
        #expect(open == 0)
        #expect(try counts.decode("applications", as: Int.self) == Self.load)
        #expect(decided + (try counts.decode("in_review", as: Int.self)) == Self.load)
        #expect(try counts.decode("decisions", as: Int.self) == decided)
        #expect(try counts.decode("emails", as: Int.self) == decided)
        #expect(try counts.decode("sent", as: Int.self) == decided)
        #expect(try counts.decode("most_decisions", as: Int.self) == 1)

        // What the mail server received, by Message-ID.
        let deliveries = try Self.deliveries(since: started, recipientPrefix: "crash-\(tag)-")
        let lost = messageIDs.filter { deliveries[$0] == nil }.count
        let duplicated = deliveries.filter { $0.value > 1 }.sorted { $0.key < $1.key }
        let duplicates = duplicated.reduce(0) { $0 + $1.value - 1 }
        print("crash: \(Self.kills) kills, \(Self.load) applications, \(decided) decided, \(messageIDs.count) emails; "
            + "lost \(lost), duplicate deliveries \(duplicates)")
        for (id, count) in duplicated { print("crash: delivered \(count) times: \(id)") }
        printFaultSummary("SIGKILL x\(Self.kills), \(Self.load) applications", runs: Self.kills, lost: lost, duplicates: duplicates, crashes: crashes)
        #expect(lost == 0)
        #expect(crashes == 0)
    }

    /// Message-ID → how many times the sink stored it, for the recipients with `recipientPrefix`.
    static func deliveries(since: Date, recipientPrefix: String) throws -> [String: Int] {
        let spool = try TestServers.mailSpool()
        var counts: [String: Int] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: spool) where name.hasSuffix(".json") {
            let path = spool + "/" + name
            guard let modified = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date,
                modified >= since.addingTimeInterval(-1),
                let meta = FileManager.default.contents(atPath: path),
                let object = try? JSONSerialization.jsonObject(with: meta) as? [String: Any],
                (object["rcpt_tos"] as? [String])?.contains(where: { $0.hasPrefix(recipientPrefix) }) == true,
                let eml = FileManager.default.contents(atPath: String(path.dropLast(5)) + ".eml")
            else { continue }
            let headers = String(decoding: eml.prefix(4096), as: UTF8.self)
            guard let line = headers.components(separatedBy: "\r\n").first(where: { $0.hasPrefix("Message-ID: ") }) else { continue }
            counts[String(line.dropFirst("Message-ID: ".count)), default: 0] += 1
        }
        return counts
    }
}
