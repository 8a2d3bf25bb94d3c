import ArgumentParser
import Foundation
import KYCServices
import KYCStore

/// `kyc-review`: the operator and reviewer command line (CONTRACT §4). The reviewer is the database role
/// the command connects as.
@main
struct KYCReview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kyc-review",
        abstract: "Review and operate kyc-review: migrate the schema, submit, inspect and decide applications.",
        discussion: """
            Connects with KYC_DATABASE_URL (a libpq connection string or URI), or libpq's PG* variables when it \
            is unset. Exit status: 0 done, 64 usage error, 65 bad data, 69 database unreachable, 1 refused by \
            a rule, 78 configuration missing or wrong.
            """,
        groupedSubcommands: [
            CommandGroup(
                name: "Reviewers",
                subcommands: [
                    Queue.self, Next.self, Show.self, Approve.self, Deny.self, Note.self, Release.self, Renew.self,
                    Confirm.self, RejectProposal.self, BreakLease.self, UnlockBasicInfo.self, ReopenAccount.self,
                ]
            ),
            CommandGroup(
                name: "Operators",
                subcommands: [
                    Migrate.self, Submit.self, ReportCommand.self, PolicyCommand.self, MailCommand.self,
                    KeysCommand.self,
                ]
            ),
            CommandGroup(
                name: "Privacy",
                subcommands: [Purge.self, RetentionCommand.self, LegalHold.self, ExportSubject.self]
            ),
        ]
    )

    /// Parses the arguments and runs the command; every failure ends here, as one line on stderr and the
    /// contract's exit status (`CommandFailure`), or as argument-parser's own usage message (64) and help (0).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if let failure = CommandFailure(error) { failure.exit() }
            exit(withError: error)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the schema migrations that are missing (safe to run again, and concurrently)."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (applied, refreshed) = try await self.database.run { connection in
            let stale = try await Migrator().staleFunctionFiles(connection)
            return (try await Migrator().migrate(connection), stale)
        }
        if applied.isEmpty && refreshed.isEmpty {
            print("schema is up to date (version \(Migrator.latestVersion))")
        } else {
            let migrations = applied.isEmpty ? "no migration" : "applied migrations " + applied.map(String.init).joined(separator: ", ")
            print("\(migrations); function files re-applied (changed: \(refreshed.joined(separator: ", "))); schema version \(Migrator.latestVersion)")
        }
    }
}

struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit an application document (CONTRACT §1) from a file, or - for standard input; prints its id."
    )

    @Argument(help: "The JSON document's file, or - for standard input.")
    var file: String

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let data = try readInput(self.file)
        guard let json = String(data: data, encoding: .utf8),
            (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
        else {
            throw CommandFailure.badData("invalid submission: the document is not valid JSON")
        }
        let id = try await self.database.run { try await Intake().submit(json, on: $0) }
        print(id)
    }
}

/// The contents of `file`, or standard input for `-`; a file that cannot be read is bad data.
func readInput(_ file: String) throws(CommandFailure) -> Data {
    if file == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let contents = FileManager.default.contents(atPath: file) else { throw .badData("cannot read \(file)") }
    return contents
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an application with its checks and evidence, decision, emails and audit trail."
    )

    @Argument(help: "The application's id.")
    var id: Int64

    @OptionGroup var output: FormatOption<OutputFormat>

    @Flag(help: "Show the document number and MRZ unmasked (recorded in the audit trail).")
    var reveal = false

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (id, reveal) = (self.id, self.reveal)
        let vault = reveal ? try configuredVault() : nil
        let view = try await self.database.run { try await Applications().view(id, reveal: reveal, vault: vault, on: $0) }
        switch self.output.format {
        case .json: print(try JSONOutput.line(view))
        case .text: print(ApplicationText.render(view))
        }
    }
}
