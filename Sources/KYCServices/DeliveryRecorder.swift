import KYCPostgres
import KYCStore
import Synchronization

/// Records delivery results as they happen rather than a batch at a time: each result is handed over the
/// moment its SMTP reply arrives, and a writer on a connection of its own stores whatever has gathered
/// since its last write, in one statement, again and again. An email the server accepted is marked sent
/// within about one round trip, so a crash leaves few accepted-but-unrecorded emails to be sent twice
/// (issue 9: duplicates after SIGKILL), while sending never waits for the database.
///
/// The results travel over an `AsyncStream`; the writer's session commits with `synchronous_commit = off`:
/// a crash of the daemon loses nothing the server has received, and a crash of the server itself can only
/// lose the mark, never the email: the row is still pending, its lease runs out, and the email is sent again
/// with its Message-ID.
final class DeliveryRecorder: Sendable {
    private let results: AsyncStream<DeliveryResult>
    private let continuation: AsyncStream<DeliveryResult>.Continuation
    /// Results handed over and not yet taken by the writer, counted after each is in the stream: never more
    /// than the stream holds, so the writer can take that many more without waiting.
    private let handedOver = Atomic<Int>(0)
    private let failureSeen = Mutex<StoreError?>(nil)

    init() {
        (self.results, self.continuation) = AsyncStream<DeliveryResult>.makeStream()
    }

    /// Hands over one result; the writer stores it with the next write.
    func add(_ result: DeliveryResult) {
        self.continuation.yield(result)
        self.handedOver.add(1, ordering: .releasing)
    }

    /// No more results: the writer stores what is left and returns.
    func close() {
        self.continuation.finish()
    }

    /// The writer's error, once it has failed: the sender stops claiming more work.
    var failure: StoreError? { self.failureSeen.withLock { $0 } }

    /// Writes until closed and drained. On a database error it stops, keeps the error for `failure`, and
    /// rethrows; results not yet written are left to the leases.
    ///
    /// The whole loop runs on the connection's own thread: a result handed over wakes it there directly (the
    /// stream resumes the writer on the isolation it waits in), and the write follows at once, whatever the
    /// cooperative pool is busy with (checks of a batch could hold it for many milliseconds, and every one of
    /// them widened the window in which a kill makes a duplicate).
    func run(on connection: isolated PostgresConnection) async throws(StoreError) {
        let outbox = Outbox()
        var iterator = self.results.makeAsyncIterator()
        while let first = await iterator.next(isolation: connection) {
            var gathered = [first]
            // Whatever else was handed over meanwhile is already in the stream: take it without waiting.
            let more = self.handedOver.subtract(1, ordering: .acquiring).newValue
            for _ in 0..<max(0, more) {
                guard let result = await iterator.next(isolation: connection) else { break }
                gathered.append(result)
            }
            if more > 0 { self.handedOver.subtract(more, ordering: .relaxed) }
            do {
                try outbox.record(gathered, on: connection)
            } catch {
                self.failureSeen.withLock { $0 = error }
                throw error
            }
        }
    }
}
