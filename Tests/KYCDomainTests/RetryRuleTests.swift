import Foundation
import Testing

@testable import KYCDomain

/// Times as seconds from the moment a table's submission is received (`exampleSubmittedAt`).
typealias Offset = TimeInterval

let hour: Offset = 3600
let day: Offset = 86_400

/// `count` times, `step` apart, the latest `step` before the submission: `every(60, 9)` is 1 to 9 minutes ago.
func every(_ step: Offset, _ count: Int, from start: Offset = 0) -> [Offset] {
    (1...max(count, 1)).prefix(count).map { start - Offset($0) * step }
}

/// A policy with the attempt-limit keys changed.
func attemptPolicy(perDay: Int = 10, window: Offset = day, cooldown: Offset = day) -> Policy {
    var policy = Policy()
    policy.attemptsPerDay = perDay
    policy.attemptWindow = .seconds(Int64(window))
    policy.cooldown = .seconds(Int64(cooldown))
    return policy
}

/// One account's history before a submission, and when the attempt limit lets the applicant in again.
struct BlockCase: Sendable, CustomTestStringConvertible {
    var label: String
    var policy = Policy()
    var earlier: [Offset] = []
    var denials: [Offset] = []
    /// When the submission may be made again, or nil when it is not blocked.
    var until: Offset?

    var testDescription: String { self.label }

    var history: AttemptHistory {
        AttemptHistory(earlierSubmissions: self.earlier.map(exampleTime), recentDenials: self.denials.map(exampleTime))
    }
}

/// A denial (for any reason but attempt_limit) and what its email says about trying again.
struct RetryCase: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable, Equatable {
        case remaining(Int)
        case after(Offset)
    }

    var label: String
    var policy = Policy()
    var earlier: [Offset] = []
    var denials: [Offset] = []
    /// When the denial is decided, after the submission was received.
    var decidedAfter: Offset = 0
    var expected: Expected

    var testDescription: String { self.label }

    var retry: RetryPolicy {
        switch self.expected {
        case .remaining(let count): .attemptsRemaining(count)
        case .after(let offset): .after(exampleTime(offset))
        }
    }
}

/// CONTRACT §3 and §5: the 11th submission in 24 h is refused until the oldest leaves the window; the 10th
/// denial in 24 h starts a cooldown; a denial says how many attempts remain or when to try again.
@Suite struct RetryRuleTests {
    static let dailyLimit: [BlockCase] = [
        BlockCase(label: "no earlier submission", until: nil),
        BlockCase(label: "nine in the last nine minutes", earlier: every(60, 9), until: nil),
        BlockCase(label: "ten in the last ten hours", earlier: every(hour, 10), until: -10 * hour + day),
        BlockCase(
            label: "eleven: free when the second oldest leaves", earlier: every(hour, 11), until: -10 * hour + day),
        BlockCase(label: "twenty: free when ten have left", earlier: every(1000, 20), until: -10_000 + day),
        BlockCase(label: "ten, the oldest exactly 24 h ago", earlier: every(60, 9) + [-day], until: nil),
        BlockCase(label: "ten, the oldest 24 h less a second ago", earlier: every(60, 9) + [-day + 1], until: 1),
        BlockCase(label: "ten, the oldest 24 h and a second ago", earlier: every(60, 9) + [-day - 1], until: nil),
        BlockCase(label: "ten at the very instant of this one", earlier: Array(repeating: 0, count: 10), until: day),
        BlockCase(label: "ten, one a second after this one", earlier: every(60, 9) + [1], until: nil),
        BlockCase(
            label: "ten in the window and five older", earlier: every(hour, 10) + every(1, 5, from: -day),
            until: -10 * hour + day),
        BlockCase(label: "in any order", earlier: every(hour, 10).reversed(), until: -10 * hour + day),
        BlockCase(label: "one a day: one earlier", policy: attemptPolicy(perDay: 1), earlier: [-60], until: -60 + day),
        BlockCase(label: "one a day: none earlier", policy: attemptPolicy(perDay: 1), until: nil),
        BlockCase(
            label: "three a day: two earlier", policy: attemptPolicy(perDay: 3), earlier: every(60, 2), until: nil),
        BlockCase(
            label: "three a day: three earlier", policy: attemptPolicy(perDay: 3), earlier: every(60, 3),
            until: -180 + day),
        BlockCase(
            label: "an hour's window: ten in ten minutes", policy: attemptPolicy(window: hour), earlier: every(60, 10),
            until: -600 + hour),
        BlockCase(
            label: "an hour's window: the tenth exactly an hour ago", policy: attemptPolicy(window: hour),
            earlier: every(300, 9) + [-hour], until: nil),
        BlockCase(
            label: "a week's window: ten over six days", policy: attemptPolicy(window: 7 * day),
            earlier: every(14 * hour, 10), until: -140 * hour + 7 * day),
    ]

