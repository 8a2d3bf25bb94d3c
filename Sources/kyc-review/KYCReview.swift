import ArgumentParser
import Foundation
import KYCDomain
import KYCMail
import KYCPostgres
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
            a rule.
            """,
        subcommands: [
            Migrate.self, Submit.self, Queue.self, Next.self, Show.self, Approve.self, Deny.self, Note.self,
            Release.self, Renew.self, BreakLease.self, Confirm.self, RejectProposal.self, UnlockBasicInfo.self,
            ReopenAccount.self, ReportCommand.self, PolicyCommand.self, MailCommand.self,
            KeysCommand.self, Purge.self, RetentionCommand.self, LegalHold.self, ExportSubject.self,
        ]
    )
}

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// The exit statuses of CONTRACT §4.
enum ExitStatus {
    static let refused = ExitCode(1)
    static let badData = ExitCode(65)
    static let unavailable = ExitCode(69)
    static let configuration = ExitCode(78)
    static let software = ExitCode(70)
}

/// Runs a command's body against the database, turning failures into one line on stderr and the
/// contract's exit status.
func withDatabase<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
    let configuration: Configuration
    do {
        configuration = try Configuration.load()
    } catch {
        fail("kyc-review: \(error)", ExitStatus.configuration)
    }
    let connection: PostgresConnection
    do {
        connection = try await PostgresConnection.connect(configuration.databaseURL, label: "kyc.cli")
    } catch {
        fail("kyc-review: cannot reach the database: \(error.serverMessage ?? "\(error.code)")", ExitStatus.unavailable)
    }
    do {
        let result = try await body(connection)
        await connection.close()
        return result
    } catch let error as StoreError {
        await connection.close()
        switch error.code {
        case .invalidSubmission, .notFound:
            fail("kyc-review: \(error.message ?? "\(error.code)")", ExitStatus.badData)
        case .refused:
            fail("kyc-review: \(error.message ?? "refused")", ExitStatus.refused)
        case .unavailable:
            fail("kyc-review: the database connection failed", ExitStatus.unavailable)
        default:
            fail("kyc-review: \(error)", ExitStatus.software)
        }
    }
}

/// The From mailbox and SMTP settings, or one line on stderr and exit 78.
func mailSettings() -> (from: Mailbox, smtp: SMTPConfiguration) {
    do {
        let settings = try Configuration.load().mailSettings()
        CurlRuntime.initialise()
        return settings
    } catch {
        fail("kyc-review: \(error)", ExitStatus.configuration)
    }
}

/// Prints one line on stderr and exits with `status`.
func fail(_ line: String, _ status: ExitCode) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    Foundation.exit(status.rawValue)
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the schema migrations that are missing (safe to run again, and concurrently)."
    )

    func run() async throws {
        let (applied, refreshed) = try await withDatabase { connection in
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

    func run() async throws {
        let data: Data
        if self.file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: self.file) else {
                fail("kyc-review: cannot read \(self.file)", ExitStatus.badData)
            }
            data = contents
        }
        guard let json = String(data: data, encoding: .utf8),
            (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
        else {
            fail("kyc-review: invalid submission: the document is not valid JSON", ExitStatus.badData)
        }
        let id = try await withDatabase { try await Intake().submit(json, on: $0) }
        print(id)
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an application with its checks and evidence, decision, emails and audit trail."
    )

    @Argument(help: "The application's id.")
    var id: Int64

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(help: "Show the document number and MRZ unmasked (recorded in the audit trail).")
    var reveal = false

    func run() async throws {
        let (id, reveal) = (self.id, self.reveal)
        let vault = reveal ? configuredVault() : nil
        let json = try await withDatabase { try await Applications().view(id, reveal: reveal, vault: vault, on: $0) }
        switch self.format {
        case .json:
            print(json)
        case .text:
            print(ApplicationText.render(json))
        }
    }
}
