import CivilCalendar
public import Foundation

/// What the automated checks decide for one application.
public enum Verdict: Sendable, Equatable {
    case approve
    case deny(ReasonCode, RetryPolicy)
    case review

    /// Applies CONTRACT §3: any failure denies, with the first failing check in the policy's precedence
    /// giving the reason; otherwise any refer sends the application to review; otherwise it is approved.
    /// A denial carries what the applicant's email needs: attempts left, a time to try again, or finality.
    public static func of(
        _ results: [CheckResult],
        application: ApplicationUnderCheck,
        decidedAt: Date,
        policy: Policy
    ) -> Verdict {
        let failures = results.filter { $0.outcome == .fail }
        if !failures.isEmpty {
            let rank = { (name: CheckName) in policy.reasonPrecedence.firstIndex(of: name) ?? Int.max }
            let first = failures.min { rank($0.name) < rank($1.name) }!
            let reason = first.reason ?? .other
            let limit = AttemptLimit(policy: policy)
            if reason.isFinal {
                return .deny(reason, .final)
            }
            if reason == .attemptLimit {
                let until = limit.retryAfterRefusal(
                    submittedAt: application.submittedAt, receivedAt: application.receivedAt,
                    history: application.history
                )
                return .deny(reason, .after(until))
            }
            return .deny(
                reason,
                limit.retry(afterDenialOf: application.receivedAt, decidedAt: decidedAt, history: application.history)
            )
        }
        if results.contains(where: { $0.outcome == .refer }) {
            return .review
        }
        return .approve
    }
}

/// The time format the applicant reads (CONTRACT §5): `YYYY-MM-DD HH:MM UTC`, rounded up to the minute so
/// that the time written is never before the time allowed.
public enum RetryTime {
    public static func format(_ date: Date) -> String {
        let seconds = Int64((date.timeIntervalSince1970 / 60).rounded(.up)) * 60
        let (days, second) = CivilDays.split(seconds: seconds)
        let secondOfDay = Int(second)
        let day = CalendarDate(utcDayOf: Date(timeIntervalSince1970: TimeInterval(days * 86_400)))
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(day) \(pad(secondOfDay / 3600)):\(pad(secondOfDay / 60 % 60)) UTC"
    }
}