    @Test(arguments: dailyLimit)
    func theDailyLimitBlocksUntilTheOldestCountedSubmissionLeavesTheWindow(row: BlockCase) {
        let until = AttemptLimit(policy: row.policy).blockedUntil(submittedAt: exampleSubmittedAt, history: row.history)
        #expect(until == row.until.map(exampleTime))
    }

    static let cooldown: [BlockCase] = [
        BlockCase(label: "nine denials in nine minutes", denials: every(60, 9), until: nil),
        BlockCase(
            label: "ten denials, the tenth an hour ago", denials: every(60, 10, from: -hour + 60), until: -hour + day),
        BlockCase(
            label: "ten denials spanning exactly 24 h", denials: [-100_000] + every(60, 8, from: -13_600) + [-13_600],
            until: nil),
        BlockCase(
            label: "ten denials spanning 24 h less a second",
            denials: [-100_000] + every(60, 8, from: -13_601) + [-13_601], until: -13_601 + day),
        BlockCase(label: "a cooldown that ended a second ago", denials: every(60, 10, from: -day - 1 + 60), until: nil),
        BlockCase(
            label: "a cooldown that ends at this very instant", denials: every(60, 10, from: -day + 60), until: nil),
        BlockCase(label: "a cooldown that ends in a second", denials: every(60, 10, from: -day + 1 + 60), until: 1),
        BlockCase(
            label: "eleven denials: from the latest that is a tenth", denials: every(60, 11, from: -hour + 60),
            until: -hour + day),
        BlockCase(
            label: "an old cooldown and a new one",
            denials: every(60, 10, from: -3 * day) + every(60, 10, from: -hour + 60), until: -hour + day),
        BlockCase(
            label: "ten denials in any order", denials: every(60, 10, from: -hour + 60).reversed(), until: -hour + day),
        BlockCase(
            label: "no cooldown configured", policy: attemptPolicy(cooldown: 0), denials: every(60, 10), until: nil),
        BlockCase(
            label: "a week's cooldown", policy: attemptPolicy(cooldown: 7 * day),
            denials: every(60, 10, from: -2 * day + 60), until: -2 * day + 7 * day),
        BlockCase(
            label: "three a day: the third denial", policy: attemptPolicy(perDay: 3), denials: every(60, 3),
            until: -60 + day),
        BlockCase(
            label: "three a day: two denials", policy: attemptPolicy(perDay: 3), denials: every(60, 2), until: nil),
        BlockCase(
            label: "an hour's window: ten denials in 59 minutes", policy: attemptPolicy(window: hour),
            denials: every(354, 10, from: 0), until: -354 + day),
        BlockCase(
            label: "an hour's window: ten denials in an hour", policy: attemptPolicy(window: hour),
            denials: every(400, 10, from: 400), until: nil),
        BlockCase(
            label: "the daily limit ends before the cooldown", earlier: every(hour, 10),
            denials: every(60, 10, from: -hour + 60), until: -hour + day),
        BlockCase(
            label: "the cooldown ends before the daily limit", earlier: every(60, 10),
            denials: every(60, 10, from: -day + 1 + 60), until: -600 + day),
    ]

    @Test(arguments: cooldown)
    func theTenthDenialInTheWindowStartsACooldown(row: BlockCase) {
        let until = AttemptLimit(policy: row.policy).blockedUntil(submittedAt: exampleSubmittedAt, history: row.history)
        #expect(until == row.until.map(exampleTime))
    }

