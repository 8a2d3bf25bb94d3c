import Foundation
import KYCPostgres
import KYCTestSupport
import Testing

/// `kyc-review next`, `renew` and `break-lease` (issue 16): bounded leases, renewed by their holder, broken
/// only by a reviewers' lead, with CONTRACT §4's exit statuses.
@Suite(.enabled(if: TestServers.enabled))
struct LeaseCommandTests {
    @Test func renewAndBreakLeaseExitWithTheContractsStatuses() async throws {
        let database = try await TestServers.freshDatabase()
        let id = try await caseInReviewThroughTheCLI(account: "acct-cli-lease", in: database)
        let alice = try database.conninfo(role: try await makeReviewer(in: database))
        let bob = try database.conninfo(role: try await makeReviewer(in: database))
        let lead = try database.conninfo(role: try await makeReviewLead(in: database))

        let tooLong = try CommandLine.run(["next", "--lease-minutes", "61"], databaseURL: alice)
        #expect(tooLong.status == 65 && tooLong.stderr.contains("at most 3600 seconds"), "\(tooLong.stderr)")
        // The CLI states no upper bound of its own: the policy's answers, however long the request.
        for minutes in ["1441", "99999999999", "\(Int.max)"] {
            let refused = try CommandLine.run(["next", "--lease-minutes", minutes], databaseURL: alice)
            #expect(refused.status == 65 && refused.stderr.contains("at most 3600 seconds"), "\(minutes): \(refused.stderr)")
        }
        #expect(try CommandLine.run(["next", "--lease-minutes", "0"], databaseURL: alice).status == 64)
        #expect(try CommandLine.run(["next", "--lease-minutes", "60", "--format", "json"], databaseURL: alice).status == 0)

        let renewed = try CommandLine.run(["renew", id, "--minutes", "30"], databaseURL: alice)
        #expect(renewed.status == 0 && renewed.stdout.contains("leased to you until"), "\(renewed.stderr)")
        #expect(try CommandLine.run(["renew", id, "--minutes", "61"], databaseURL: alice).status == 65)
        #expect(try CommandLine.run(["renew", id], databaseURL: bob).status == 1, "not bob's lease")
        #expect(try CommandLine.run(["renew", id, "--minutes", "0"], databaseURL: alice).status == 64)

        let refused = try CommandLine.run(["break-lease", id, "--note", "mine now"], databaseURL: bob)
        #expect(refused.status == 1 && refused.stderr.contains("not permitted"), "\(refused.stderr)")
        #expect(try CommandLine.run(["break-lease", id], databaseURL: lead).status == 64, "a note is required")
        #expect(try CommandLine.run(["break-lease", "999999", "--note", "x"], databaseURL: lead).status == 65)
        let broken = try CommandLine.run(["break-lease", id, "--note", "alice is on leave"], databaseURL: lead)
        #expect(broken.status == 0, "\(broken.stderr)")
        #expect(try CommandLine.run(["break-lease", id, "--note", "again"], databaseURL: lead).status == 1, "nothing to break")
        #expect(try CommandLine.run(["approve", id], databaseURL: bob).status == 0, "the case is free again")
    }
}
