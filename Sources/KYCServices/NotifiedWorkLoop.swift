import Foundation
import KYCPostgres
import Logging
import ServiceLifecycle

/// The loop both workers share: do batches while there is work, then sleep until a NOTIFY on the
/// channel or the poll interval, whichever comes first; on a database failure, log it, wait with backoff
/// and reconnect. It ends when the service group shuts down gracefully or is cancelled.
struct NotifiedWorkLoop: Sendable {
    let name: String
    let channel: ChannelName
    let databaseURL: String?
    let pollInterval: Duration
    let logger: Logger
    let heartbeat: Heartbeat?

    static var isStopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    /// Runs `batch` until it returns 0, then waits for work, and so on. `batch` returns how much it did.
    func run(_ batch: @escaping @Sendable (PostgresConnection) async throws -> Int) async {
        var failures = 0
        while !Self.isStopping {
            var connections: [PostgresConnection] = []
            do {
                let listener = try await PostgresConnection.connect(self.databaseURL, label: "kyc.\(self.name).listen")
                connections.append(listener)
                try await listener.listen(self.channel)
                let connection = try await PostgresConnection.connect(self.databaseURL, label: "kyc.\(self.name)")
                connections.append(connection)
                if failures > 0 { self.logger.notice("database.reconnected", metadata: ["worker": "\(self.name)"]) }
                failures = 0
                while !Self.isStopping {
                    let started = ContinuousClock.now
                    let done = try await batch(connection)
                    if done > 0 {
                        self.heartbeat?.batch(self.name, items: done, duration: ContinuousClock.now - started)
                        continue
                    }
                    self.heartbeat?.beat(self.name)
                    try await self.waitForWork(listener)
                }
            } catch {
                failures += 1
                // The first failure, then one line in ten: at the 1 s cadence below, a server that stays away
                // is reported about every 10 s, not every try.
                if failures % 10 == 1 {
                    self.logger.error(
                        "worker.failed",
                        metadata: ["worker": "\(self.name)", "error": "\(error)", "failures": "\(failures)"]
                    )
                }
                await self.sleep(Self.backoff(afterFailures: failures))
            }
            for connection in connections { await connection.close() }
        }
    }

    /// 250 ms after the first failure, doubling to at most 1 s: a restarted server is found within a second
    /// of its return, whatever its time away (a 10 s cap could add up to 10 s after a crash recovery of as
    /// many, and strand leases that long), at one connection attempt a second while it stays away.
    static func backoff(afterFailures failures: Int) -> Duration {
        .milliseconds(min(1_000, 250 << min(max(failures - 1, 0), 2)))
    }

    /// Returns on a notification, after the poll interval, or soon after shutdown begins.
    private func waitForWork(_ listener: PostgresConnection) async throws {
        let deadline = ContinuousClock.now + self.pollInterval
        while !Self.isStopping {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return }
            let notifications = try await listener.waitForNotifications(timeout: min(remaining, .milliseconds(250)))
            self.heartbeat?.beat(self.name)
            if !notifications.isEmpty { return }
        }
    }

    /// Sleeps, beating, and waking early when shutdown begins: a loop waiting for the database to come back
    /// is alive.
    func sleep(_ duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        while !Self.isStopping, ContinuousClock.now < deadline {
            try? await Task.sleep(for: min(.milliseconds(250), deadline - ContinuousClock.now))
            self.heartbeat?.beat(self.name)
        }
    }
}
