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
/// Runs in `make test-faults` (KYC_FAULT_TESTS=1); KYC_CRASH_LOAD and KYC_CRASH_KILLS scale it, and
/// KYC_CRASH_MAIL_CONNECTIONS sets the daemon's SMTP connections (default 2, the daemon's own default).
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
        let settings = [
            "KYC_CHECK_LEASE_SECONDS": "1", "KYC_MAIL_LEASE_SECONDS": "2",
            "KYC_MAIL_CONNECTIONS": Self.environment["KYC_CRASH_MAIL_CONNECTIONS"] ?? "2",
        ]
        var crashes = 0
        var killTimes: [Date] = []
        // While the kills go on, a probe times the sink's answer to a final dot ten times a second.
        let probe = Task.detached { () throws -> [Duration] in
            let probe = try FinalDotProbe(url: try TestServers.smtpURL(), recipient: "probe-\(tag)@example.com")
            var samples: [Duration] = []
            while !Task.isCancelled {
                samples.append(try probe.measure())
                try? await Task.sleep(for: .milliseconds(100))
            }
            return samples
        }
        for _ in 0..<Self.kills {
            let daemon = try startDaemon(database, environment: settings)
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...700)))
            if !daemon.isRunning { crashes += 1 }
            killTimes.append(Date())
            kill(daemon.processIdentifier, SIGKILL)
            _ = try await waitForExit(daemon, seconds: 10)
        }
        probe.cancel()
        let finalDot = try await probe.value.sorted()
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
        let duplicated = deliveries.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }
        let duplicates = duplicated.reduce(0) { $0 + $1.value.count - 1 }
        print("crash: \(Self.kills) kills, \(Self.load) applications, \(decided) decided, \(messageIDs.count) emails; "
            + "lost \(lost), duplicate deliveries \(duplicates)")

        // Each duplicate beside the kill nearest to the server's first acceptance. Accepted after the kill: its
        // final dot was on its way, and no sender can know the outcome of a dot it sent. Accepted before the
        // kill: the reply arrived, or was arriving, and its mark had not yet left the daemon.
        var afterKill = 0
        var beforeKill: [Double] = []
        for (id, accepted) in duplicated {
            let first = accepted.min()!
            let nearest = killTimes.indices.min {
                abs(killTimes[$0].timeIntervalSince(first)) < abs(killTimes[$1].timeIntervalSince(first))
            }
            guard let nearest else {
                print("crash: delivered \(accepted.count) times: \(id)")
                continue
            }
            let offset = first.timeIntervalSince(killTimes[nearest]) * 1000
            if offset >= 0 { afterKill += accepted.count - 1 } else { beforeKill.append(-offset) }
            print(String(format: "crash: delivered %d times: %@, first accepted %+.1f ms from kill %d", accepted.count, id, offset, nearest + 1))
        }
        print(String(
            format: "crash: duplicates by cause: %d accepted by the server after the kill (final dot already sent), "
                + "%d accepted before it and not yet marked (%.1f ms before at most)",
            afterKill, beforeKill.count, beforeKill.max() ?? 0
        ))
        // Little's law: a kill finds on average (mail rate x time the server takes to answer a dot) emails in
        // the server's hands, unanswered, and each one is a duplicate for any sender that delivers at least once.
        if let lastKill = killTimes.last, !finalDot.isEmpty {
            let phase = lastKill.timeIntervalSince(started)
            let rate = Double(deliveries.values.joined().filter { $0 <= lastKill }.count) / phase
            let dot = finalDot[finalDot.count / 2] / .seconds(1)
            print(String(
                format: "crash: the sink answers a final dot in %.2f ms (median of %d probes); at %.0f emails/s during the kills, "
                    + "%d kills x %.0f/s x %.2f ms = %.1f duplicates from the server's time alone",
                dot * 1000, finalDot.count, rate, Self.kills, rate, dot * 1000, Double(Self.kills) * rate * dot
            ))
        }
        printFaultSummary("SIGKILL x\(Self.kills), \(Self.load) applications", runs: Self.kills, lost: lost, duplicates: duplicates, crashes: crashes)
        #expect(lost == 0)
        #expect(crashes == 0)
    }

    /// Message-ID → when the sink stored each copy (from the spool file's name, which starts with the time in
    /// nanoseconds), for the recipients with `recipientPrefix`.
    static func deliveries(since: Date, recipientPrefix: String) throws -> [String: [Date]] {
        let spool = try TestServers.mailSpool()
        var counts: [String: [Date]] = [:]
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
            let nanoseconds = Double(name.prefix { $0 != "-" }) ?? 0
            counts[String(line.dropFirst("Message-ID: ".count)), default: []].append(Date(timeIntervalSince1970: nanoseconds / 1e9))
        }
        return counts
    }
}
