import ArgumentParser
import Foundation
import KYCDomain
import KYCServices
import KYCStore

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show, change, import and replay the policy the checks and reviewers apply.",
        discussion: """
            The policy is versioned data: each change publishes a new version, audited with who and why, which \
            the running daemon applies from its next batch. Changing and replaying it takes a member of \
            kyc_policy (or the database owner, for changes).
            """,
        subcommands: [Show.self, SetSetting.self, Import.self, Replay.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the policy in force, as key = value lines.")

        @OptionGroup var output: FormatOption<OutputFormat>

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (version, json) = try await self.database.run { try await PolicyStore().current(on: $0) }
            switch self.output.format {
            case .json:
                print("{\"version\": \(version), \"settings\": \(json)}")
            case .text:
                let policy: Policy
                do {
                    policy = try Policy(json: json)
                } catch {
                    throw CommandFailure.badData("policy version \(version) cannot be read: \(error)")
                }
                print("# policy version \(version)\n" + policy.text, terminator: "")
            }
        }
    }

    struct SetSetting: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change one setting (its value as JSON), publishing a new version.",
            discussion: "Example: kyc-review policy set face_match.pass_from 0.92 --note \"fewer borderline approvals\""
        )

        @Argument(help: "The setting's key (see policy show).")
        var key: String

        @Argument(help: "The new value, as JSON: 0.92, 1200, true, [\"suspected_fraud\"], {\"only\": [\"US\"]}.")
        var value: String

        @Option(help: "Why the policy changes (kept in the audit trail).")
        var note: String

        @OptionGroup var database: DatabaseOptions

        /// Reads the version in force, changes the one key and publishes the result as replacing that version.
        /// When someone else published in between, the change is made again once on the newer version, so that
        /// neither change is lost; a second race is refused (exit 1) rather than retried without end.
        func run() async throws {
            let (key, value, note) = (self.key, self.value, self.note)
            let version = try await self.database.run { connection in
                func publishOnCurrent() async throws -> Int {
                    let current = try await PolicyStore().current(on: connection)
                    let changed: Policy
                    do {
                        changed = try Policy(json: current.json).setting(key, to: value)
                    } catch {
                        throw CommandFailure.badData("\(error)")
                    }
                    return try await PolicyStore().publish(changed, note: note, replacing: current.version, on: connection)
                }
                do {
                    return try await publishOnCurrent()
                } catch let error as StoreError where error.code == .conflict {
                    return try await publishOnCurrent()
                }
            }
            print("policy version \(version) in force")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a whole policy from a file of key = value lines (keys left out keep their defaults)."
        )

        @Argument(help: "The policy file, or - for standard input.")
        var file: String

        @Option(help: "Why the policy changes (kept in the audit trail).")
        var note: String

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let data = try readInput(self.file)
            let policy: Policy
            do {
                policy = try Policy(text: String(decoding: data, as: UTF8.self))
            } catch {
                throw CommandFailure.badData("\(error)")
            }
            let note = self.note
            let version = try await self.database.run { try await PolicyStore().publish(policy, note: note, on: $0) }
            print("policy version \(version) in force")
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-evaluate stored applications under a candidate policy and count what would change.",
            discussion: """
                Writes nothing. The candidate is the policy in force with the --set changes. Each application is \
                checked with the facts its checks saw (its attempt history and duplicate count), and its automated \
                verdict compared with the one recorded.
                """
        )

        @Option(help: "Replay applications submitted from this date (YYYY-MM-DD, UTC).")
        var since: Day

        @Option(help: "…until this date, exclusive (YYYY-MM-DD, UTC; default: now).")
        var until: Day?

        @Option(name: .customLong("set"), help: "A candidate change, KEY=VALUE with VALUE as JSON; repeatable.")
        var changes: [String] = []

        @OptionGroup var output: FormatOption<OutputFormat>

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            for change in self.changes where !change.contains("=") {
                throw ValidationError("--set takes KEY=VALUE")
            }
        }

        func run() async throws {
            let (since, until) = (self.since.date, self.until?.date ?? Date())
            let changes = self.changes
            let vault = try configuredVault()
            let started = ContinuousClock.now
            let (version, summary) = try await self.database.run { connection in
                let current = try await PolicyStore().current(on: connection)
                var candidate: Policy
                do {
                    candidate = try Policy(json: current.json)
                    for change in changes {
                        let equals = change.firstIndex(of: "=")!
                        candidate = try candidate.setting(
                            String(change[..<equals]), to: String(change[change.index(after: equals)...])
                        )
                    }
                } catch {
                    throw CommandFailure.badData("\(error)")
                }
                return (current.version, try await PolicyReplay(candidate: candidate, vault: vault).run(since: since, until: until, on: connection))
            }
            let elapsed = ContinuousClock.now - started
            let transitions = summary.changes.sorted { $0.key < $1.key }
            switch self.output.format {
            case .json:
                let rows = transitions.map { "{\"from\": \"\($0.key.from)\", \"to\": \"\($0.key.to)\", \"count\": \($0.value)}" }
                print(
                    "{\"policy_version\": \(version), \"changes\": \(changes.count), \"replayed\": \(summary.replayed), "
                        + "\"changed\": \(summary.changed), \"unreadable\": \(summary.unreadable), "
                        + "\"transitions\": [\(rows.joined(separator: ", "))]}"
                )
            case .text:
                print("replayed \(summary.replayed) applications against policy version \(version)"
                    + (changes.isEmpty ? "" : " with " + changes.joined(separator: ", ")))
                print("unchanged \(summary.replayed - summary.changed), changed \(summary.changed)"
                    + (summary.unreadable > 0 ? ", unreadable \(summary.unreadable)" : ""))
                for (transition, count) in transitions {
                    print("  \(transition.from) -> \(transition.to): \(count)")
                }
                print("in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
            }
        }
    }
}
