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
        var summary = ReplaySummary()
        // The histories over the candidate's attempt window and cooldown, not the policy in force's.
        let window = self.candidate.attemptWindow, cooldown = self.candidate.cooldown
        var page = try await source.page(
            since: since, until: until, after: 0, limit: self.pageSize, attemptWindow: window, cooldown: cooldown,
            on: connection
        )
        while let last = page.last {
            // Fetch the next page while this one is checked, on the check executor as the daemon's checks are.
            async let next = source.page(
                since: since, until: until, after: last.id, limit: self.pageSize, attemptWindow: window,
                cooldown: cooldown, on: connection
            )
            for replayed in await page.concurrentMap({ Self.replay($0, suite: suite) }) {
                switch replayed {
                case .unreadable: summary.unreadable += 1
                case .replayed(let recorded, let candidate): summary.add(recorded: recorded, candidate: candidate)
                }
            }
            page = try await next
        }
        return summary
    }

    /// What replaying one stored application came to.
    enum Replayed: Sendable {
        /// It cannot be read back or evaluated: counted, not replayed, and the replay goes on.
        case unreadable
        case replayed(recorded: String, candidate: String)
    }

    static func replay(_ item: StoredVerdict, suite: CheckSuite) -> Replayed {
        guard case .success(let claimed) = item.claimed, let application = claimed.underCheck() else {
            return .unreadable
        }
        return .replayed(recorded: item.recorded, candidate: ReplaySummary.verdict(of: application, under: suite).label)
    }
}
