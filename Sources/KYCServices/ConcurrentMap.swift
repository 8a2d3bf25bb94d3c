
extension Array where Element: Sendable {
    /// `map` spread over the machine's cores on the `CheckThreads`, order kept: for CPU-bound
    /// work on independent elements (the checks of one batch), done while the database waits for the
    /// batch's results anyway.
    func concurrentMap<Result: Sendable>(_ transform: @Sendable (Element) -> Result) -> [Result] {
        let threads = CheckThreads.shared
        let workers = Swift.min(threads.count, self.count / 8)
        guard workers > 1 else { return self.map(transform) }
        let results = ResultSlots<Result>(count: self.count)
        threads.perform(iterations: workers) { worker in
            var index = worker
            while index < self.count {
                results.store(transform(self[index]), at: index)
                index += workers
            }
        }
        return results.collected()
    }
}

/// Slots each written once, by one worker, at its own index; read after every worker has finished.
private final class ResultSlots<Result: Sendable>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Result?>
    private let count: Int

    init(count: Int) {
        self.count = count
        self.slots = .allocate(capacity: count)
        self.slots.initialize(repeating: nil, count: count)
    }

    deinit {
        self.slots.deinitialize(count: self.count)
        self.slots.deallocate()
    }

    func store(_ result: Result, at index: Int) {
        self.slots[index] = result
    }

    func collected() -> [Result] {
        (0..<self.count).map { self.slots[$0]! }
    }
}
