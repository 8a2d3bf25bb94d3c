import Foundation
@testable import KYCDomain
import KYCPostgres
@testable import KYCStore
import KYCTestSupport
import Testing

// One owner per rule (issue 17). Where a rule is evaluated on both sides of the database boundary, one table of
// cases runs the SQL side and the Swift side and expects the same answer; where one side merely keeps a copy,
// the copy is compared with its owner entry by entry.

/// JSON text in one canonical form (parsed, then written with sorted keys), for comparing documents whatever
/// their spacing and key order; nil for text that is not JSON.
private func jsonValue(_ text: String) -> String? {
    guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
        let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
    else { return nil }
    return String(decoding: data, as: UTF8.self)
}

/// The policy keys: `kyc.policy_keys()` states each key's default and range for the database; `Policy` states
/// them for the pure checks. Every key, default and range is the same on both sides.
@Suite(.enabled(if: TestServers.enabled))
struct PolicyKeys {
    struct Key {
        var defaultJSON: String
        var minimum: Double?
        var maximum: Double?
        var shape: String
    }

    static func sqlKeys(_ connection: PostgresConnection) async throws -> [String: Key] {
        var keys: [String: Key] = [:]
        let rows = try await connection.query(
            """
            SELECT key, default_value::text AS default_json, minimum::float8 AS minimum, maximum::float8 AS maximum,
                   shape
            FROM kyc.policy_keys()
            """
        )
        for row in rows {
            keys[try row.decode("key")] = Key(
                defaultJSON: try row.decode("default_json"),
                minimum: try row.decodeIfPresent("minimum"),
                maximum: try row.decodeIfPresent("maximum"),
                shape: try row.decode("shape")
            )
        }
        return keys
    }

