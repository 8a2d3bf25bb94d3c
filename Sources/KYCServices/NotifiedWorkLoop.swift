import KYCPostgres
import KYCStore
import Logging
import ServiceLifecycle

/// The loop both workers share: do batches while there is work, then wait for a wake-up on the channel (the
/// database's listener dispatches its NOTIFYs) or the poll interval, whichever comes first; on a database
/// failure, log it and wait with backoff (the pool replaces a broken connection at the next turn). Each turn
/// leases a connection from the `Database` and gives it back before waiting.
///
/// It ends when the service group shuts down gracefully (a wait ends at once; a batch in hand is finished
/// first) or is cancelled.
struct NotifiedWorkLoop: Sendable {
    let name: String
    let channel: ChannelName
    let database: Database
    let pollInterval: Duration
    let logger: Logger
    let heartbeat: Heartbeat?

    /// Checked between turns, never polled: the waits end by themselves when shutdown begins.
    static var isStopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    /// Runs `batch` until it returns 0, then waits for work, and so on. `batch` returns how much it did.
    func run(_ batch: @escaping @Sendable (PostgresConnection) async throws -> Int) async {
        let wakeUps = self.database.wakeUps(on: self.channel)
        defer { wakeUps.cancel() }
        var iterator = wakeUps.stream.makeAsyncIterator()
        var failures = 0
        while !Self.isStopping {
            do {
                let started = ContinuousClock.now
                let done = try await self.database.withConnection { connection in try await batch(connection) }
                if failures > 0 { self.logger.notice("database.reconnected", metadata: ["worker": "\(self.name)"]) }
                failures = 0
                if done > 0 {
                    self.heartbeat?.batch(self.name, items: done, duration: ContinuousClock.now - started)
                    continue
                }
                guard await self.waitForWork(&iterator, wakeUps) else { return }
            } catch {
                failures += 1
                // The first failure, then one line in ten: at the 1 s cadence below, a server that stays away
                // is reported about every 10 s, not every try.
                if failures % 10 == 1 {
                    self.logger.error(
                        "worker.failed",
                        metadata: Database.logMetadata(for: error).merging(
                            ["worker": "\(self.name)", "failures": "\(failures)"]
                        ) { $1 }
                    )
                }
                await self.pause(Database.reconnectBackoff(afterFailures: failures))
            }
        }
    }

    /// Returns on a wake-up (a notification, the listener's (re)connection), after the poll interval, or as
    /// soon as graceful shutdown begins: the timer and the shutdown handler wake the same stream. False once
    /// the stream has ended (the task was cancelled).
    private func waitForWork(_ iterator: inout AsyncStream<Void>.Iterator, _ wakeUps: Database.WakeUps) async -> Bool {
        let interval = self.pollInterval
        self.heartbeat?.waiting(self.name, until: .now + interval)
        defer { self.heartbeat?.beat(self.name) }
        return await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { timer in
                timer.addTask {
                    guard (try? await Task.sleep(for: interval)) != nil else { return }
                    wakeUps.wake()
                }
                defer { timer.cancelAll() }
                return await iterator.next(isolation: #isolation) != nil
            }
        } onGracefulShutdown: {
            wakeUps.wake()
        }
    }

    /// Waits out a backoff, or less when graceful shutdown begins. A loop waiting for the database to come back
    /// is alive: it tells the heartbeat how long it waits.
    func pause(_ duration: Duration) async {
        self.heartbeat?.waiting(self.name, until: .now + duration)
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
        self.heartbeat?.beat(self.name)
    }
}
