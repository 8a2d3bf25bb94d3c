import Foundation
import KYCPostgres
import KYCTestSupport
import Testing

/// PostgreSQL stores timestamps from 4714 BC to 294276 AD and ±infinity; a time zone carries a submission past
/// year 9999 or before year 1 (issue 16, item 3). The decoder reads every instant of that range and throws,
/// with no value in its error, for what no instant represents; it never traps.
@Suite struct PostgresTimestampTests {
    /// `9999-12-31T23:59:59-14:00` and `0001-01-01T00:00:00+14:00` as PostgreSQL prints them in UTC.
    @Test(arguments: [
        ("10000-01-01 13:59:59+00", 253_402_351_199.0),
        ("0001-12-31 10:00:00+00 BC", -62_135_647_200.0),
        ("0001-12-31 10:00:00.5+00 BC", -62_135_647_199.5),
        ("0001-01-01 05:53:28+05:53:28", -62_135_596_800.0),
        ("4714-11-24 00:00:00+00 BC", -210_866_803_200.0),
        ("294276-12-31 23:59:59+00", 9_224_318_015_999.0),
        ("2026-11-26 10:09:30.25+00", 1_795_687_770.25),
    ])
    func readsEveryYearPostgreSQLStores(text: String, seconds: Double) throws {
        #expect(try Date(postgresTimestamp: text).timeIntervalSince1970 == seconds)
        #expect(Date(postgresText: text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["infinity", "-infinity"])
    func throwsForInfinityWhichNoInstantRepresents(text: String) {
        #expect(Date(postgresText: text) == nil)
        do {
            _ = try Date(postgresTimestamp: text)
            Issue.record("decoded \(text)")
        } catch {
            #expect(error.code == .decodingFailed)
            #expect(error.context == "timestamp is \(text), which no instant represents")
        }
    }

    @Test(arguments: [
        "", "0000-01-01 00:00:00+00", "99-01-01 00:00:00+00", "1234567-01-01 00:00:00+00",
        "2026-13-01 00:00:00+00", "2026-11-26 10:09:30+00 AD", "2026-11-26 10:09:30+00 BC extra", "yesterday",
        "2026-11-26 10:09:30 +00",
    ])
    func throwsWithoutQuotingTextThatIsNotATimestamp(text: String) {
        do {
            _ = try Date(postgresTimestamp: text)
            Issue.record("decoded \(text)")
        } catch {
            #expect(error.code == .decodingFailed)
            #expect(error.context == "timestamp is not in the ISO date style")
        }
    }

    @Test(arguments: [
        253_402_351_199.0, -62_135_647_200.0, -62_135_647_199.5, -210_866_803_200.0, 0, 1_795_687_770.123456,
    ])
    func writesWhatItReadsBackAcrossYearZero(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let text = try #require(date.postgresText)
        #expect(abs(try Date(postgresTimestamp: text).timeIntervalSince(date)) < 0.000_001, "\(text)")
    }

    @Test func writesExtremeAndNonFiniteDatesWithoutTrapping() {
        #expect(Date(timeIntervalSince1970: 253_402_351_199).postgresText == "10000-01-01T13:59:59.000000Z")
        #expect(Date(timeIntervalSince1970: -62_135_647_200).postgresText == "0001-12-31T10:00:00.000000Z BC")
        #expect(Date(timeIntervalSince1970: .infinity).postgresText == "infinity")
        #expect(Date(timeIntervalSince1970: -.infinity).postgresText == "-infinity")
        #expect(Date(timeIntervalSince1970: .nan).postgresText == "NaN")
        #expect(Date(timeIntervalSince1970: 1e300).postgresText == "infinity")
        #expect(Date(timeIntervalSince1970: 1e15).postgresText?.hasPrefix("31690708-") == true)
    }
}

@Suite(.enabled(if: TestServers.enabled))
struct PostgresExtremeTimestampTests {
    @Test func extremeTimestampsRoundTripThroughTheServerAndInfinityThrows() async throws {
        let connection = try await PostgresConnection.connect(try TestServers.adminURL())
        let stored = try await connection.query(
            """
            SELECT '9999-12-31T23:59:59-14:00'::timestamptz AS late, '0001-01-01T00:00:00+14:00'::timestamptz AS early,
                   'infinity'::timestamptz AS forever
            """
        ).single()
        let late = try stored.decode("late", as: Date.self)
        let early = try stored.decode("early", as: Date.self)
        #expect(late.timeIntervalSince1970 == 253_402_351_199)
        #expect(early.timeIntervalSince1970 == -62_135_647_200)
        #expect(throws: PostgresError.self) { try stored.decode("forever", as: Date.self) }
        let back = try await connection.query(
            "SELECT $1::timestamptz = $2::timestamptz AS same", [late, "10000-01-01 13:59:59+00"]
        ).single().decode("same", as: Bool.self)
        #expect(back)
        let backEarly = try await connection.query(
            "SELECT $1::timestamptz = '0001-01-01T00:00:00+14:00'::timestamptz AS same", [early]
        ).single().decode("same", as: Bool.self)
        #expect(backEarly)
        await connection.close()
    }
}