    static let retries: [RetryCase] = [
        RetryCase(label: "a first denial", expected: .remaining(9)),
        RetryCase(label: "a second", earlier: [-hour], expected: .remaining(8)),
        RetryCase(label: "a ninth", earlier: every(60, 8), expected: .remaining(1)),
        RetryCase(label: "a tenth: from when the oldest leaves", earlier: every(60, 9), expected: .after(-540 + day)),
        RetryCase(
            label: "a tenth, the oldest exactly 24 h ago", earlier: every(60, 8) + [-day], expected: .remaining(1)),
        RetryCase(
            label: "a tenth, the oldest 24 h less a second ago", earlier: every(60, 8) + [-day + 1], expected: .after(1)
        ),
        RetryCase(
            label: "an earlier one received after this one", earlier: every(60, 8) + [1], expected: .remaining(1)),
        RetryCase(
            label: "submissions older than the window", earlier: every(1, 20, from: -day), expected: .remaining(9)),
        RetryCase(
            label: "a ninth denial in 24 h", earlier: every(60, 8), denials: every(60, 8), expected: .remaining(1)
        ),
        RetryCase(
            label: "a tenth denial in 24 h: the cooldown wins", earlier: every(60, 9), denials: every(60, 9),
            decidedAfter: 30, expected: .after(30 + day)
        ),
        RetryCase(
            label: "nine denials since exactly 24 h before the decision", denials: [-day] + every(60, 8),
            expected: .remaining(9)
        ),
        RetryCase(
            label: "nine denials since 24 h less a second before the decision", denials: [-day + 1] + every(60, 8),
            expected: .after(day)
        ),
        RetryCase(
            label: "a reviewer decides an hour later: the cooldown runs from the decision",
            denials: every(60, 9), decidedAfter: hour, expected: .after(hour + day)
        ),
        RetryCase(
            label: "an earlier cooldown that is over", denials: every(60, 10, from: -2 * day), expected: .remaining(9)
        ),
        RetryCase(
            label: "no cooldown configured", policy: attemptPolicy(cooldown: 0), denials: every(60, 9),
            expected: .remaining(9)),
        RetryCase(
            label: "three a day: a second", policy: attemptPolicy(perDay: 3), earlier: [-60], expected: .remaining(1)),
        RetryCase(
            label: "three a day: a third", policy: attemptPolicy(perDay: 3), earlier: every(60, 2),
            expected: .after(-120 + day)),
        RetryCase(label: "one a day: a first", policy: attemptPolicy(perDay: 1), expected: .after(day)),
        RetryCase(
            label: "an hour's window: a tenth", policy: attemptPolicy(window: hour), earlier: every(60, 9),
            expected: .after(-540 + hour)),
        RetryCase(
            label: "an hour's window: the oldest left it", policy: attemptPolicy(window: hour), earlier: every(400, 9),
            expected: .remaining(1)),
        RetryCase(
            label: "a two-hour cooldown after a tenth denial", policy: attemptPolicy(cooldown: 2 * hour),
            earlier: every(60, 9), denials: every(60, 9), expected: .after(-540 + day)
        ),
        RetryCase(
            label: "a week's cooldown after a tenth denial", policy: attemptPolicy(cooldown: 7 * day),
            earlier: every(60, 9), denials: every(60, 9), expected: .after(7 * day)
        ),
    ]

    @Test(arguments: retries)
    func aDenialSaysHowManyAttemptsRemainOrWhenToTryAgain(row: RetryCase) {
        let retry = AttemptLimit(policy: row.policy).retry(
            afterDenialOf: exampleSubmittedAt,
            decidedAt: exampleTime(row.decidedAfter),
            history: AttemptHistory(
                earlierSubmissions: row.earlier.map(exampleTime), recentDenials: row.denials.map(exampleTime))
        )
        #expect(retry == row.retry)
    }

    @Test(arguments: [(9, false), (10, true), (11, true), (12, true), (20, true)])
    func theCooldownRunsFromTheLatestDenialThatIsATenthInTheWindow(denials count: Int, startsACooldown: Bool) {
        // Denials a minute apart, the latest a minute ago.
        let end = AttemptLimit(policy: Policy()).cooldownEnd(denials: every(60, count).map(exampleTime))
        #expect(end == (startsACooldown ? exampleTime(-60 + day) : nil))
    }

