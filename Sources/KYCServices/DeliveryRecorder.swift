import KYCPostgres
import KYCStore
import Synchronization

/// Records delivery results as they happen rather than a batch at a time: each result is handed over the
/// moment its SMTP reply arrives, and a writer on a connection of its own stores whatever has gathered
/// since its last write, in one statement, again and again. An email the server accepted is marked sent
/// within about one round trip, so a crash leaves few accepted-but-unrecorded emails to be sent twice
/// (issue 9: duplicates after SIGKILL), while sending never waits for the database.
///
/// The writer's session commits with `synchronous_commit = off`: a crash of the daemon loses nothing the
/// server has received, and a crash of the server itself can only lose the mark, never the email: the row
/// is still pending, its lease runs out, and the email is sent again with its Message-ID.
final class DeliveryRecorder: Sendable {
    private struct State {
        var pending: [DeliveryResult] = []
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
        var failure: (any Error)?
    }

    private let state = Mutex(State())

    /// Hands over one result; the writer stores it with the next write.
    func add(_ result: DeliveryResult) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.pending.append(result)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// No more results: the writer stores what is left and returns.
    func close() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The writer's error, once it has failed: the sender stops claiming more work.
    var failure: (any Error)? { self.state.withLock { $0.failure } }

    /// Writes until closed and drained. On a database error it stops, keeps the error for `failure`, and
    /// rethrows; results not yet written are left to the leases.
    ///
    /// The whole loop runs on the connection's own thread: a result handed over wakes it there directly, and
    /// the write follows at once, whatever the cooperative pool is busy with (checks of a batch can hold it
    /// for many milliseconds, and every one of them widened the window in which a kill makes a duplicate).
    func run(on connection: isolated PostgresConnection) async throws {
        let outbox = Outbox()
        do {
            while let results = await self.next() {
                try outbox.record(results, on: connection)
            }
        } catch {
            self.state.withLock { $0.failure = error }
            throw error
        }
    }

    /// Everything gathered so far, waiting for the first result if there is none; nil once closed and
    /// drained.
    private func next(isolation: isolated (any Actor)? = #isolation) async -> [DeliveryResult]? {
        while true {
            enum Step { case take([DeliveryResult]), finished, wait }
            let step = self.state.withLock { state -> Step in
                if !state.pending.isEmpty {
                    defer { state.pending.removeAll(keepingCapacity: true) }
                    return .take(state.pending)
                }
                return state.closed ? .finished : .wait
            }
            switch step {
            case .take(let results): return results
            case .finished: return nil
            case .wait:
                await withCheckedContinuation(isolation: isolation) { continuation in
                    let resumeNow = self.state.withLock { state -> Bool in
                        if !state.pending.isEmpty || state.closed { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }
}

/// The recorder's own database connection, opened when first needed and kept across calls; dropped after
/// a failure so the next call opens a fresh one.
final class RecorderConnection: Sendable {
    private let connection = Mutex<PostgresConnection?>(nil)
    private let databaseURL: String?

    init(databaseURL: String?) {
        self.databaseURL = databaseURL
    }

    func get() async throws -> PostgresConnection {
        if let open = self.connection.withLock({ $0 }) { return open }
        let opened = try await PostgresConnection.connect(self.databaseURL, label: "kyc.mailer.record")
        try await opened.execute("SET synchronous_commit TO off")
        self.connection.withLock { $0 = opened }
        return opened
    }

    func drop() async {
        let open = self.connection.withLock { connection -> PostgresConnection? in
            defer { connection = nil }
            return connection
        }
        await open?.close()
    }
}