    @Test func bothSidesListTheSameKeysWithTheSameDefaults() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        let sql = try await Self.sqlKeys(connection)
        await connection.close()
        #expect(Set(sql.keys) == Set(Policy.keys))
        for (key, json) in Policy().settings {
            let sqlDefault = sql[key].flatMap { jsonValue($0.defaultJSON) }
            #expect(jsonValue(json) != nil && jsonValue(json) == sqlDefault, "\(key)")
        }
    }

    @Test func bothSidesGiveEveryWholeNumberKeyTheSameRange() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        let sql = try await Self.sqlKeys(connection)
        await connection.close()
        #expect(Set(sql.filter { $0.value.shape == "whole_number" }.keys) == Set(Policy.wholeNumberRanges.keys))
        for (key, range) in Policy.wholeNumberRanges {
            #expect(sql[key]?.minimum == Double(range.lowerBound), "\(key)")
            #expect(sql[key]?.maximum == Double(range.upperBound), "\(key)")
        }
        for key in ["face_match.deny_below", "face_match.pass_from"] {
            #expect(sql[key]?.minimum == 0 && sql[key]?.maximum == 1 && sql[key]?.shape == "fraction", "\(key)")
        }
    }

    /// Each check's name as a JSON string, in the default precedence.
    static let checks: [String] = Policy().reasonPrecedence.map { "\"\($0.rawValue)\"" }

    /// Each value, set alone on the defaults, is accepted by `Policy` exactly when `kyc.publish_policy`
    /// accepts it: for every key, values of its shape and of every wrong shape (null, a string for a number, a
    /// fraction for a whole number, a whole number written with a fraction part).
    static let values: [(key: String, json: String)] = wholeNumberValues + precedenceValues + otherValues

    /// For each whole-number key: its bounds and just past them, and every wrong shape.
    static let wholeNumberValues: [(key: String, json: String)] = Policy.wholeNumberRanges.sorted { $0.key < $1.key }
        .flatMap { (key: String, range: ClosedRange<Int>) -> [(key: String, json: String)] in
            let low = range.lowerBound
            let high = range.upperBound
            let texts: [String] = [
                "\(low - 1)", "\(low)", "\(high)", "\(high + 1)", "1.5", "\"10\"", "true", "null", "[\(low)]", "{}",
                "\(low).0", "\(high).000", "1e30",
            ]
            return texts.map { (key: key, json: $0) }
        }

    /// reason_precedence: every check once in any order; one missing, duplicated, extra, unknown or not a string.
    static let precedenceValues: [(key: String, json: String)] = {
        let lists: [[String]] = [
            checks, checks.reversed(), Array(checks.dropLast()), Array(checks.dropLast()) + [checks[0]],
            checks + [checks[0]], Array(checks.dropLast()) + ["\"sanctions_screening\""], Array(checks.dropLast()) + ["1"],
        ]
        return lists.map { (key: "reason_precedence", json: "[" + $0.joined(separator: ", ") + "]") }
    }()

    static let otherValues: [(key: String, json: String)] = [
        ("attempts_per_day", "5.0"), ("attempts_per_day", "1e2"), ("attempts_per_day", "5.0000000000000001"),
        ("attempts_per_day", "18446744073709551615"), ("review.lease_max_seconds", "3600.0"),
        ("face_match.deny_below", "-0.1"), ("face_match.deny_below", "0"), ("face_match.deny_below", "0.5"),
        ("face_match.deny_below", "0.95"), ("face_match.pass_from", "0.95"), ("face_match.pass_from", "1"),
        ("face_match.pass_from", "1.0"), ("face_match.pass_from", "1.1"), ("face_match.pass_from", "0.5"),
        ("face_match.pass_from", "1.00000000000000001"), ("face_match.deny_below", "null"),
        ("face_match.deny_below", "\"0.5\""), ("face_match.pass_from", "true"), ("face_match.pass_from", "[0.9]"),
        ("image.mime_types", "[\"image/png\"]"), ("image.mime_types", "[\"IMAGE/PNG\", \"image/svg+xml\"]"),
        ("image.mime_types", "[]"), ("image.mime_types", "\"image/png\""), ("image.mime_types", "null"),
        ("image.mime_types", "{}"), ("image.mime_types", "[\"image/png\", 1]"), ("image.mime_types", "[\"png\"]"),
        ("image.mime_types", "[\"image/\"]"), ("image.mime_types", "[\"/png\"]"),
        ("image.mime_types", "[\"image/png/x\"]"), ("image.mime_types", "[\"image png\"]"),
        ("image.mime_types", "[\"image/pñg\"]"), ("image.mime_types", "[\"image/png\\n\"]"),
        ("document_types.passport", "\"all\""), ("document_types.passport", "\"none\""),
        ("document_types.passport", "\"some\""), ("document_types.passport", "\"ALL\""),
        ("document_types.passport", "null"), ("document_types.passport", "5"), ("document_types.passport", "true"),
        ("document_types.passport", "[]"), ("document_types.passport", "[\"FR\"]"), ("document_types.passport", "{}"),
        ("document_types.passport", "{\"neither\": []}"), ("document_types.passport", "{\"only\": null}"),
        ("document_types.passport", "{\"only\": [\"GB\"], \"all_except\": [\"US\"]}"),
        ("document_types.id_card", "{\"only\": []}"), ("document_types.id_card", "{\"only\": [\"FR\", \"DE\"]}"),
        ("document_types.id_card", "{\"only\": [\"XX\"]}"), ("document_types.id_card", "{\"only\": [\"fr\"]}"),
        ("document_types.id_card", "{\"only\": [\"FRA\"]}"), ("document_types.id_card", "{\"only\": \"FR\"}"),
        ("document_types.drivers_license", "{\"all_except\": []}"),
        ("document_types.drivers_license", "{\"all_except\": [\"US\", \"US\"]}"),
        ("document_types.drivers_license", "{\"all_except\": [\"UK\"]}"),
        ("document_types.drivers_license", "{\"all_except\": [1]}"),
        ("document_types.drivers_license", "{\"all_except\": [null]}"),
        ("reason_precedence", "5"), ("reason_precedence", "null"), ("reason_precedence", "\"age\""),
        ("reason_precedence", "[]"), ("reason_precedence", "{}"),
        ("four_eyes.reasons", "[\"nope\"]"), ("four_eyes.reasons", "[\"suspected_fraud\"]"),
        ("four_eyes.reasons", "[]"), ("four_eyes.reasons", "null"), ("four_eyes.reasons", "\"suspected_fraud\""),
        ("four_eyes.reasons", "[1]"), ("four_eyes.reasons", "{}"),
        ("four_eyes.duplicate_approvals", "1"), ("four_eyes.duplicate_approvals", "true"),
        ("four_eyes.duplicate_approvals", "false"), ("four_eyes.duplicate_approvals", "null"),
        ("four_eyes.duplicate_approvals", "\"true\""), ("four_eyes.duplicate_approvals", "[]"),
        ("no_such_key", "1"), ("document_types.visa", "\"all\""),
    ]

    /// Both sides accept or both refuse each value; SQL refuses in Swift's words, and what SQL stores reads in
    /// Swift as the policy Swift made of it, every whole number stored as a JSON integer for SQL's casts.
    @Test func publishingAndReadingAcceptTheSameValues() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        for (key, json) in Self.values {
            let swift = Result(catching: { () throws(PolicyError) -> Policy in try Policy().setting(key, to: json) })
            #expect(
                ((try? Policy(json: "{\"\(key)\": \(json)}")) != nil) == ((try? swift.get()) != nil),
                "\(key) = \(json): Policy(json:) and setting disagree"
            )
            var stored: String?
            do {
                let version: Int = try await owner.query(
                    "SELECT kyc.publish_policy(jsonb_build_object($1::text, $2::jsonb), 'rule owner test') AS version",
                    [key, json]
                ).single().decode("version")
                stored = try await owner.query(
                    "SELECT settings::text AS settings FROM kyc.policy_versions WHERE version = $1", [version]
                ).single().decode("settings")
            } catch {
                #expect(error.sqlState == "22023", "\(key) = \(json): \(error)")
                if case .failure(let refusal) = swift, let refusedKey = refusal.key {
                    #expect(error.serverMessage == "\(refusedKey) \(refusal.problem)", "\(key) = \(json)")
                }
            }
            let swiftAccepts = (try? swift.get()) != nil
            #expect(swiftAccepts == (stored != nil), "\(key) = \(json): Swift accepts \(swiftAccepts), SQL \(stored != nil)")
            if let stored, let expected = try? swift.get() {
                #expect((try? Policy(json: stored)) == expected, "\(key) = \(json): stored \(stored)")
                if Policy.wholeNumberRanges[key] != nil {
                    // SQL's readers cast a whole number's text to an integer type, which refuses `5.0`.
                    let row = try await owner.query(
                        "SELECT ($1::jsonb -> $2)::text AS stored, ($1::jsonb ->> $2)::bigint::text AS cast", [stored, key]
                    ).single()
                    #expect(try row.decode("stored", as: String.self) == row.decode("cast", as: String.self), "\(key) = \(json)")
                }
            }
        }
        await owner.close()
    }

    /// A version that leaves every key out means the defaults, for SQL's lookups as for Swift's reading.
    @Test func aKeyLeftOutOfAVersionReadsAsItsDefaultOnBothSides() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        try await owner.query("SELECT kyc.publish_policy('{}', 'only defaults')")
        let current = try await PolicyStore().current(on: owner)
        #expect(current.json == "{}")
        let swift = try Policy(json: current.json)
        for (key, json) in swift.settings {
            let sql = try await owner.query("SELECT kyc.policy_setting($1)::text AS value", [key]).single()
                .decode("value", as: String.self)
            #expect(jsonValue(sql) == jsonValue(json), "\(key)")
        }
        await #expect(throws: PostgresError.self) { try await owner.query("SELECT kyc.policy_setting('no_such_key')") }
        await owner.close()
    }
}

