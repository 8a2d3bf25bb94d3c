import KYCPostgres
import KYCStore
import Logging
import Synchronization

/// Records delivery results as they happen rather than a batch at a time: each result is handed over the
/// moment its SMTP reply arrives, and a writer on a connection of its own stores whatever has gathered
/// since its last write, in one statement, again and again. An email the server accepted is marked sent
/// within about one round trip, so a crash leaves few accepted-but-unrecorded emails to be sent twice
/// (issue 9: duplicates after SIGKILL), while sending never waits for the database.
///
/// Every mark not written is an email sent twice, so nothing but `close()` ends the writer, and it writes
/// what is pending first: cancellation at shutdown does not (the results of sends still in flight are still
/// written), and a write that fails on a broken connection is retried on a fresh one from the pool with
/// backoff, for up to `retryWindow`, together with the results that arrived meanwhile.
///
/// The writer's sessions commit with `synchronous_commit = off`: a crash of the daemon loses nothing the
/// server has received, and a crash of the server itself can only lose the mark, never the email: the row is
/// still pending, its lease runs out, and the email is sent again with its Message-ID.
final class DeliveryRecorder: Sendable {
    private struct State {
        /// Handed over, not yet taken by the writer (a failed write's results go back to the front).
        var pending: [DeliveryResult] = []
        /// The writer, while it waits for results.
        var writer: CheckedContinuation<[DeliveryResult]?, Never>?
        var closed = false
        /// Writes that succeeded, so that the writer sees a failure streak end.
        var writes = 0
    }

    private let state = Mutex(State())
    private let failureSeen = Mutex<StoreError?>(nil)
    private let retryWindow: Duration
    private let logger: Logger?

    /// `retryWindow` bounds the retries of one streak of failed writes (10 s: within the daemon's grace period
    /// at shutdown); `logger` gets one line when a streak begins and one when it ends.
    init(retryWindow: Duration = .seconds(10), logger: Logger? = nil) {
        self.retryWindow = retryWindow
        self.logger = logger
    }

    /// Hands over one result; the writer stores it with the next write.
    func add(_ result: DeliveryResult) {
        let wake = self.state.withLock { state -> (CheckedContinuation<[DeliveryResult]?, Never>, [DeliveryResult])? in
            state.pending.append(result)
            guard let writer = state.writer else { return nil }
            state.writer = nil
            defer { state.pending = [] }
            return (writer, state.pending)
        }
        if let (writer, results) = wake { writer.resume(returning: results) }
    }

    /// No more results: the writer stores what is left and returns.
    func close() {
        let writer = self.state.withLock { state -> CheckedContinuation<[DeliveryResult]?, Never>? in
            state.closed = true
            defer { state.writer = nil }
            return state.writer
        }
        writer?.resume(returning: nil)
    }

    /// The writer's error, once it has given up: the sender stops claiming more work.
    var failure: StoreError? { self.failureSeen.withLock { $0 } }

    /// Results not written (yet), for tests.
    var unwritten: Int { self.state.withLock { $0.pending.count } }

    /// Everything handed over since the last call, waiting until there is something; nil once closed and
    /// drained. Deliberately blind to cancellation: only `close()` ends the writer.
    private func take(isolation: isolated (any Actor)? = #isolation) async -> [DeliveryResult]? {
        await withCheckedContinuation(isolation: isolation) { (continuation: CheckedContinuation<[DeliveryResult]?, Never>) in
            let now: [DeliveryResult]?? = self.state.withLock { state in
                if !state.pending.isEmpty {
                    defer { state.pending = [] }
                    return .some(state.pending)
                }
                if state.closed { return .some(nil) }
                state.writer = continuation
                return .none
            }
            if let now { continuation.resume(returning: now) }
        }
    }

    /// Puts a failed write's results back in front of those that arrived meanwhile.
    private func giveBack(_ results: [DeliveryResult]) {
        self.state.withLock { $0.pending.insert(contentsOf: results, at: 0) }
    }

    /// Writes until closed and drained, on connections leased from `database`. A write that fails for the
    /// connection's sake (or a serialization failure) is retried on a fresh connection with
    /// `Database.reconnectBackoff` for up to `retryWindow`; after that, or on any other error, it stops, keeps
    /// the error for `failure` and rethrows: results not written are left to the leases.
    func run(database: Database) async throws(StoreError) {
        // A streak of failed writes begins at a failure with no successful write since the one before.
        var streakStart = ContinuousClock.now
        var failures = 0
        var writesAtLastFailure = -1
        while true {
            do {
                try await database.withConnection(setting: .asynchronousCommit) { connection in
                    try await self.write(on: connection)
                }
                if failures > 0 { self.logger?.notice("delivery.marks_recovered", metadata: ["failures": "\(failures)"]) }
                return
            } catch {
                let storeError = Self.storeError(error)
                let writes = self.state.withLock { $0.writes }
                if writes != writesAtLastFailure {
                    streakStart = .now
                    failures = 0
                    self.logger?.warning(
                        "delivery.marks_retrying",
                        metadata: Database.logMetadata(for: storeError).merging(["unwritten": "\(self.unwritten)"]) { $1 }
                    )
                }
                writesAtLastFailure = writes
                failures += 1
                guard Self.isRetryable(storeError), !Task.isCancelled, ContinuousClock.now - streakStart < self.retryWindow
                else {
                    self.logger?.error(
                        "delivery.marks_lost",
                        metadata: Database.logMetadata(for: storeError).merging(
                            ["unwritten": "\(self.unwritten)", "failures": "\(failures)"]
                        ) { $1 }
                    )
                    self.failureSeen.withLock { $0 = storeError }
                    throw storeError
                }
                try? await Task.sleep(for: Database.reconnectBackoff(afterFailures: failures))
            }
        }
    }

    /// The write loop on one connection, on that connection's own thread: a result handed over wakes it there
    /// directly, and the write follows at once, whatever the cooperative pool is busy with (checks of a batch
    /// could hold it for many milliseconds, and every one of them widened the window in which a kill makes a
    /// duplicate).
    private func write(on connection: isolated PostgresConnection) async throws(StoreError) {
        let outbox = Outbox()
        while let gathered = await self.take() {
            do {
                try outbox.record(gathered, on: connection)
                self.state.withLock { $0.writes += 1 }
            } catch {
                self.giveBack(gathered)
                throw error
            }
        }
    }

    /// A broken or closed connection, a server going away, or a serialization failure: worth another try on a
    /// fresh connection.
    static func isRetryable(_ error: StoreError) -> Bool {
        guard let underlying = error.underlying else { return false }
        return underlying.isConnectionProblem || underlying.sqlState == "40001" || underlying.sqlState == "40P01"
    }

    private static func storeError(_ error: any Error) -> StoreError {
        switch error {
        case let error as StoreError: error
        case let error as PostgresError: StoreError(error)
        default: StoreError(code: .unexpected, context: String(describing: type(of: error)))
        }
    }
}
