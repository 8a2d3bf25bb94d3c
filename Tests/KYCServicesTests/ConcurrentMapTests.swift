import Testing

@testable import KYCServices

/// The checks of a batch run on every core; the results must come back complete and in claim order.
@Suite struct ConcurrentMapTests {
    @Test(arguments: [0, 1, 7, 8, 16, 50, 1_001])
    func keepsEveryElementInOrder(count: Int) {
        let items = Array(0..<count)
        #expect(items.concurrentMap { $0 * 3 + 1 } == items.map { $0 * 3 + 1 })
    }
}