/// The attempt limit: evaluated in Swift (`AttemptLimit`) for the daemon's denials and in SQL
/// (`kyc.retry_facts`) for reviewers', both under the policy version in force, which each side reads from
/// the database. One table of policies and histories runs through both.
@Suite(.enabled(if: TestServers.enabled))
struct AttemptLimitRule {
    /// Attempts a day, window and cooldown in seconds, and how many earlier applications were denied.
    static let cases: [(limit: Int, window: Int, cooldown: Int, earlier: Int)] = [
        (10, 86_400, 86_400, 0), (10, 86_400, 86_400, 3), (3, 3600, 7200, 1), (3, 3600, 7200, 2),
        (3, 3600, 7200, 3), (2, 600, 0, 1), (2, 600, 0, 2), (4, 7200, 172_800, 4), (1, 60, 60, 0),
    ]

    /// One database for the whole table (each case publishes its policy and uses its own account), so the
    /// suite adds one database to the run, not one per case.
    @Test func theSQLAndSwiftRetryRulesAgreeUnderThePolicyInForce() async throws {
        let database = try await TestServers.freshDatabase()
        let owner = try await database.connect()
        for (limit, window, cooldown, earlier) in Self.cases {
            let published = try Policy()
                .setting("attempts_per_day", to: "\(limit)")
                .setting("attempt_window_seconds", to: "\(window)")
                .setting("cooldown_seconds", to: "\(cooldown)")
            _ = try await PolicyStore().publish(published, note: "rule owner test", on: owner)
            let account = "acct-rule-\(limit)-\(window)-\(cooldown)-\(earlier)"
            for _ in 0..<earlier {
                let id = try await submit(Fixtures.validSubmission(account: account), to: database)
                try await IntakeAmendmentTests.deny(id, reason: "other", in: database)
            }
            let id = try await submit(Fixtures.validSubmission(account: account), to: database)
            // Swift reads the same version the SQL read.
            let policy = try Policy(json: try await PolicyStore().current(on: owner).json)
            #expect(policy == published)
            try await Self.expectSQLAndSwiftAgree(on: id, under: policy, owner: owner, label: account)
        }
        await owner.close()
    }

