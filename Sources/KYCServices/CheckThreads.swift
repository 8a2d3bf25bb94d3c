import Dispatch
import Foundation
import Synchronization

/// Threads of the daemon's own for the CPU work of the checks, one per core.
///
/// The checks are throughput work; an SMTP reply and the mark that records it are latency work, and every
/// millisecond between them is a window in which a crash makes a duplicate email (issue 9). Both the SMTP
/// senders and the database connections run on dispatch queues, and so does Swift's cooperative pool on
/// Linux: checks spread with `DispatchQueue.concurrentPerform` took those same dispatch threads for a whole
/// batch, and the mark of an accepted email waited for them. On threads of their own, the checks leave the
/// dispatch threads free, and the kernel shares the cores between them and everything else.
final class CheckThreads: Sendable {
    /// The process's check threads, started on first use.
    static let shared = CheckThreads(count: ProcessInfo.processInfo.activeProcessorCount)

    private final class Worker: @unchecked Sendable {
        /// Signalled once `job` is set; the job is read only after it, and cleared before `finished`.
        let start = DispatchSemaphore(value: 0)
        var job: (() -> Void)?
    }

    private let workers: [Worker]
    private let finished = DispatchSemaphore(value: 0)
    /// One `perform` at a time: each worker holds one job.
    private let turn = Mutex(())

    /// The number of threads, and so the most iterations one `perform` takes.
    var count: Int { self.workers.count }

    init(count: Int) {
        self.workers = (0..<max(1, count)).map { _ in Worker() }
        for worker in self.workers {
            let finished = self.finished
            let thread = Thread {
                while true {
                    worker.start.wait()
                    worker.job?()
                    worker.job = nil
                    finished.signal()
                }
            }
            thread.name = "kyc.checks"
            thread.start()
        }
    }

    /// Runs `body(0) … body(iterations - 1)`, each on a thread of its own, and returns when all have
    /// returned. `iterations` is at most `count`.
    func perform(iterations: Int, _ body: @Sendable (Int) -> Void) {
        precondition(iterations <= self.workers.count, "more iterations than check threads")
        self.turn.withLock { _ in
            withoutActuallyEscaping(body) { body in
                for (index, worker) in self.workers.prefix(iterations).enumerated() {
                    worker.job = { body(index) }
                    worker.start.signal()
                }
                for _ in 0..<iterations { self.finished.wait() }
            }
        }
    }
}
