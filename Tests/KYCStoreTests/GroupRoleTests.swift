import Foundation
import KYCDomain
import KYCPostgres
import KYCStore
import KYCTestSupport
import Testing

/// Issue 16: group roles cannot log in, so every action names a person's own role.
@Suite(.enabled(if: TestServers.enabled))
struct GroupRoleTests {
    @Test func noGroupRoleCanLogInAfterMigrate() async throws {
        let database = try await TestServers.freshDatabase()
        let connection = try await database.connect()
        let rows = try await connection.query(
            """
            SELECT rolname, rolcanlogin FROM pg_catalog.pg_roles
            WHERE rolname IN ('kyc_intake', 'kyc_daemon', 'kyc_reviewer', 'kyc_reporter', 'kyc_privacy', 'kyc_review_lead', 'kyc_policy')
            """
        )
        #expect(try Set(rows.map { try $0.decode("rolname", as: String.self) }) == Set(TestServers.groupRoles))
        for row in rows {
            let name: String = try row.decode("rolname")
            #expect(try row.decode("rolcanlogin", as: Bool.self) == false, "\(name)")
        }
        let lead = try await connection.query("SELECT pg_has_role('kyc_review_lead', 'kyc_reviewer', 'MEMBER') AS member")
        #expect(try lead.single().decode("member", as: Bool.self), "a lead is a reviewer")
        await connection.close()
    }

    @Test func theServerRefusesALoginAsAGroupRole() async throws {
        let database = try await TestServers.freshDatabase()
        for group in TestServers.groupRoles {
            // conninfo(role:) would log in as the group's member: name the group itself.
            let asGroup = try database.conninfo().replacingOccurrences(of: "user=postgres", with: "user=\(group)")
            await #expect(throws: PostgresError.self, "\(group) logged in") {
                let connection = try await PostgresConnection.connect(asGroup, label: "kyc.test")
                await connection.close()
            }
        }
    }

    @Test func aMembersLeaseDecisionAndAuditEntriesNameTheMemberNotTheGroup() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await applicationInReview(database)
        let alice = try await makeReviewer(in: database)
        let connection = try await database.connect(role: alice)
        #expect(try await Review().leaseNext(lease: .seconds(600), on: connection) == id)
        let holder = try await connection.query("SELECT lease_holder FROM kyc.applications WHERE id = $1", [id])
        #expect(try holder.single().decode("lease_holder", as: String.self) == alice)
        try await Review().deny(id, reason: .documentUnreadable, note: "blurred", on: connection)
        let decidedBy = try await connection.query("SELECT decided_by FROM kyc.decisions WHERE application_id = $1", [id])
        #expect(try decidedBy.single().decode("decided_by", as: String.self) == alice)
        let actors = try await connection.query(
            "SELECT DISTINCT actor FROM kyc.audit_log WHERE application_id = $1 AND action IN ('leased', 'decided')", [id]
        ).map { try $0.decode("actor", as: String.self) }
        #expect(actors == [alice])
        await connection.close()
    }
}
