import Synchronization
import Testing

@testable import KYCServices

#if canImport(Glibc)
import Glibc
#endif

/// The checks of a batch run on every core; the results must come back complete and in claim order.
@Suite struct ConcurrentMapTests {
    @Test(arguments: [0, 1, 7, 8, 16, 50, 1_001])
    func keepsEveryElementInOrder(count: Int) {
        let items = Array(0..<count)
        #expect(items.concurrentMap { $0 * 3 + 1 } == items.map { $0 * 3 + 1 })
    }

    /// The checks yield the cores to the mailer and the database: their threads run at the lower priority,
    /// and the caller's thread keeps its own.
    @Test func checkThreadsRunAtTheirLowerPriorityAndLeaveTheCallersAlone() {
        @Sendable func nice() -> Int32 { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
        let callerBefore = nice()
        let threads = CheckThreads(count: 2, nice: 7)
        let seen = Mutex<[Int: Int32]>([:])
        for _ in 0..<3 {
            threads.perform(iterations: 2) { worker in
                let value = nice()
                seen.withLock { $0[worker] = value }
            }
        }
        #expect(seen.withLock { $0 } == [0: 7, 1: 7])
        #expect(nice() == callerBefore)
    }
}
