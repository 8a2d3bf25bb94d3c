import Foundation
public import KYCDomain
import Synchronization
import KYCPostgres
public import KYCStore
public import KYCVault
public import Logging
public import ServiceLifecycle

/// Claims submitted applications in batches, runs every automated check, and records results and
/// decisions (with their outbox emails) in the claim's transaction. Wakes on intake's NOTIFY.
public struct CheckWorker: Service {
    private let loop: NotifiedWorkLoop
    private let queue: CheckQueue
    private let batchSize: Int
    private let policies: PolicyCache
    private let vault: IdentifierVault?
    private let logger: Logger

    /// `database` lends each batch its connection and wakes the worker on intake's channel. `policy` serves
    /// only until the database's policy in force has been read. With a `vault`, each batch's identifiers are
    /// sealed in its results' transaction.
    public init(
        configuration: Configuration,
        database: Database,
        policy: Policy = Policy(),
        vault: IdentifierVault? = nil,
        heartbeat: Heartbeat? = nil,
        logger: Logger
    ) {
        self.loop = NotifiedWorkLoop(
            name: "checks",
            channel: ChannelName("kyc_submitted")!,
            database: database,
            pollInterval: configuration.pollInterval,
            logger: logger,
            heartbeat: heartbeat
        )
        self.queue = CheckQueue(instance: configuration.instanceID, lease: configuration.checkLease)
        self.batchSize = configuration.checkBatchSize
        self.policies = PolicyCache(fallback: policy, logger: logger)
        self.vault = vault
        self.logger = logger
    }

    public func run() async throws {
        await self.loop.run { connection in try await self.checkBatch(on: connection).claimed }
    }

    /// Claims one batch, checks it under the policy in force and records the results: one turn of the loop.
    func checkBatch(on connection: PostgresConnection) async throws -> CheckQueue.BatchResult {
        // Every batch applies the policy in force: a new version takes effect without a restart.
        let (version, policy) = self.policies.resolve(try await PolicyStore().current(on: connection))
        let suite = CheckSuite(policy: policy)
        // The checks run on the check executor's threads while this task suspends (`concurrentMap`).
        let check: @Sendable ([ClaimedApplication]) async -> [CheckedApplication] = { claimed in
            let decidedAt = Date()
            return await claimed.concurrentMap {
                Self.check($0, suite: suite, policyVersion: version, decidedAt: decidedAt)
            }
        }
        let batch = try await self.queue.processBatch(
            limit: self.batchSize,
            on: connection,
            vault: self.vault,
            check: check
        )
        if batch.claimed > 0 {
            self.logger.info("applications.checked", metadata: ["count": "\(batch.recorded)"])
        }
        for (id, reason) in batch.unevaluable.sorted(by: { $0.key < $1.key }) {
            // The reason names a field, never its value.
            self.logger.warning(
                "application.unevaluable",
                metadata: ["application.id": "\(id)", "reason": "\(reason)"]
            )
        }
        if batch.recorded < batch.claimed {
            // Leases that ran out before the results came: another instance has those applications.
            self.logger.warning("leases.lost", metadata: ["count": "\(batch.claimed - batch.recorded)"])
        }
        return batch
    }

    /// Checks one claimed application. One the checks cannot evaluate (a stored document this build cannot
    /// read, a time outside the years 0001 to 9999) is unevaluable: referred to a person on every check and
    /// audited with the reason, on its own, rather than stopping the queue or deciding on nonsense.
    static func check(
        _ claimed: ClaimedApplication,
        suite: CheckSuite,
        policyVersion: Int,
        decidedAt: Date
    ) -> CheckedApplication {
        let application: ApplicationUnderCheck
        do {
            application = try claimed.evaluable()
        } catch {
            return .unevaluable(id: claimed.id, error, duplicateDocuments: claimed.history.duplicateDocuments)
        }
        let results = suite.run(application)
        let verdict = Verdict.of(results, application: application, decidedAt: decidedAt, policy: suite.policy)
        return CheckedApplication(
            id: claimed.id, results: results, verdict: verdict, policyVersion: policyVersion,
            duplicateDocuments: claimed.history.duplicateDocuments
        )
    }
}

/// The parsed policy per version. A version that cannot be read (published by hand, say) is logged and
/// the last good policy stays in force, so a bad document never stops the queue.
final class PolicyCache: Sendable {
    private let state: Mutex<(version: Int, policy: Policy)?>
    private let fallback: Policy
    private let logger: Logger

    init(fallback: Policy, logger: Logger) {
        self.state = Mutex(nil)
        self.fallback = fallback
        self.logger = logger
    }

    func resolve(_ current: (version: Int, json: String)) -> (Int, Policy) {
        self.state.withLock { state in
            if let state, state.version == current.version { return (state.version, state.policy) }
            do {
                let policy = try Policy(json: current.json)
                state = (current.version, policy)
                self.logger.info("policy.loaded", metadata: ["policy.version": "\(current.version)"])
                return (current.version, policy)
            } catch {
                self.logger.error(
                    "policy.unreadable",
                    metadata: ["policy.version": "\(current.version)", "error": "\(error)"]
                )
                return state.map { ($0.version, $0.policy) } ?? (0, self.fallback)
            }
        }
    }
}