    /// Reads `kyc.retry_facts` and `kyc.attempt_history` for application `id` and expects `AttemptLimit` under
    /// `policy`, given the same history, to come to the same attempts remaining or retry time.
    static func expectSQLAndSwiftAgree(
        on id: Int64,
        under policy: Policy,
        owner: PostgresConnection,
        label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let row = try await owner.query(
            """
            SELECT f.attempts_remaining, f.retry_after, a.received_at, now() AS decided_at,
                   h.earlier_submissions::text AS earlier, h.recent_denials::text AS denials
            FROM kyc.applications a, kyc.retry_facts(a.id) f, kyc.attempt_history(a.id, a.account_id, a.received_at) h
            WHERE a.id = $1
            """,
            [id]
        ).single()
        let history = AttemptHistory(
            earlierSubmissions: try CheckQueue.timestamps(row.decode("earlier")),
            recentDenials: try CheckQueue.timestamps(row.decode("denials"))
        )
        let swift = AttemptLimit(policy: policy).retry(
            afterDenialOf: try row.decode("received_at"), decidedAt: try row.decode("decided_at"), history: history
        )
        let remaining: Int = try row.decode("attempts_remaining")
        let retryAfter: Date? = try row.decodeIfPresent("retry_after")
        let comparison = "\(label): SQL \(remaining) \(String(describing: retryAfter)), Swift \(swift)"
        switch swift {
        case .attemptsRemaining(let count):
            #expect(retryAfter == nil && remaining == count, "\(comparison)", sourceLocation: sourceLocation)
        case .after(let date):
            #expect(retryAfter.map { abs($0.timeIntervalSince(date)) < 1 } == true, "\(comparison)", sourceLocation: sourceLocation)
        case .final:
            Issue.record("no final reason here", sourceLocation: sourceLocation)
        }
    }
}

/// Reason finality: `kyc.reason_codes.final` owns it (every decision records it, its email reads it);
/// `ReasonCode.isFinal` is the pure checks' copy, the same code by code.
@Suite(.enabled(if: TestServers.enabled))
struct ReasonFinality {
    @Test func everyReasonCodeIsFinalInSwiftExactlyWhenTheTableSaysSo() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        var table: [String: Bool] = [:]
        for row in try await connection.query("SELECT code, final FROM kyc.reason_codes") {
            table[try row.decode("code")] = try row.decode("final")
        }
        await connection.close()
        #expect(Set(table.keys) == Set(ReasonCode.allCases.map(\.rawValue)))
        for reason in ReasonCode.allCases {
            #expect(table[reason.rawValue] == reason.isFinal, "\(reason.rawValue)")
        }
    }
}

