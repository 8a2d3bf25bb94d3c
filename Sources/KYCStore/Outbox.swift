public import Foundation
public import KYCDomain
public import KYCPostgres

/// An email the outbox holds for delivery: who gets it, its stable Message-ID, and the decision it tells of.
public struct OutboxEmail: Sendable, Equatable {
    public var id: Int64
    public var applicationID: Int64
    public var recipient: String
    /// The applicant's name, for the To header's display name.
    public var recipientName: String?
    public var messageID: String
    /// Delivery attempts so far, this one included.
    public var attempts: Int
    public var createdAt: Date
    public var notice: DecisionNotice
}

/// What happened to one delivery attempt.
public struct DeliveryResult: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case sent
        case retry(at: Date)
        case failed
    }

    public var outboxID: Int64
    public var status: Status
    /// The server's reply or the failure's summary, kept with the row for operators.
    public var reply: String?

    public init(outboxID: Int64, status: Status, reply: String?) {
        self.outboxID = outboxID
        self.status = status
        self.reply = reply
    }
}

/// The transactional outbox: decisions write one email row each; the mailer claims due rows in batches,
/// delivers them and records the results in one statement per batch.
public struct Outbox: Sendable {
    public init() {}

    /// Claims up to `limit` due emails. Each claim counts as an attempt and leases the row for `lease`, so
    /// an email whose sender died is retried, with the same Message-ID, once the lease runs out.
    public func claimDue(
        limit: Int,
        lease: Duration,
        on connection: PostgresConnection
    ) async throws(StoreError) -> [OutboxEmail] {
        do {
            let rows = try await connection.query(
                "SELECT * FROM kyc.claim_due_emails($1, $2)",
                [limit, Int(lease.components.seconds)]
            )
            return try rows.map { row throws(PostgresError) in
                let outcome: DecisionNotice.Outcome
                if try row.decode("kind", as: String.self) == "approval" {
                    outcome = .approved
                } else {
                    let code = try row.decode("reason_code", as: String.self)
                    let reason = ReasonCode(rawValue: code) ?? .other
                    let retry: RetryPolicy
                    // The decision recorded its finality from kyc.reason_codes, the rule's owner.
                    if try row.decode("final", as: Bool.self) {
                        retry = .final
                    } else if let after = try row.decodeIfPresent("retry_after", as: Date.self) {
                        retry = .after(after)
                    } else {
                        retry = .attemptsRemaining(try row.decodeIfPresent("attempts_remaining", as: Int.self) ?? 0)
                    }
                    outcome = .denied(reason, retry)
                }
                let applicationID: Int64 = try row.decode("application_id")
                // A denial states the figures of the policy version it was decided under.
                let window = try row.decodeIfPresent("attempt_window_seconds", as: Int.self)
                    .map { Duration.seconds($0) }
                let session = try row.decodeIfPresent("session_window_seconds", as: Int.self)
                    .map { Duration.seconds($0) }
                let minimumAge = try row.decodeIfPresent("minimum_age", as: Int.self)
                return OutboxEmail(
                    id: try row.decode("outbox_id"),
                    applicationID: applicationID,
                    recipient: try row.decode("recipient"),
                    recipientName: try Self.fullName(row.decodeIfPresent("first_name"), row.decodeIfPresent("last_name")),
                    messageID: try row.decode("message_id"),
                    attempts: try row.decode("attempts"),
                    createdAt: try row.decode("created_at"),
                    notice: DecisionNotice(
                        applicationID: applicationID,
                        outcome: outcome,
                        locale: try row.decode("locale"),
                        applicantMessage: try row.decodeIfPresent("applicant_message"),
                        firstName: try row.decodeIfPresent("first_name"),
                        attemptWindow: window ?? DecisionNotice.defaultAttemptWindow,
                        sessionWindow: session ?? DecisionNotice.defaultSessionWindow,
                        minimumAge: minimumAge ?? DecisionNotice.defaultMinimumAge
                    )
                )
            }
        } catch {
            throw StoreError(error)
        }
    }

    static func fullName(_ first: String?, _ last: String?) -> String? {
        let name = [first, last].compactMap { $0 }.joined(separator: " ")
        return name.isEmpty ? nil : name
    }

    /// Puts emails that gave up since `since` (all when nil) back in the queue, due now, and wakes the mailer;
    /// returns how many. The operator's command, once the cause (a password, a certificate) is fixed.
    public func retryFailed(since: Date?, on connection: PostgresConnection) async throws(StoreError) -> Int {
        do {
            return try await connection.query(
                "SELECT kyc.retry_failed_emails($1::timestamptz) AS n", [since?.postgresText]
            ).single().decode("n")
        } catch {
            throw StoreError(error)
        }
    }

    /// Records a batch of delivery results in one statement. Runs on the connection's own thread from start to
    /// finish, so a busy cooperative pool never delays the mark of an accepted email.
    public func record(_ results: [DeliveryResult], on connection: isolated PostgresConnection) throws(StoreError) {
        guard !results.isEmpty else { return }
        struct Entry: Encodable {
            var outbox_id: Int64
            var status: String
            var reply: String?
            var next_attempt_at: String?
        }
        let entries = results.map { result in
            switch result.status {
            case .sent: Entry(outbox_id: result.outboxID, status: "sent", reply: result.reply)
            case .failed: Entry(outbox_id: result.outboxID, status: "failed", reply: result.reply)
            case .retry(let at):
                Entry(outbox_id: result.outboxID, status: "retry", reply: result.reply, next_attempt_at: at.postgresText)
            }
        }
        do {
            let document = String(decoding: try JSONEncoder().encode(entries), as: UTF8.self)
            try connection.query("SELECT kyc.record_email_results($1::jsonb)", [document])
        } catch {
            throw StoreError(error)
        }
    }
}
