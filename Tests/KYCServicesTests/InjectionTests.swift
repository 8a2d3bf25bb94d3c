import Foundation
import KYCPostgres
import KYCTestSupport
import Testing

/// Every argument of every `kyc-review` command that reaches the database, fed SQL-injection strings:
/// the schema is byte-for-byte the same afterwards (a hash of `pg_dump --schema-only`), no table lost a
/// row, and what was stored was stored literally.
@Suite(.enabled(if: TestServers.enabled))
struct InjectionTests {
    static let hostile = [
        "'; DROP TABLE kyc.applications; --",
        "\"); DELETE FROM kyc.audit_log; --",
        "x' OR '1'='1",
        "$1 $2 \\ %s %n {{first_name}}",
        "1; TRUNCATE kyc.decisions CASCADE",
        "x'||pg_sleep(3)||'",
        "🙂 \u{202E}evil\u{202C} Ж 中",
        String(repeating: "A'", count: 5000),
    ]

    func schemaHash(_ database: TestDatabase) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pg_dump", "--schema-only", "--no-owner", "-d", try database.conninfo()]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let dump = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(dump.count > 10_000, "pg_dump printed the schema")
        // FNV-1a over the dump, less pg_dump's per-run \restrict keys: enough to tell two schemas apart.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for line in String(decoding: dump, as: UTF8.self).split(separator: "\n")
        where !line.hasPrefix("\\restrict ") && !line.hasPrefix("\\unrestrict ") {
            for byte in line.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return String(hash, radix: 16)
    }

    func rowCounts(_ database: TestDatabase) async throws -> String {
        let admin = try await database.connect()
        defer { Task { await admin.close() } }
        return try await admin.query(
            """
            SELECT string_agg(format('%s=%s', c.relname,
                   (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM kyc.%I', c.relname), false, true, '')))[1]::text),
                   ',' ORDER BY c.relname) AS counts
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'kyc' AND c.relkind = 'r' AND c.relname NOT IN ('audit_log', 'free_texts')
            """
        ).single().decode("counts")
    }

    @Test func hostileArgumentsChangeNoSchemaAndAreStoredLiterally() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await caseInReviewThroughTheCLI(account: "acct-injection", in: database)
        let reviewer = try database.conninfo(role: try await makeReviewer(in: database))
        let officer = try database.conninfo(role: try await makePrivacyOfficer(in: database))
        let administrator = try database.conninfo(role: try await makePolicyAdministrator(in: database))
        let schemaBefore = try self.schemaHash(database)
        let rowsBefore = try await self.rowCounts(database)

        var statuses: Set<Int32> = []
        for value in Self.hostile {
            let commands: [([String], String)] = [
                (["show", value], reviewer),
                (["note", id, value], reviewer),
                (["deny", id, "--reason", value, "--note", value], reviewer),
                (["approve", value, "--note", value], reviewer),
                (["release", value], reviewer),
                (["reject-proposal", id, "--note", value], reviewer),
                (["unlock-basic-info", value, "--note", value], reviewer),
                (["report", "--since", value], reviewer),
                (["policy", "set", value, "1", "--note", value], administrator),
                (["legal-hold", value, "--set", "--note", value], officer),
                (["retention", "set", "--approved-days", "1", "--note", value], officer),
                (["export-subject", value], officer),
                (["purge", "--batch-size", value], officer),
            ]
            for (arguments, url) in commands {
                let result = try CommandLine.run(arguments, databaseURL: url)
                statuses.insert(result.status)
                #expect([0, 1, 64, 65].contains(result.status), "\(arguments.first!): \(result.status) \(result.stderr.prefix(200))")
            }
        }
        #expect(try self.schemaHash(database) == schemaBefore)
        // Notes and retention changes add audit entries (notes with their free text) and one row each to what
        // they change; nothing else moves.
        let admin2 = try await database.connect()
        let notes = try await admin2.query(
            "SELECT details ->> 'note' AS note FROM kyc.audit_trail WHERE action = 'note' AND application_id = $1 ORDER BY id", [Int64(id)!]
        ).map { try $0.decode("note", as: String.self) }
        #expect(notes == Self.hostile, "every note stored exactly as given")
        let retention = try await admin2.query(
            "SELECT details ->> 'note' AS note FROM kyc.audit_log WHERE action = 'retention_changed' ORDER BY id"
        ).map { try $0.decode("note", as: String.self) }
        #expect(retention == Self.hostile)
        await admin2.close()
        #expect(try await self.rowCounts(database) == rowsBefore)
        #expect(statuses.isSuperset(of: [0, 64, 65]))
    }
}