    /// An attempt_limit denial is counted when intake received the submission, not when it claims it was made.
    @Test func anAttemptLimitDenialCountsFromTheReceivedTime() {
        let application = exampleApplication { _, app in
            app.submittedAt = exampleTime(-hour)
            app.sessionStartedAt = exampleTime(-hour - 60)
            app.receivedAt = exampleSubmittedAt
            app.history.earlierSubmissions = every(60, 10).map(exampleTime)
        }
        #expect(verdict(application).0 == .deny(.attemptLimit, .after(exampleTime(-600 + day))))
    }

    /// When the check said attempt_limit but the history no longer blocks (a stale result), the retry time falls
    /// back to one attempt window of the policy after the received time: the policy's measure, never a restated
    /// day.
    @Test(arguments: [(Policy(), day), (attemptPolicy(window: hour, cooldown: day), hour)])
    func aStaleAttemptLimitFailureRetriesOneAttemptWindowLater(policy: Policy, window: Offset) {
        let outcomes = [CheckName.attemptLimit: CheckResult.fail(.attemptLimit, .attemptLimit, "")]
        let verdict = Verdict.of(
            results(outcomes), application: exampleApplication(), decidedAt: exampleSubmittedAt, policy: policy
        )
        #expect(verdict == .deny(.attemptLimit, .after(exampleTime(window))))
    }

    /// The attempt_limit denial's retry time matches the time the check's evidence names.
    @Test(arguments: dailyLimit.filter { $0.until != nil } + cooldown.filter { $0.until != nil })
    func anAttemptLimitDenialNamesTheTimeItIsBlockedUntil(row: BlockCase) {
        let application = exampleApplication { _, app in app.history = row.history }
        let checked = CheckSuite(policy: row.policy).run(application)
        let check = checked.first { $0.name == .attemptLimit }!
        #expect(check.outcome == .fail)
        #expect(check.evidence.hasSuffix("blocked until \(RetryTime.format(exampleTime(row.until!)))"))
        let verdict = Verdict.of(checked, application: application, decidedAt: exampleSubmittedAt, policy: row.policy)
        #expect(verdict == .deny(.attemptLimit, .after(exampleTime(row.until!))))
    }
}

/// CONTRACT §5: a retry time is written `YYYY-MM-DD HH:MM UTC`, rounded up so it is never before the time allowed.
@Suite struct RetryTimeFormatTests {
    @Test(
        arguments: [
            (0.0, "1970-01-01 00:00 UTC"),
            (0.001, "1970-01-01 00:01 UTC"),
            (59, "1970-01-01 00:01 UTC"),
            (60, "1970-01-01 00:01 UTC"),
            (61, "1970-01-01 00:02 UTC"),
            (86_340, "1970-01-01 23:59 UTC"),
            (86_341, "1970-01-02 00:00 UTC"),
            (86_399, "1970-01-02 00:00 UTC"),
            (-1, "1970-01-01 00:00 UTC"),
            (-60, "1969-12-31 23:59 UTC"),
            (-61, "1969-12-31 23:59 UTC"),
            (-86_400, "1969-12-31 00:00 UTC"),
            (1_709_164_770, "2024-02-29 00:00 UTC"),
            (1_677_628_770, "2023-03-01 00:00 UTC"),
            (1_798_761_541, "2027-01-01 00:00 UTC"),
            (951_825_600, "2000-02-29 12:00 UTC"),
            (1_795_687_770, "2026-11-26 10:10 UTC"),
            (1_795_687_800, "2026-11-26 10:10 UTC"),
            (253_402_300_740, "9999-12-31 23:59 UTC"),
            (-62_135_596_800, "0001-01-01 00:00 UTC"),
        ] as [(TimeInterval, String)])
    func writesTheRetryTimeRoundedUpToTheMinute(seconds: TimeInterval, written: String) {
        #expect(RetryTime.format(Date(timeIntervalSince1970: seconds)) == written)
    }
}
