import Foundation
import KYCPostgres
import KYCTestSupport
import Logging
import Synchronization
import Testing

@testable import KYCStore

/// The daemon's database service: a pool that reuses its connections and replaces broken ones, waiters that
/// suspend, and one listener that wakes each channel's subscribers, again after it reconnects.
@Suite(.enabled(if: TestServers.enabled))
struct DatabaseTests {
    let logger = Logger(label: "database-test")

    func pid(_ connection: PostgresConnection) async -> Int32 { await connection.backendProcessID }

    @Test func successiveLeasesReuseOneConnection() async throws {
        let database = Database(url: try await TestServers.freshDatabase().conninfo(), logger: self.logger)
        let first = try await database.withConnection { await self.pid($0) }
        let second = try await database.withConnection { await self.pid($0) }
        #expect(first == second)
        #expect(database.openConnections == 1)
    }

    @Test func aConnectionTheServerEndedIsReplacedAtTheNextLease() async throws {
        let test = try await TestServers.freshDatabase()
        let database = Database(url: try test.conninfo(), logger: self.logger)
        let first = try await database.withConnection { await self.pid($0) }
        let admin = try await test.connect()
        try await admin.query("SELECT pg_terminate_backend($1)", [Int(first)])
        try await Task.sleep(for: .milliseconds(200))
        let (second, answer) = try await database.withConnection { connection in
            (await self.pid(connection), try await connection.query("SELECT 1 AS one").single().decode("one", as: Int.self))
        }
        #expect(second != first && answer == 1, "a fresh connection, and it works")
        #expect(database.openConnections == 1)
        await admin.close()
    }

    @Test func aConnectionWhoseUserFailedIsClosedNotReused() async throws {
        struct Failure: Error {}
        let database = Database(url: try await TestServers.freshDatabase().conninfo(), logger: self.logger)
        let failed = Mutex<Int32>(0)
        await #expect(throws: Failure.self) {
            try await database.withConnection { connection in
                let pid = await self.pid(connection)
                failed.withLock { $0 = pid }
                throw Failure()
            }
        }
        #expect(database.openConnections == 0)
        let next = try await database.withConnection { await self.pid($0) }
        #expect(next != failed.withLock { $0 })
    }

    @Test func aLeaseWaitsForAConnectionWhenThePoolIsFull() async throws {
        let database = Database(url: try await TestServers.freshDatabase().conninfo(), poolSize: 1, logger: self.logger)
        let order = EventLog()
        try await withThrowingTaskGroup(of: Int32.self) { group in
            group.addTask {
                try await database.withConnection { connection in
                    order.append("first leased")
                    try await Task.sleep(for: .milliseconds(300))
                    order.append("first done")
                    return await self.pid(connection)
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            group.addTask {
                try await database.withConnection { connection in
                    order.append("second leased")
                    return await self.pid(connection)
                }
            }
            let pids = try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
            #expect(pids.count == 1, "the waiter got the same connection")
        }
        #expect(order.events == ["first leased", "first done", "second leased"])
        #expect(database.openConnections == 1)
    }

    @Test func aCancelledWaiterGivesUpItsPlaceInLine() async throws {
        let database = Database(url: try await TestServers.freshDatabase().conninfo(), poolSize: 1, logger: self.logger)
        try await database.withConnection { _ in
            let waiter = Task { try await database.withConnection { _ in true } }
            try await Task.sleep(for: .milliseconds(100))
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
        }
        #expect(try await database.withConnection { _ in true })
    }

    /// What happened, in order, across tasks.
    final class EventLog: Sendable {
        private let entries = Mutex<[String]>([])
        func append(_ event: String) { self.entries.withLock { $0.append(event) } }
        var events: [String] { self.entries.withLock { $0 } }
    }

    /// Counts each subscription's wake-ups as they come.
    final class WakeUpCounter: Sendable {
        let count = Atomic<Int>(0)
        var value: Int { self.count.load(ordering: .relaxed) }

        /// Waits until at least `expected` wake-ups came, at most `seconds`; true when they did.
        func reaches(_ expected: Int, within seconds: Double = 20) async throws -> Bool {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while self.value < expected && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            return self.value >= expected
        }
    }

    /// Runs the database service while `body` runs, each subscription's wake-ups counted, then stops it.
    func withListener(
        _ test: TestDatabase,
        channels: [String],
        _ body: (Database, [WakeUpCounter]) async throws -> Void
    ) async throws {
        let database = Database(url: try test.conninfo(), logger: self.logger)
        let subscriptions = channels.map { database.wakeUps(on: ChannelName($0)!) }
        let counters = channels.map { _ in WakeUpCounter() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            for (subscription, counter) in zip(subscriptions, counters) {
                group.addTask { for await _ in subscription.stream { counter.count.add(1, ordering: .relaxed) } }
            }
            do {
                try await body(database, counters)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    @Test func aNotificationWakesTheSubscribersOfItsChannelOnly() async throws {
        let test = try await TestServers.freshDatabase()
        try await self.withListener(test, channels: ["kyc_test_a", "kyc_test_b", "kyc_test_a"]) { _, counters in
            // One wake-up each once the listener LISTENs.
            for counter in counters { #expect(try await counter.reaches(1)) }
            let sender = try await test.connect()
            try await sender.notify(ChannelName("kyc_test_a")!)
            #expect(try await counters[0].reaches(2))
            #expect(try await counters[2].reaches(2), "every subscriber of the channel")
            try await Task.sleep(for: .milliseconds(300))
            #expect(counters[1].value == 1, "not the other channel's")
            await sender.close()
        }
    }

    @Test func everySubscriberIsWokenAfterTheListenerReconnects() async throws {
        let test = try await TestServers.freshDatabase()
        try await self.withListener(test, channels: ["kyc_test_a", "kyc_test_b"]) { _, counters in
            for counter in counters { #expect(try await counter.reaches(1)) }
            let admin = try await test.connect()
            let ended = try await admin.query(
                """
                SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
                WHERE datname = current_database() AND query LIKE 'LISTEN %'
                """
            ).single().decode("n", as: Int.self)
            #expect(ended == 1, "one listening connection")
            // Missed notifications are looked for: every subscriber is woken once the listener is back.
            for counter in counters { #expect(try await counter.reaches(2)) }
            try await admin.notify(ChannelName("kyc_test_b")!)
            #expect(try await counters[1].reaches(3), "and notifications wake again")
            await admin.close()
        }
    }
}
