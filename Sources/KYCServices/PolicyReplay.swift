public import Foundation
public import KYCDomain
public import KYCPostgres
import KYCStore
public import KYCVault

/// Re-evaluates stored applications under a candidate policy and counts how their automated verdicts
/// would change. Reads only; pages through the applications by id and checks each page on all cores.
public struct PolicyReplay: Sendable {
    public let candidate: Policy
    public let pageSize: Int
    /// Opens the sealed identifiers the MRZ and consistency checks need.
    public let vault: IdentifierVault?

    public init(candidate: Policy, pageSize: Int = 5000, vault: IdentifierVault? = nil) {
        self.candidate = candidate
        self.pageSize = pageSize
        self.vault = vault
    }

    public func run(since: Date, until: Date, on connection: PostgresConnection) async throws -> ReplaySummary {
        let suite = CheckSuite(policy: self.candidate)
        let source = ReplaySource(vault: self.vault)
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var summary = ReplaySummary()
        var page = try await source.page(since: since, until: until, after: 0, limit: self.pageSize, on: connection)
        while let last = page.last {
            // Fetch the next page while this one is checked.
            async let next = source.page(since: since, until: until, after: last.id, limit: self.pageSize,
                                         on: connection)
            let chunk = (page.count + workers - 1) / workers
            let current = page
            summary.merge(
                await withTaskGroup(of: ReplaySummary.self) { group in
                    for start in stride(from: 0, to: current.count, by: chunk) {
                        let slice = current[start..<min(start + chunk, current.count)]
                        group.addTask { Self.replay(slice, suite: suite) }
                    }
                    return await group.reduce(into: ReplaySummary()) { $0.merge($1) }
                }
            )
            page = try await next
        }
        return summary
    }

    static func replay(_ stored: ArraySlice<StoredVerdict>, suite: CheckSuite) -> ReplaySummary {
        var summary = ReplaySummary()
        for item in stored {
            // One that cannot be read back or evaluated is counted, not replayed, and the replay goes on.
            guard case .success(let claimed) = item.claimed, let application = claimed.underCheck() else {
                summary.unreadable += 1
                continue
            }
            summary.add(recorded: item.recorded, candidate: ReplaySummary.verdict(of: application, under: suite).label)
        }
        return summary
    }
}
