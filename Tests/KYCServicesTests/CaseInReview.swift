import Foundation
import KYCPostgres
import KYCTestSupport

/// Submits a valid application through `kyc-review submit` and puts it in review (as the owner, without the
/// daemon), for the command-line tests of reviewers' actions. Returns its id as the CLI printed it.
func caseInReviewThroughTheCLI(account: String, in database: TestDatabase) async throws -> String {
    var document = Fixtures.validSubmission(account: account)
    document["liveness"] = "inconclusive"
    let submitted = try CommandLine.run(["submit", "-"], input: Fixtures.json(document), databaseURL: try database.conninfo())
    let id = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let admin = try await database.connect()
    try await admin.query("UPDATE kyc.applications SET status = 'in_review' WHERE id = $1", [Int64(id)!])
    await admin.close()
    return id
}
