import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

/// Issue 16: leases are bounded by the policy, renewable by their holder, and breakable by a lead, audited.
@Suite(.enabled(if: TestServers.enabled))
struct LeaseTests {
    @Test func aLeaseLongerThanThePolicysMaximumIsRefused() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let connection = try await database.connect(role: try await makeReviewer(in: database))
        do {
            _ = try await Review().leaseNext(lease: .seconds(3601), on: connection)
            Issue.record("a lease of more than an hour was granted")
        } catch {
            #expect(error.code == .invalidSubmission)
            #expect(error.message?.contains("at most 3600 seconds") == true, "\(error.message ?? "")")
        }
        // Ten years, as the audit found: refused too, and the case stays free.
        await #expect(throws: StoreError.self) {
            _ = try await Review().leaseNext(lease: .seconds(10 * 365 * 86_400), on: connection)
        }
        let leased = try await connection.query("SELECT lease_holder FROM kyc.applications WHERE id = $1", [id])
        #expect(try leased.single().decodeIfPresent("lease_holder", as: String.self) == nil)
        #expect(try await Review().leaseNext(lease: .seconds(3600), on: connection) == id)
        await connection.close()
    }

    @Test func thePolicysMaximumIsTheOperatorsToChange() async throws {
        let database = try await TestServers.freshDatabase()
        _ = try await applicationInReview(database)
        try await setPolicy("review.lease_max_seconds", "7200", in: database)
        let connection = try await database.connect(role: try await makeReviewer(in: database))
        #expect(try await Review().leaseNext(lease: .seconds(7200), on: connection) != nil)
        await connection.close()
        try await setPolicy("review.lease_max_seconds", "600", in: database)
        let other = try await database.connect(role: try await makeReviewer(in: database))
        await #expect(throws: StoreError.self) { _ = try await Review().leaseNext(lease: .seconds(900), on: other) }
        await other.close()
        // The database refuses an out-of-range maximum even from someone who goes around kyc-review.
        await #expect(throws: PolicyError.self) { try await setPolicy("review.lease_max_seconds", "864000", in: database) }
        let owner = try await database.connect()
        let current = try await PolicyStore().current(on: owner)
        var settings = try JSONSerialization.jsonObject(with: Data(current.json.utf8)) as! [String: Any]
        settings["review.lease_max_seconds"] = 315_360_000
        let json = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        await #expect(throws: PostgresError.self) { try await owner.query("SELECT kyc.publish_policy($1::jsonb, 'x')", [json]) }
        await owner.close()
    }

    @Test func theHolderRenewsTheirLeaseAndNobodyElseCan() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let alice = try await database.connect(role: try await makeReviewer(in: database))
        let bob = try await database.connect(role: try await makeReviewer(in: database))
        #expect(try await Review().leaseNext(lease: .seconds(60), on: alice) == id)
        let renewed = try await Review().renewLease(id, lease: .seconds(3600), on: alice)
        #expect(renewed.timeIntervalSinceNow > 3000)
        let stored = try await alice.query(
            "SELECT extract(epoch FROM lease_expires_at - now())::int AS left FROM kyc.applications WHERE id = $1", [id]
        ).single().decode("left", as: Int.self)
        #expect(stored > 3000)
        // Renewing is bounded like leasing.
        do {
            _ = try await Review().renewLease(id, lease: .seconds(3601), on: alice)
            Issue.record("renewed beyond the policy's maximum")
        } catch {
            #expect(error.code == .invalidSubmission)
        }
        do {
            _ = try await Review().renewLease(id, lease: .seconds(600), on: bob)
            Issue.record("bob renewed alice's lease")
        } catch {
            #expect(error.code == .refused)
        }
        try await Review().release(id, on: alice)
        do {
            _ = try await Review().renewLease(id, lease: .seconds(600), on: alice)
            Issue.record("renewed a released lease")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message?.contains("not leased to you") == true)
        }
        let audit = try await alice.query(
            "SELECT actor, (details ->> 'seconds')::int AS seconds FROM kyc.audit_log WHERE application_id = $1 AND action = 'lease_renewed'",
            [id]
        )
        #expect(audit.count == 1)
        #expect(try audit.single().decode("seconds", as: Int.self) == 3600)
        await alice.close()
        await bob.close()
    }

    @Test func aLeadBreaksAnotherReviewersLeaseAndTheAuditRecordsIt() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let aliceName = try await makeReviewer(in: database)
        let alice = try await database.connect(role: aliceName)
        let leadName = try await makeReviewLead(in: database)
        let lead = try await database.connect(role: leadName)
        #expect(try await Review().leaseNext(lease: .seconds(3600), on: alice) == id)
        await #expect(throws: StoreError.self, "a note is required") {
            try await Review().breakLease(id, note: " ", on: lead)
        }
        try await Review().breakLease(id, note: "alice is on leave", on: lead)
        let lease = try await lead.query("SELECT lease_holder, lease_expires_at FROM kyc.applications WHERE id = $1", [id]).single()
        #expect(try lease.decodeIfPresent("lease_holder", as: String.self) == nil)
        let entry = try await lead.query(
            """
            SELECT actor, details ->> 'previous_holder' AS previous, details ->> 'note' AS note
            FROM kyc.audit_trail WHERE application_id = $1 AND action = 'lease_broken'
            """,
            [id]
        ).single()
        #expect(try entry.decode("actor", as: String.self) == leadName)
        #expect(try entry.decode("previous", as: String.self) == aliceName)
        #expect(try entry.decode("note", as: String.self) == "alice is on leave")
        // The case is free again: the lead (a reviewer too) may take it; alice may no longer decide it.
        #expect(try await Review().leaseNext(lease: .seconds(600), on: lead) == id)
        await #expect(throws: StoreError.self) { try await Review().approve(id, note: nil, on: alice) }
        // Nothing left to break once it is released.
        try await Review().release(id, on: lead)
        do {
            try await Review().breakLease(id, note: "again", on: lead)
            Issue.record("broke a lease that nobody holds")
        } catch {
            #expect(error.code == .refused)
        }
        await alice.close()
        await lead.close()
    }

    @Test func aPlainReviewerMayNotBreakALease() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let alice = try await database.connect(role: try await makeReviewer(in: database))
        let bob = try await database.connect(role: try await makeReviewer(in: database))
        #expect(try await Review().leaseNext(lease: .seconds(3600), on: alice) == id)
        do {
            try await Review().breakLease(id, note: "I want it", on: bob)
            Issue.record("a plain reviewer broke a lease")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message?.contains("not permitted") == true)
        }
        let holder = try await bob.query("SELECT lease_holder FROM kyc.applications WHERE id = $1", [id]).single()
        #expect(try holder.decodeIfPresent("lease_holder", as: String.self) != nil)
        let broken = try await bob.query("SELECT count(*) AS n FROM kyc.audit_log WHERE action = 'lease_broken'")
        #expect(try broken.single().decode("n", as: Int.self) == 0)
        await alice.close()
        await bob.close()
    }
}
