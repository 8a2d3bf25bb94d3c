import Dispatch
import Foundation
import Synchronization

/// The daemon's check threads, one per core, as a task executor: the CPU work of the checks runs here, in
/// child tasks that prefer this executor (`concurrentMap`), while their caller suspends.
///
/// The checks are throughput work; an SMTP reply and the mark that records it are latency work, and every
/// millisecond between them is a window in which a crash makes a duplicate email (issue 9). The SMTP senders
/// and the database connections run on dispatch queues, and so does Swift's cooperative pool on Linux:
/// checks spread over those same dispatch threads held them for a whole batch, and the mark of an accepted
/// email waited for them. On threads of their own the checks leave the dispatch threads and the cooperative
/// pool free, and the kernel shares the cores between them and everything else.
final class CheckExecutor: TaskExecutor, Sendable {
    /// The process's check executor; its threads start on first use and live as long as the process.
    static let shared = CheckExecutor(threads: ProcessInfo.processInfo.activeProcessorCount)

    /// Jobs waiting for a thread, first in first out.
    private struct JobQueue {
        private var jobs: [UnownedJob] = []
        private var head = 0

        mutating func push(_ job: UnownedJob) {
            self.jobs.append(job)
        }

        /// The oldest job; only called after `ready` said there is one.
        mutating func pop() -> UnownedJob {
            let job = self.jobs[self.head]
            self.head += 1
            if self.head == self.jobs.count {
                self.jobs.removeAll(keepingCapacity: true)
                self.head = 0
            }
            return job
        }
    }

    /// The number of threads: the most checks that run at once.
    let threadCount: Int
    private let jobs = Mutex(JobQueue())
    /// Signalled once per job pushed: a thread that passes `wait()` has a job to pop.
    private let ready = DispatchSemaphore(value: 0)
    /// The threads' identities, for `isRunningOnOwnThread`.
    private let threads = Mutex<Set<UInt>>([])

    init(threads: Int) {
        self.threadCount = max(1, threads)
        for _ in 0..<self.threadCount {
            // Each thread holds the executor: the threads and the executor live as long as the process.
            let thread = Thread { [self] in self.work() }
            thread.name = "kyc.checks"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.jobs.withLock { $0.push(job) }
        self.ready.signal()
    }

    /// Whether the caller runs on one of this executor's threads.
    var isRunningOnOwnThread: Bool {
        let current = UInt(bitPattern: Int(bitPattern: pthread_self()))
        return self.threads.withLock { $0.contains(current) }
    }

    /// A check thread's life: wait for a job, run it, again. The wait blocks this thread only.
    private func work() {
        let current = UInt(bitPattern: Int(bitPattern: pthread_self()))
        self.threads.withLock { _ = $0.insert(current) }
        let executor = self.asUnownedTaskExecutor()
        while true {
            self.ready.wait()
            let job = self.jobs.withLock { $0.pop() }
            job.runSynchronously(on: executor)
        }
    }
}
