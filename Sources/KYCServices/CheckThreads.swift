import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Threads of the daemon's own for the CPU work of the checks, one per core, each at nice 10.
///
/// The checks are throughput work; an SMTP reply and the mark that records it are latency work, and every
/// millisecond between them is a window in which a crash makes a duplicate email (issue 9). On a host whose
/// cores the checks keep busy, threads at the default priority wait their turn behind them; at nice 10 the
/// checks still take every cycle nobody else wants, but yield at once to the mailer, the database sessions
/// and the mail server. Linux keeps the nice value per thread, so only these threads are lowered; the
/// dispatch and cooperative pools, which also run the SMTP and database actors, keep theirs.
final class CheckThreads: Sendable {
    /// The process's check threads, started on first use.
    static let shared = CheckThreads(count: ProcessInfo.processInfo.activeProcessorCount, nice: 10)

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

    init(count: Int, nice: Int32) {
        self.workers = (0..<max(1, count)).map { _ in Worker() }
        for worker in self.workers {
            let finished = self.finished
            let thread = Thread {
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
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
