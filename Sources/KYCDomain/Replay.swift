/// What an automated verdict was, as stored (`approved`, `denied:<reason>`, `in_review`) and compared in a
/// policy replay.
extension Verdict {
    public var label: String {
        switch self {
        case .approve: "approved"
        case .review: "in_review"
        case .deny(let reason, _): "denied:\(reason.rawValue)"
        }
    }
}

/// The outcome of replaying stored applications under a candidate policy: how many decisions would
/// change, from what to what. Pure: built by adding one application at a time, merged across workers.
public struct ReplaySummary: Sendable, Equatable {
    public var replayed = 0
    public var unreadable = 0
    /// (recorded verdict, candidate verdict) → count, for the verdicts that differ.
    public var changes: [Transition: Int] = [:]

    public struct Transition: Hashable, Sendable, Comparable {
        public var from: String
        public var to: String

        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }

        public static func < (lhs: Transition, rhs: Transition) -> Bool { (lhs.from, lhs.to) < (rhs.from, rhs.to) }
    }

    public init() {}

    public var changed: Int { self.changes.values.reduce(0, +) }

    public mutating func add(recorded: String, candidate: String) {
        self.replayed += 1
        if recorded != candidate {
            self.changes[Transition(from: recorded, to: candidate), default: 0] += 1
        }
    }

    public mutating func merge(_ other: ReplaySummary) {
        self.replayed += other.replayed
        self.unreadable += other.unreadable
        for (transition, count) in other.changes { self.changes[transition, default: 0] += count }
    }

    /// The candidate verdict for one stored application.
    public static func verdict(of application: ApplicationUnderCheck, under suite: CheckSuite) -> Verdict {
        let results = suite.run(application)
        return Verdict.of(results, application: application, decidedAt: application.submittedAt, policy: suite.policy)
    }
}
