import Foundation
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

/// `kyc-review mail retry-failed [--since]` (issue 16): emails that gave up for a cause since fixed go back in
/// the queue, audited; an erased address and an earlier failure than asked stay as they are.
@Suite(.enabled(if: TestServers.enabled))
struct OutboxRetryTests {
    @Test func emailsThatGaveUpSinceTheGivenTimeArePendingAgainAndAudited() async throws {
        let database = try await TestServers.freshDatabase()
        var ids: [Int64] = []
        for _ in 0..<3 {
            let id = try await submit(Fixtures.validSubmission(), to: database)
            try await IntakeAmendmentTests.deny(id, reason: "other", in: database)
            ids.append(id)
        }
        let owner = try await database.connect()
        // The first gave up two days ago; the second an hour ago; the third an hour ago, its address erased.
        try await owner.query(
            """
            UPDATE kyc.email_outbox SET status = 'failed',
                failed_at = now() - CASE WHEN application_id = $1 THEN interval '2 days' ELSE interval '1 hour' END,
                recipient = CASE WHEN application_id = $3 THEN NULL ELSE recipient END
            WHERE application_id IN ($1, $2, $3)
            """,
            [ids[0], ids[1], ids[2]]
        )
        let requeued = try await Outbox().retryFailed(since: Date().addingTimeInterval(-86_400), on: owner)
        #expect(requeued == 1)
        let statuses = try await owner.query(
            "SELECT application_id, status FROM kyc.email_outbox WHERE application_id IN ($1, $2, $3) ORDER BY application_id",
            [ids[0], ids[1], ids[2]]
        ).map { try $0.decode("status", as: String.self) }
        #expect(statuses == ["failed", "pending", "failed"])
        let audited = try await owner.query(
            "SELECT application_id FROM kyc.audit_log WHERE action = 'email_requeued'"
        ).map { try $0.decode("application_id", as: Int64.self) }
        #expect(audited == [ids[1]])
        #expect(try await Outbox().retryFailed(since: nil, on: owner) == 1, "the older one, once asked for")
        await owner.close()
    }

    @Test func onlyTheSchemaOwnerMayRequeue() async throws {
        let database = try await TestServers.freshDatabase()
        for role in ["kyc_daemon", "kyc_reviewer", "kyc_reporter", "kyc_privacy"] {
            let connection = try await database.connect(role: role)
            await #expect(throws: StoreError.self, "\(role)") { try await Outbox().retryFailed(since: nil, on: connection) }
            await connection.close()
        }
    }
}
