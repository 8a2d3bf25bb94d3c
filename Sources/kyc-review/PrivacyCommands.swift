import ArgumentParser
import Foundation
import KYCServices
import KYCStore
import KYCVault

/// The configured keyring's vault, nil when none is configured; a configured keyring that cannot be read
/// is a configuration failure.
func configuredVault() throws(CommandFailure) -> IdentifierVault? {
    do {
        return try Configuration.load().vault()
    } catch {
        throw .configuration("\(error)")
    }
}

/// The configured vault; none configured is a configuration failure.
func requiredVault(for purpose: String) throws(CommandFailure) -> IdentifierVault {
    guard let vault = try configuredVault() else {
        throw .configuration("\(purpose) needs the keyring: set KYC_KEYRING_FILE")
    }
    return vault
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the keyring that seals document numbers and MRZ lines at rest.",
        discussion: """
            Rotation: `keys add --keyring FILE` appends a new key version; restart the daemon (gracefully) so \
            that it seals with it; `keys rotate` then moves every row to it in batches while the daemon runs; \
            when `keys status` shows no row on an old version, that key may leave the file.
            """,
        subcommands: [Add.self, Status.self, Rotate.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append a new random key to a keyring file (created with mode 0600 if missing); prints its version."
        )

        @Option(help: "The keyring file.")
        var keyring: String

        func run() throws {
            var text = ""
            var next = 1
            if let data = FileManager.default.contents(atPath: self.keyring) {
                text = String(decoding: data, as: UTF8.self)
                do {
                    next = (try Keyring(fileText: text).versions.last ?? 0) + 1
                } catch {
                    throw CommandFailure.badData("\(error)")
                }
                if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
            } else {
                text = "# kyc-review keyring: `<version> <base64 key>` per line; the highest version seals.\n"
            }
            text += Keyring.newKeyLine(version: next) + "\n"
            do {
                try PrivateFile.write(Data(text.utf8), to: self.keyring)
            } catch {
                throw CommandFailure.refused("\(error)")
            }
            print(next)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the keyring's versions and how many rows each key seals, await their seal, or are erased."
        )

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let vault = try configuredVault()
            let usage = try await self.database.run { try await KeyRotation.usage(on: $0) }
            if let vault {
                print("keyring: versions \(vault.keyring.versions.map(String.init).joined(separator: ", ")); sealing with \(vault.keyring.currentVersion)")
            } else {
                print("keyring: none configured")
            }
            print("rows: \(usage)")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal every decided row still awaiting its seal and move every sealed row to the newest key, in batches."
        )

        @Option(help: "Rows per transaction.")
        var batchSize = 500

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard self.batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        }

        func run() async throws {
            let rotation = KeyRotation(vault: try requiredVault(for: "rotation"), batchSize: self.batchSize)
            let started = ContinuousClock.now
            let result = try await self.database.run { try await rotation.run(on: $0) }
            print("sealed \(result.sealed), resealed \(result.resealed), skipped \(result.skipped) (changed meanwhile: run again), "
                + "\(result.batches) batches in \(ContinuousClock.now - started); every row now on key version \(rotation.vault.keyring.currentVersion) but those skipped")
        }
    }
}

struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Erase the personal data of decided applications past retention (audited; accounts on legal hold untouched).",
        discussion: """
            Run as a member of kyc_privacy. Erases names, date of birth, address, document number and MRZ, image \
            references, scores, the email address, check evidence and free-text notes; keeps ids, dates, \
            outcomes, reason codes, countries and document types, so reports and the audit trail are unchanged. \
            Batched and idempotent; safe while the daemon runs.
            """
    )

    @Flag(help: "Count what would be erased; change nothing.")
    var dryRun = false

    @Option(help: "Applications per transaction.")
    var batchSize = 1000

    @OptionGroup var output: FormatOption<OutputFormat>

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard self.batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() async throws {
        let (batchSize, dryRun) = (self.batchSize, self.dryRun)
        let started = ContinuousClock.now
        let result = try await self.database.run { try await PersonalData().purge(batchSize: batchSize, dryRun: dryRun, on: $0) }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        switch self.output.format {
        case .json:
            print("{\"dry_run\": \(dryRun), \"applications\": \(result.applications), \"accounts\": \(result.accounts), "
                + "\"batches\": \(result.batches), \"seconds\": \(String(format: "%.3f", seconds))}")
        case .text:
            print(dryRun
                ? "would erase the personal data of \(result.applications) applications and \(result.accounts) accounts"
                : "erased the personal data of \(result.applications) applications and \(result.accounts) accounts in \(result.batches) batches, \(String(format: "%.3f", seconds)) s")
        }
    }
}

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Show or set how long decided applications keep their personal data.",
        subcommands: [Show.self, SetRetention.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the retention per outcome, as JSON.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            print(try await self.database.run { try await PersonalData().retention(on: $0) })
        }
    }

    struct SetRetention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set the retention, in days after the decision, for approved or denied applications (audited)."
        )

        @Option(help: "Days approved applications keep their personal data.")
        var approvedDays: Int?

        @Option(help: "Days denied applications keep their personal data.")
        var deniedDays: Int?

        @Option(help: "Why the retention changes.")
        var note: String

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard self.approvedDays != nil || self.deniedDays != nil else {
                throw ValidationError("give --approved-days, --denied-days or both")
            }
            guard (self.approvedDays ?? 0) >= 0, (self.deniedDays ?? 0) >= 0 else { throw ValidationError("days must be zero or more") }
            try requireNote(self.note)
        }

        func run() async throws {
            let (approved, denied, note) = (self.approvedDays, self.deniedDays, self.note)
            try await self.database.run { connection in
                if let approved { try await PersonalData().setRetention(outcome: "approved", days: approved, note: note, on: connection) }
                if let denied { try await PersonalData().setRetention(outcome: "denied", days: denied, note: note, on: connection) }
            }
            print("retention changed")
        }
    }
}

struct LegalHold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legal-hold",
        abstract: "Put an account on legal hold (its personal data is never purged while held), or lift the hold."
    )

    @Argument(help: "The account id.")
    var account: String

    @Flag(exclusivity: .exclusive, help: "Set or lift the hold.")
    var action: Action

    @Option(help: "Why (the case or order reference).")
    var note: String

    @OptionGroup var database: DatabaseOptions

    enum Action: String, EnumerableFlag {
        case set
        case lift
    }

    func validate() throws {
        try requireNote(self.note)
    }

    func run() async throws {
        let (account, held, note) = (self.account, self.action == .set, self.note)
        try await self.database.run { try await PersonalData().setLegalHold(account: account, held: held, note: note, on: $0) }
        print(held ? "legal hold set" : "legal hold lifted")
    }
}

struct ExportSubject: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-subject",
        abstract: "Write everything held about one account as JSON (GDPR Art. 15; audited).",
        discussion: "Sealed identifiers are opened when the keyring is configured."
    )

    @Argument(help: "The account id.")
    var account: String

    @Option(help: "Write to this file (mode 0600) instead of standard output.")
    var output: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let vault = try configuredVault()
        let account = self.account
        let json = try await self.database.run { try await PersonalData().exportSubject(account: account, vault: vault, on: $0) }
        if let output {
            do {
                try PrivateFile.write(Data((json + "\n").utf8), to: output)
            } catch {
                throw CommandFailure.refused("\(error)")
            }
        } else {
            print(json)
        }
    }
}
