import Foundation
public import KYCDomain
import KYCPostgres
import KYCStore
public import Logging
public import ServiceLifecycle

/// Claims submitted applications in batches, runs every automated check, and records results and
/// decisions (with their outbox emails) in the claim's transaction. Wakes on intake's NOTIFY.
public struct CheckWorker: Service {
    private let loop: NotifiedWorkLoop
    private let batchSize: Int
    private let suite: CheckSuite
    private let logger: Logger

    public init(configuration: Configuration, policy: Policy = Policy(), logger: Logger) {
        self.loop = NotifiedWorkLoop(
            name: "checks",
            channel: ChannelName("kyc_submitted")!,
            databaseURL: configuration.databaseURL,
            pollInterval: configuration.pollInterval,
            logger: logger
        )
        self.batchSize = configuration.checkBatchSize
        self.suite = CheckSuite(policy: policy)
        self.logger = logger
    }

    public func run() async throws {
        let queue = CheckQueue()
        let suite = self.suite
        let logger = self.logger
        let batchSize = self.batchSize
        await self.loop.run { connection in
            let processed = try await queue.processBatch(limit: batchSize, on: connection) { claimed in
                claimed.map { Self.check($0, suite: suite, decidedAt: Date()) }
            }
            if processed > 0 { logger.info("applications.checked", metadata: ["count": "\(processed)"]) }
            return processed
        }
    }

    /// Checks one claimed application. A stored document this build cannot read is referred to a person
    /// on every check rather than stopping the queue.
    static func check(_ claimed: ClaimedApplication, suite: CheckSuite, decidedAt: Date) -> CheckedApplication {
        guard let submission = try? JSONDecoder().decode(Submission.self, from: Data(claimed.payload.utf8)) else {
            let results = CheckName.allCases.map { CheckResult.refer($0, "the stored submission could not be read") }
            return CheckedApplication(id: claimed.id, results: results, verdict: .review)
        }
        let application = ApplicationUnderCheck(
            id: claimed.id,
            submission: submission,
            sessionStartedAt: claimed.sessionStartedAt,
            submittedAt: claimed.submittedAt,
            history: claimed.history
        )
        let results = suite.run(application)
        let verdict = Verdict.of(results, application: application, decidedAt: decidedAt, policy: suite.policy)
        return CheckedApplication(id: claimed.id, results: results, verdict: verdict)
    }
}
