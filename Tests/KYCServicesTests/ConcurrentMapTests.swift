import Dispatch
import Foundation
import Synchronization
import Testing

@testable import KYCServices

/// The checks of a batch (and of a replay page) run on the check executor's threads, one per core; the
/// results must come back complete and in order, and the caller suspends meanwhile instead of holding a
/// thread of the cooperative pool.
@Suite struct ConcurrentMapTests {
    final class Counter: Sendable {
        private let count = Atomic<Int>(0)
        func add() { self.count.add(1, ordering: .relaxed) }
        var value: Int { self.count.load(ordering: .relaxed) }
    }

    @Test(arguments: [0, 1, 7, 8, 16, 50, 1_001])
    func keepsEveryElementInOrder(count: Int) async {
        let items = Array(0..<count)
        #expect(await items.concurrentMap { $0 * 3 + 1 } == items.map { $0 * 3 + 1 })
    }

    /// The checks leave the dispatch threads (which run the SMTP and database actors) and the cooperative pool
    /// free: every element is transformed once, on a thread of the check executor.
    @Test func transformsEachElementOnceOnTheCheckExecutorsOwnThreads() async {
        let executor = CheckExecutor(threads: 2)
        let seen = Mutex<[Int: [String]]>([:])
        _ = await Array(0..<64).concurrentMap(on: executor) { item in
            let name = executor.isRunningOnOwnThread ? "own" : "other"
            seen.withLock { $0[item, default: []].append(name) }
            return item
        }
        let byItem = seen.withLock { $0 }
        #expect(byItem.keys.sorted() == Array(0..<64))
        #expect(byItem.values.allSatisfy { $0 == ["own"] }, "\(Set(byItem.values.flatMap { $0 }))")
    }

    /// More callers than the cooperative pool has threads, each waiting in its check for a signal that only a
    /// task on the cooperative pool gives: callers that blocked their thread would leave no thread to signal,
    /// and every wait would time out. Callers that suspend leave the pool free, and every check is signalled.
    @Test func callersSuspendAndLeaveTheCooperativePoolFree() async {
        let callers = ProcessInfo.processInfo.activeProcessorCount + 2
        let executor = CheckExecutor(threads: callers)
        let gate = DispatchSemaphore(value: 0)
        let started = Counter()
        let signalled = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    await [0].concurrentMap(on: executor) { _ in
                        started.add()
                        return gate.wait(timeout: .now() + 10) == .success
                    }[0]
                }
            }
            group.addTask {
                while started.value < callers { try? await Task.sleep(for: .milliseconds(5)) }
                for _ in 0..<callers { gate.signal() }
                return true
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(signalled.allSatisfy { $0 }, "every check was signalled from the cooperative pool")
    }
}
