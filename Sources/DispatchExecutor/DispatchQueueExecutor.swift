import Dispatch

/// A serial executor over a private dispatch queue.
///
/// libpq and libcurl calls block. An actor whose executor is one of these runs its blocking calls on its
/// own thread, never on the cooperative pool (two threads on our machines). Linux has no
/// `DispatchSerialQueue` executor, hence this small type.
public final class DispatchQueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    public init(label: String) {
        self.queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = self.asUnownedSerialExecutor()
        self.queue.async {
            job.runSynchronously(on: executor)
        }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
