import ArgumentParser
import Foundation
import KYCDomain
import KYCStore

struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the applications in review, oldest first, with refer reasons, age and lease holder."
    )

    @OptionGroup var output: FormatOption<OutputFormat>

    @OptionGroup var database: DatabaseOptions

    static let widths = [10, 11, 18, 38]

    func run() async throws {
        let cases = try await self.database.run { try await Review().queue(on: $0) }
        switch self.output.format {
        case .json:
            print(try JSONOutput.line(cases))
        case .text:
            if cases.isEmpty {
                print("no applications in review")
                return
            }
            print(TextTable.row(["ID", "IN REVIEW", "LEASED TO", "REFERRED BY"], widths: Self.widths))
            for item in cases {
                print(TextTable.row([
                    "\(item.id)", TextTable.age(seconds: item.ageSeconds), item.leaseHolder ?? "-",
                    item.refer.joined(separator: ", "),
                ], widths: Self.widths))
            }
        }
    }
}

struct Next: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lease the oldest unleased case in review to you, and show it."
    )

    @Option(help: "How long the lease lasts, in minutes (at most the policy's review.lease_max_seconds).")
    var leaseMinutes: Minutes = 15

    @OptionGroup var output: FormatOption<OutputFormat>

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        // The upper bound is the policy's (review.lease_max_seconds), which the database answers with.
        guard self.leaseMinutes.count >= 1 else {
            throw ValidationError("--lease-minutes must be at least 1")
        }
    }

    func run() async throws {
        let lease = self.leaseMinutes.duration
        let view = try await self.database.run { connection -> ApplicationView? in
            guard let id = try await Review().leaseNext(lease: lease, on: connection) else { return nil }
            return try await Applications().view(id, on: connection)
        }
        switch self.output.format {
        case .json: print(try view.map(JSONOutput.line) ?? "null")
        case .text: print(view.map(ApplicationText.render) ?? "no application waits for review")
        }
    }
}

struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Approve an application in review.")

    @Argument(help: "The application's id.")
    var id: Int64

    @Option(help: "An internal note, kept with the decision and in the audit trail.")
    var note: String?

    @Option(help: "A message for the applicant, written into their email (kept apart from the note).")
    var message: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (id, note, message) = (self.id, self.note, self.message)
        let effect = try await self.database.run { try await Review().approve(id, note: note, message: message, on: $0) }
        print(effect == .proposed
            ? "application \(id): approval proposed; it takes effect when a second reviewer confirms it"
            : "application \(id) approved")
    }
}

struct Deny: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Deny an application in review with a reason code.")

    @Argument(help: "The application's id.")
    var id: Int64

    @Option(help: "The reason code (CONTRACT §3); an unknown one exits 65.")
    var reason: ReasonArgument

    @Option(help: "An internal note, kept with the decision and in the audit trail.")
    var note: String?

    @Option(help: "A message for the applicant, written into their email (kept apart from the note).")
    var message: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let reason = try self.reason.code()
        let (id, note, message) = (self.id, self.note, self.message)
        let effect = try await self.database.run {
            try await Review().deny(id, reason: reason, note: note, message: message, on: $0)
        }
        print(effect == .proposed
            ? "application \(id): denial (\(reason.rawValue)) proposed; it takes effect when a second reviewer confirms it"
            : "application \(id) denied: \(reason.rawValue)")
    }
}

struct UnlockBasicInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock-basic-info",
        abstract: "Let an account's next submission confirm new basic info (audited, with a note)."
    )

    @Argument(help: "The account id.")
    var account: String

    @Option(help: "Why the basic info may change.")
    var note: String

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        try requireNote(self.note)
    }

    func run() async throws {
        let (account, note) = (self.account, self.note)
        try await self.database.run { try await Review().unlockBasicInfo(account: account, note: note, on: $0) }
        print("basic info unlocked for the account's next submission")
    }
}

struct ReopenAccount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen-account",
        abstract: "Let an account submit again after a final denial (audited, with a note)."
    )

    @Argument(help: "The account id.")
    var account: String

    @Option(help: "Why the account may try again.")
    var note: String

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        try requireNote(self.note)
    }

    func run() async throws {
        let (account, note) = (self.account, self.note)
        try await self.database.run { try await Review().reopenAccount(account: account, note: note, on: $0) }
        print("account reopened: its next submission is accepted")
    }
}

struct Note: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add a note to an application's audit trail.")

    @Argument(help: "The application's id.")
    var id: Int64

    @Argument(help: "The note.")
    var text: String

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (id, text) = (self.id, self.text)
        try await self.database.run { try await Review().addNote(id, note: text, on: $0) }
        print("note added to application \(id)")
    }
}

struct Release: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Give back a case you hold, for another reviewer.")

    @Argument(help: "The application's id.")
    var id: Int64

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let id = self.id
        try await self.database.run { try await Review().release(id, on: $0) }
        print("application \(id) released")
    }
}

struct Renew: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Extend your lease on a case you hold (at most the policy's review.lease_max_seconds)."
    )

    @Argument(help: "The application's id.")
    var id: Int64

    @Option(help: "How long the lease lasts from now, in minutes.")
    var minutes: Minutes = 15

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        // The upper bound is the policy's (review.lease_max_seconds), which the database answers with.
        guard self.minutes.count >= 1 else {
            throw ValidationError("--minutes must be at least 1")
        }
    }

    func run() async throws {
        let (id, lease) = (self.id, self.minutes.duration)
        let expiresAt = try await self.database.run { try await Review().renewLease(id, lease: lease, on: $0) }
        print("application \(id) leased to you until \(ISO8601DateFormatter().string(from: expiresAt))")
    }
}

struct BreakLease: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "break-lease",
        abstract: "Reviewers' leads: take a case's lease away from whoever holds it (audited, with a note)."
    )

    @Argument(help: "The application's id.")
    var id: Int64

    @Option(help: "Why the lease is broken.")
    var note: String

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        try requireNote(self.note)
    }

    func run() async throws {
        let (id, note) = (self.id, self.note)
        try await self.database.run { try await Review().breakLease(id, note: note, on: $0) }
        print("application \(id): lease broken; the case may be leased again")
    }
}

struct Confirm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Four-eyes: confirm another reviewer's proposed decision, which then takes effect."
    )

    @Argument(help: "The application's id.")
    var id: Int64

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let id = self.id
        try await self.database.run { try await Review().confirmProposal(id, on: $0) }
        print("application \(id): proposal confirmed and decided")
    }
}

struct RejectProposal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject-proposal",
        abstract: "Four-eyes: turn down another reviewer's proposed decision; the case stays in review."
    )

    @Argument(help: "The application's id.")
    var id: Int64

    @Option(help: "Why the proposal is turned down.")
    var note: String

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (id, note) = (self.id, self.note)
        try await self.database.run { try await Review().rejectProposal(id, note: note, on: $0) }
        print("application \(id): proposal rejected; the case stays in review")
    }
}
