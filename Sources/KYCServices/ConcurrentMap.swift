extension Array where Element: Sendable {
    /// `map` spread over the `CheckExecutor`'s threads, order kept, while the caller suspends: for CPU-bound
    /// work on independent elements (the checks of a batch, a page of a policy replay). The one way the
    /// daemon and the replay run checks in parallel; nothing of it runs on the cooperative pool.
    func concurrentMap<Result: Sendable>(
        on executor: CheckExecutor = .shared,
        _ transform: @escaping @Sendable (Element) -> Result
    ) async -> [Result] {
        guard !self.isEmpty else { return [] }
        // At least eight elements a share: fewer are not worth a thread of their own.
        let shares = Swift.max(1, Swift.min(executor.threadCount, self.count / 8))
        return await withTaskGroup(of: (share: Int, results: [Result]).self) { group in
            for share in 0..<shares {
                group.addTask(executorPreference: executor) {
                    (share, Swift.stride(from: share, to: self.count, by: shares).map { transform(self[$0]) })
                }
            }
            var byShare = [[Result]](repeating: [], count: shares)
            for await done in group { byShare[done.share] = done.results }
            // Share s holds elements s, s + shares, s + 2·shares, …: interleave them back into order.
            return self.indices.map { byShare[$0 % shares][$0 / shares] }
        }
    }
}
