import Foundation
import Testing

/// The help of `kyc-review` and of every subcommand, byte for byte, against the files in
/// Tests/Snapshots/kyc-review/ (one per command path, `policy-set.txt` for `kyc-review help policy set`).
///
/// After an intended change to a command's help, refresh the files and review their diff:
///
///     KYC_UPDATE_SNAPSHOTS=1 swift test --skip-build --filter HelpTextTests
struct HelpTextTests {
    /// Every command path, as `kyc-review help` takes it; `[]` is the root's `--help`.
    static let commands: [[String]] = [
        [],
        ["queue"], ["next"], ["show"], ["approve"], ["deny"], ["note"], ["release"], ["renew"], ["confirm"],
        ["reject-proposal"], ["break-lease"], ["unlock-basic-info"], ["reopen-account"],
        ["migrate"], ["submit"], ["report"],
        ["policy"], ["policy", "show"], ["policy", "set"], ["policy", "import"], ["policy", "replay"],
        ["mail"], ["mail", "test"], ["mail", "retry-failed"],
        ["keys"], ["keys", "add"], ["keys", "status"], ["keys", "rotate"],
        ["purge"], ["retention"], ["retention", "show"], ["retention", "set"], ["legal-hold"], ["export-subject"],
    ]

    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Snapshots/kyc-review")

    @Test(arguments: commands)
    func helpMatchesItsSnapshot(_ command: [String]) throws {
        let arguments = command.isEmpty ? ["--help"] : ["help"] + command
        // A fixed width: argument-parser wraps to the terminal's, and reads COLUMNS first.
        let shown = try CommandLine.run(arguments, databaseURL: nil, environment: ["COLUMNS": "100"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let file = Self.snapshots.appendingPathComponent((command.isEmpty ? "kyc-review" : command.joined(separator: "-")) + ".txt")
        if ProcessInfo.processInfo.environment["KYC_UPDATE_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.snapshots, withIntermediateDirectories: true)
            try Data(shown.stdout.utf8).write(to: file)
            return
        }
        let expected = try #require(
            FileManager.default.contents(atPath: file.path),
            "no snapshot \(file.lastPathComponent): run with KYC_UPDATE_SNAPSHOTS=1"
        )
        #expect(shown.stdout == String(decoding: expected, as: UTF8.self), "help of \(arguments.joined(separator: " "))")
    }

    @Test func theRootHelpGroupsTheCommandsByAudience() throws {
        let shown = try CommandLine.run(["--help"], databaseURL: nil, environment: ["COLUMNS": "100"])
        let headings = shown.stdout.split(separator: "\n").filter { $0.hasSuffix("SUBCOMMANDS:") }
        #expect(headings.count == 3, "\(headings)")
        for audience in ["REVIEWERS", "OPERATORS", "PRIVACY"] {
            #expect(headings.contains { $0.uppercased().contains(audience) }, "\(audience)")
        }
    }
}
