import ArgumentParser
import Foundation
import KYCDomain
import KYCMail
import KYCServices
import KYCStore

// The options several commands share, and the values argument-parser reads for them.

/// A command's output formats: text for people, and what machines read.
protocol OutputFormatChoice: ExpressibleByArgument, CaseIterable, RawRepresentable, Sendable where RawValue == String {
    /// The default: text for a terminal.
    static var text: Self { get }
}

/// How `queue`, `next`, `show`, `policy show|replay` and `purge` print their result.
enum OutputFormat: String, OutputFormatChoice {
    case text
    case json
}

/// `--format`, declared once for every command that has one.
struct FormatOption<Format: OutputFormatChoice>: ParsableArguments {
    @Option(help: "How to print the result.")
    var format: Format = .text
}

/// The database a command works on: `KYC_DATABASE_URL` (or the configuration file's), else libpq's PG*
/// variables (CONTRACT §4). The reviewer is the role the command connects as.
struct DatabaseOptions: ParsableArguments {
    /// Runs `body` on a connection opened for this command alone, and closes it.
    func run<Result>(_ body: (DatabaseConnection) async throws -> Result) async throws -> Result {
        let url = try Configuration.load().databaseURL
        return try await DatabaseAccess.withConnection(url: url, label: "kyc.cli", body)
    }
}

/// A reason code as a reviewer types it (CONTRACT §3). An unknown code is not a usage error but bad data
/// (exit 65, CONTRACT §4), so the value keeps what was typed and `code()` turns it into that failure.
struct ReasonArgument: ExpressibleByArgument {
    let typed: String

    init(argument: String) {
        self.typed = argument
    }

    static var allValueStrings: [String] { ReasonCode.allCases.map(\.rawValue) }

    /// The reason code, or bad data naming the codes there are.
    func code() throws(CommandFailure) -> ReasonCode {
        guard let code = ReasonCode(rawValue: self.typed) else {
            throw .badData("unknown reason code; one of: \(Self.allValueStrings.joined(separator: ", "))")
        }
        return code
    }
}

/// An email address as typed on the command line; one that cannot be sent to is a usage error.
struct EmailArgument: ExpressibleByArgument {
    let address: EmailAddress

    init?(argument: String) {
        guard let address = EmailAddress(argument) else { return nil }
        self.address = address
    }
}

/// A whole number of minutes, such as a lease's length.
struct Minutes: ExpressibleByArgument, ExpressibleByIntegerLiteral {
    let count: Int

    init(integerLiteral count: Int) {
        self.count = count
    }

    init?(argument: String) {
        guard let count = Int(argument) else { return nil }
        self.count = count
    }

    /// The count in seconds; a count too large for that saturates, for the database to refuse as too long.
    var duration: Duration {
        let (seconds, overflow) = self.count.multipliedReportingOverflow(by: 60)
        return .seconds(overflow ? (self.count < 0 ? Int.min : Int.max) : seconds)
    }
    var defaultValueDescription: String { "\(self.count)" }
}

/// A point in time: a day (`2026-11-26`, its midnight UTC) or an RFC 3339 time (`2026-11-26T08:00:00Z`).
struct Instant: ExpressibleByArgument {
    let date: Date

    init?(argument: String) {
        if let day = Day(argument: argument) {
            self.date = day.date
            return
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: argument) {
            self.date = date
            return
        }
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: argument) else { return nil }
        self.date = date
    }
}

/// A calendar day, `YYYY-MM-DD`, meaning its midnight UTC.
struct Day: ExpressibleByArgument {
    let date: Date

    init?(argument: String) {
        guard let day = CalendarDate(iso: argument) else { return nil }
        self.date = Date(timeIntervalSince1970: TimeInterval(day.daysSince1970) * 86_400)
    }
}

/// A note that must say something: kept in the audit trail.
func requireNote(_ note: String, option: String = "--note") throws {
    guard !note.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("\(option) must not be empty") }
}

/// Writes typed values as the one-line JSON the `--format json` outputs print: sorted keys, nulls kept.
enum JSONOutput {
    static func line(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw CommandFailure(.software, "the result could not be written as JSON")
        }
    }
}
