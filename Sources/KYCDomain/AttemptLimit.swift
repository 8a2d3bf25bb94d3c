public import Foundation

/// The attempt-limit rules of CONTRACT §3, evaluated relative to a submission's time so that a replay
/// gives the same answer, under the policy's `attemptsPerDay`, `attemptWindow` and `cooldown`.
///
/// Reviewers' denials evaluate the same rule in SQL (`kyc.retry_facts`, over `kyc.attempt_history`'s facts
/// and the same policy version); `RuleOwnerTests.AttemptLimitRule` runs both on one table of cases.
public struct AttemptLimit: Sendable {
    public let policy: Policy

    public init(policy: Policy) {
        self.policy = policy
    }

    private var window: TimeInterval { TimeInterval(policy.attemptWindow.components.seconds) }
    private var cooldown: TimeInterval { TimeInterval(policy.cooldown.components.seconds) }

    /// When a submission at `submittedAt` is refused, the time the applicant may try again.
    public func blockedUntil(submittedAt: Date, history: AttemptHistory) -> Date? {
        let limit = self.policy.attemptsPerDay
        var until: Date?
        let earlier = history.earlierSubmissions
            .filter { $0 > submittedAt.addingTimeInterval(-window) && $0 <= submittedAt }
            .sorted()
        if earlier.count >= limit {
            // Free again once enough of them have left the window that this one would be within the limit.
            until = earlier[earlier.count - limit].addingTimeInterval(window)
        }
        if let cooldownEnd = self.cooldownEnd(denials: history.recentDenials), cooldownEnd > submittedAt {
            until = max(until ?? cooldownEnd, cooldownEnd)
        }
        return until
    }

    /// The end of the latest cooldown: `cooldown` after any denial that is the `attemptsPerDay`-th within one
    /// attempt window.
    public func cooldownEnd(denials: [Date]) -> Date? {
        let limit = self.policy.attemptsPerDay
        let sorted = denials.sorted()
        guard sorted.count >= limit else { return nil }
        var end: Date?
        for index in (limit - 1)..<sorted.count
        where sorted[index].timeIntervalSince(sorted[index - limit + 1]) < window {
            end = sorted[index].addingTimeInterval(cooldown)
        }
        return end
    }

    /// When an application refused for attempt_limit may be tried again: when the limit or a cooldown frees,
    /// or, for a history that shows neither, one attempt window after its submission.
    public func retryAfterRefusal(submittedAt: Date, receivedAt: Date, history: AttemptHistory) -> Date {
        self.blockedUntil(submittedAt: receivedAt, history: history) ?? submittedAt.addingTimeInterval(window)
    }

    /// What a denial (for any reason but attempt_limit) tells the applicant about trying again.
    public func retry(
        afterDenialOf submittedAt: Date,
        decidedAt: Date,
        history: AttemptHistory
    ) -> RetryPolicy {
        let limit = self.policy.attemptsPerDay
        let counted = (history.earlierSubmissions.filter {
            $0 > submittedAt.addingTimeInterval(-window) && $0 <= submittedAt
        } + [submittedAt]).sorted()
        let remaining = max(0, limit - counted.count)
        var retryAfter: Date?
        if remaining == 0 {
            retryAfter = counted[counted.count - limit].addingTimeInterval(window)
        }
        if let cooldownEnd = self.cooldownEnd(denials: history.recentDenials + [decidedAt]), cooldownEnd > decidedAt {
            retryAfter = max(retryAfter ?? cooldownEnd, cooldownEnd)
        }
        if let retryAfter {
            return .after(retryAfter)
        }
        return .attemptsRemaining(remaining)
    }
}

/// What a denied applicant may do next (CONTRACT §5).
public enum RetryPolicy: Sendable, Equatable {
    /// They may try again now, with this many attempts left in the current attempt window.
    case attemptsRemaining(Int)
    /// They may try again from this time.
    case after(Date)
    /// The decision is final.
    case final
}
