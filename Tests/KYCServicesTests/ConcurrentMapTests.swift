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

    /// The checks leave the dispatch threads (which run the SMTP and database actors) free: every iteration
    /// runs once, on a check thread of its own, never on the caller's thread.
    @Test func checkThreadsRunEachIterationOnceOnThreadsOfTheirOwn() {
        let threads = CheckThreads(count: 2)
        let caller = pthread_self()
        let seen = Mutex<[Int: [pthread_t]]>([:])
        for _ in 0..<3 {
            threads.perform(iterations: 2) { worker in
                let current = pthread_self()
                seen.withLock { $0[worker, default: []].append(current) }
            }
        }
        let byWorker = seen.withLock { $0 }
        #expect(byWorker.keys.sorted() == [0, 1])
        #expect(byWorker.values.allSatisfy { $0.count == 3 })
        let all = byWorker.values.flatMap { $0 }
        #expect(!all.contains { pthread_equal($0, caller) != 0 })
        #expect(Set(all.map { UInt($0) }).count == 2)
    }
}