/// Submission validation: intake (`kyc.submit_application`) owns it at the door, limits and patterns
/// included; `Submission`'s decoder states none of them and reads what intake guaranteed. Whatever intake
/// accepts, Swift decodes; its few enumerations (countries, document types) are intake's.
@Suite(.enabled(if: TestServers.enabled))
struct SubmissionRule {
    /// Values at the edges of what intake accepts.
    static let accepted: [(path: String, value: String?)] = [
        ("basic_info.first_name", String(repeating: "é", count: 200)), ("basic_info.last_name", "O'Brien-Núñez"),
        ("basic_info.address", nil), ("basic_info.address", String(repeating: "x", count: 500)),
        ("basic_info.date_of_birth", "2000-02-29"), ("basic_info.date_of_birth", "1900-01-01"),
("document.number", "l898-902 c3"), ("document.mrz", nil),
        ("document.expiry_date", "9999-12-31"), ("face_match_score", nil), ("liveness", nil),
        ("liveness", "inconclusive"), ("liveness", "failed"), ("capture_channel", nil), ("capture_channel", "mobile"),
        ("locale", nil), ("locale", "pt-BR"), ("email", "a@bücher.example"),
    ]

    @Test func whatIntakeAcceptsSwiftDecodes() async throws {
        let database = try await TestServers.freshDatabase()
        for (path, value) in Self.accepted {
            let document = Fixtures.setting(path, to: value, in: Fixtures.validSubmission())
            _ = try await submit(document, to: database)
            #expect(throws: Never.self, "\(path)") {
                try JSONDecoder().decode(Submission.self, from: Data(Fixtures.json(document).utf8))
            }
        }
    }

    @Test func intakeAcceptsEveryDocumentTypeSwiftKnowsAndNoOther() async throws {
        let database = try await TestServers.freshDatabase()
        for type in DocumentType.allCases.map(\.rawValue) + ["residence_permit"] {
            let document = Fixtures.setting("document.type", to: type, in: Fixtures.validSubmission())
            let intake: Bool
            do {
                _ = try await submit(document, to: database)
                intake = true
            } catch {
                #expect(error.underlying?.sqlState == "22023", "\(type): \(error)")
                intake = false
            }
            #expect(intake == (DocumentType(rawValue: type) != nil), "\(type)")
        }
    }

    @Test func swiftKnowsExactlyTheCountriesIntakeAccepts() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        var table: [String: String] = [:]
        for row in try await connection.query("SELECT alpha2, alpha3 FROM kyc.countries") {
            table[try row.decode("alpha2")] = try row.decode("alpha3")
        }
        await connection.close()
        #expect(table == CountryCode.alpha3ByAlpha2)
    }
}

/// The civil calendar: one text (`CivilDays`, the CivilCalendar module that KYCDomain and KYCPostgres import) turns
/// days into dates for `CalendarDate` and for the driver's timestamps; both agree with the server's own calendar.
@Suite(.enabled(if: TestServers.enabled))
struct CivilCalendarRule {
    static let instants: [Double] = [
        -62_135_596_800, -62_135_596_801, -2_208_988_800, -86_401, -86_400, -1, 0, 86_399, 951_782_400, 951_868_800,
        1_709_164_800, 4_107_542_400, 253_402_300_799,
    ]

    @Test func calendarDatesAndTimestampsGiveTheServersDay() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        for seconds in Self.instants {
            let instant = Date(timeIntervalSince1970: seconds)
            let row = try await connection.query(
                """
                SELECT to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
                       $1::timestamptz AS back, extract(epoch FROM $1::timestamptz)::float8 AS epoch
                """,
                [instant]
            ).single()
            let day: String = try row.decode("day")
            if seconds >= -62_135_596_800 {
                #expect(CalendarDate(utcDayOf: instant).description == day, "\(seconds)")
                #expect(CalendarDate(iso: day)?.daysSince1970 == Int((seconds / 86_400).rounded(.down)), "\(seconds)")
            }
            #expect(try row.decode("epoch", as: Double.self) == seconds, "\(seconds)")
            #expect(try row.decode("back", as: Date.self) == instant, "\(seconds)")
        }
        await connection.close()
    }
}
