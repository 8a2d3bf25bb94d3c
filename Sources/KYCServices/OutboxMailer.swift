import Foundation
import KYCDomain
import KYCMail
import KYCPostgres
public import KYCStore
public import Logging
public import ServiceLifecycle

/// Delivers the outbox: claims due emails in batches, renders each from its decision, sends it over one
/// reused SMTP connection, and records sent, retry (with backoff and jitter) or failed as each reply
/// arrives (`DeliveryRecorder`). Wakes on the decision functions' NOTIFY.
///
/// A server that refuses the configuration (credentials, TLS: `SMTPError.isConfigurationProblem`) fails no
/// email: the batch waits with backoff, one error-level `mail.configuration_error` line says so per batch,
/// and `MailHealth` shows it in the metrics until an email is accepted again.
public struct OutboxMailer: Service {
    private let loop: NotifiedWorkLoop
    private let configuration: Configuration
    private let from: Mailbox
    private let senders: [SMTPSender]
    private let templates: EmailTemplates
    private let backoff = DeliveryBackoff()
    private let database: Database
    private let health: MailHealth
    private let heartbeat: Heartbeat?
    private let logger: Logger

    /// `database` lends the connections (one for claims, one for the `DeliveryRecorder` while a batch is out)
    /// and wakes the mailer on the outbox channel. `health` receives what the mailer finds about the server's
    /// view of the configuration; pass the one `StatusReporter` reads.
    public init(
        configuration: Configuration,
        database: Database,
        heartbeat: Heartbeat? = nil,
        health: MailHealth = MailHealth(),
        logger: Logger
    ) throws(ConfigurationError) {
        let (from, smtp) = try configuration.mailSettings()
        self.templates = try configuration.emailTemplates()
        self.loop = NotifiedWorkLoop(
            name: "mailer",
            channel: ChannelName("kyc_outbox")!,
            database: database,
            pollInterval: configuration.pollInterval,
            logger: logger,
            heartbeat: heartbeat
        )
        self.configuration = configuration
        self.database = database
        self.from = from
        self.senders = (0..<max(1, configuration.mailConnections)).map { _ in SMTPSender(configuration: smtp) }
        self.health = health
        self.heartbeat = heartbeat
        self.logger = logger
    }

    public func run() async throws {
        await self.loop.run { connection in
            try await self.deliverBatch(on: connection)
        }
    }

    /// Batches delivered per call before the loop gets control back (for its heartbeat and shutdown).
    static let batchesPerCall = 20

    /// Delivers due emails batch after batch, pipelined: while one batch travels over the SMTP connections,
    /// the next batch is claimed on the database connection, and each result is recorded as its reply
    /// arrives by a `DeliveryRecorder` on a second connection leased for the call. A crash between claim and
    /// record leaves leases that run out, and those emails are sent again with their Message-IDs, as before.
    ///
    /// Each email's result beats the heartbeat, so a long call on a slow relay stays alive for the watchdog.
    /// At shutdown no further batch is claimed; on cancellation no further email is started; either way the
    /// sends in flight are awaited and every result handed to the recorder is written before this returns.
    func deliverBatch(on connection: PostgresConnection) async throws -> Int {
        let outbox = Outbox()
        var batch = try await self.claim(outbox, on: connection)
        guard !batch.isEmpty else { return 0 }
        let recorder = DeliveryRecorder(logger: self.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await recorder.run(database: self.database) }
            var delivered = 0
            var batches = 0
            do {
                while !batch.isEmpty {
                    let current = batch
                    async let sent: Void = self.send(current, recorder: recorder)
                    batches += 1
                    let more = batches < Self.batchesPerCall && !NotifiedWorkLoop.isStopping && recorder.failure == nil
                    let next: [OutboxEmail]
                    do {
                        next = more ? try await self.claim(outbox, on: connection) : []
                    } catch {
                        // The batch in flight still ends, and its results are written, before the error goes up.
                        await sent
                        throw error
                    }
                    await sent
                    delivered += current.count
                    batch = next
                }
            } catch {
                recorder.close()
                try? await group.waitForAll()
                throw error
            }
            recorder.close()
            try await group.waitForAll()
            return delivered
        }
    }

    private func claim(_ outbox: Outbox, on connection: PostgresConnection) async throws -> [OutboxEmail] {
        try await outbox.claimDue(limit: self.configuration.mailBatchSize, lease: self.configuration.mailLease, on: connection)
    }

    /// Sends a batch over every connection at once: each connection takes every n-th email and sends its
    /// share in order, reusing its connection. Each result goes to `recorder` as it arrives. A configuration
    /// error is logged once for the batch, whatever the number of connections that met it.
    func send(_ emails: [OutboxEmail], recorder: DeliveryRecorder) async {
        let shares = self.senders.indices.map { index in
            stride(from: index, to: emails.count, by: self.senders.count).map { emails[$0] }
        }
        let outcomes = await withTaskGroup(of: ShareOutcome.self) { group in
            for (sender, share) in zip(self.senders, shares) where !share.isEmpty {
                group.addTask { await self.deliver(share, over: sender, recorder: recorder) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        if let refusal = outcomes.lazy.compactMap(\.configurationError).first {
            self.health.configurationRefused(refusal)
            var metadata: Logger.Metadata = [
                "error.code": "\(refusal.code)",
                "emails.unsent": "\(emails.count - outcomes.reduce(0) { $0 + $1.sent })",
            ]
            if let curlCode = refusal.curlCode { metadata["curl.code"] = "\(curlCode)" }
            if let replyCode = refusal.replyCode { metadata["smtp.reply"] = "\(replyCode)" }
            self.logger.error("mail.configuration_error", metadata: metadata)
        } else if outcomes.contains(where: { $0.sent > 0 }) {
            self.health.delivered()
        }
    }

    /// What one connection's share of a batch came to: how many emails the server accepted, and the
    /// configuration error that stopped the rest, if one did.
    struct ShareOutcome: Sendable {
        var sent = 0
        var configurationError: SMTPError?
    }

    /// Sends `emails` in order over one connection, rendering and encoding each next message while the
    /// current one travels. Once the server proves unreachable or refuses the configuration (credentials,
    /// TLS), the rest are rescheduled without waiting out a connect timeout each, or offering a rejected
    /// password again and again.
    func deliver(_ emails: [OutboxEmail], over sender: SMTPSender, recorder: DeliveryRecorder) async -> ShareOutcome {
        var outcome = ShareOutcome()
        var serverDown: SMTPError?
        var prepared = emails.first.map(self.prepare)
        // Cancelled (shutdown's grace is over): no new email starts; the rest keep their leases and are sent
        // later, once. The send in flight, if any, has ended and been handed to the recorder by now.
        for (index, email) in emails.enumerated() where !Task.isCancelled {
            // Each result is progress: a call on a slow relay may send for minutes (up to `batchesPerCall`
            // batches), far longer than the watchdog's period between the loop's own beats.
            defer { self.heartbeat?.beat(self.loop.name) }
            let message = prepared
            let upcoming = index + 1 < emails.count ? emails[index + 1] : nil
            if let serverDown {
                recorder.add(self.retryOrGiveUp(email, error: serverDown))
                prepared = upcoming.map(self.prepare)
                continue
            }
            let failure: SMTPError?
            switch message {
            case .success(let encoded):
                async let sending = self.send(encoded, for: email, over: sender, recorder: recorder)
                prepared = upcoming.map(self.prepare)
                failure = await sending
            case .failure(let error):
                recorder.add(self.result(for: email, error))
                failure = error
                prepared = upcoming.map(self.prepare)
            case nil:
                continue
            }
            if let failure {
                if failure.code == .connectionFailed || failure.code == .timeout || failure.isConfigurationProblem {
                    serverDown = failure
                }
                if failure.isConfigurationProblem { outcome.configurationError = failure }
            } else {
                outcome.sent += 1
                self.logger.info(
                    "email.sent",
                    metadata: ["application.id": "\(email.applicationID)", "outbox.id": "\(email.id)"]
                )
            }
        }
        return outcome
    }

    /// Sends one message on the sender's own thread and hands its result to `recorder` right there, the
    /// moment the reply arrives, without a hop through the cooperative pool (which the checks may keep busy
    /// for many milliseconds): an accepted email is marked sent as soon as the recorder's connection can
    /// write it. Returns the error, if any.
    func send(
        _ message: EncodedMessage,
        for email: OutboxEmail,
        over sender: isolated SMTPSender,
        recorder: DeliveryRecorder
    ) -> SMTPError? {
        do {
            let receipt = try sender.send(message)
            recorder.add(DeliveryResult(outboxID: email.id, status: .sent, reply: receipt.replyText))
            return nil
        } catch {
            recorder.add(self.result(for: email, error))
            return error
        }
    }

    /// Failed for good on a permanent error; otherwise (a configuration problem among them) retried later, or
    /// failed once the email's lifetime is over.
    func result(for email: OutboxEmail, _ error: SMTPError) -> DeliveryResult {
        error.isPermanent ? self.failed(email, error) : self.retryOrGiveUp(email, error: error)
    }

    /// The email rendered from its decision in the applicant's locale and encoded for the wire; an invalid
    /// recipient address fails here, before any SMTP command.
    func prepare(_ email: OutboxEmail) -> Result<EncodedMessage, SMTPError> {
        guard let recipient = EmailAddress(email.recipient) else {
            return .failure(SMTPError(code: .invalidAddress, replyText: "invalid recipient address"))
        }
        let content = self.templates.render(email.notice)
        let message = MailMessage(
            from: self.from,
            to: [Mailbox(displayName: email.recipientName, address: recipient)],
            subject: content.subject,
            messageID: email.messageID,
            date: Date(),
            extraHeaders: [("Auto-Submitted", "auto-generated"), ("X-KYC-Application", String(email.applicationID))],
            text: content.text,
            html: content.html
        )
        return .success(EncodedMessage(message))
    }

    func failed(_ email: OutboxEmail, _ error: SMTPError) -> DeliveryResult {
        self.logger.warning(
            "email.failed",
            metadata: ["application.id": "\(email.applicationID)", "outbox.id": "\(email.id)", "error": "\(error)"]
        )
        return DeliveryResult(outboxID: email.id, status: .failed, reply: Self.summary(error))
    }

    func retryOrGiveUp(_ email: OutboxEmail, error: SMTPError) -> DeliveryResult {
        let now = Date()
        let lifetime = TimeInterval(self.configuration.mailLifetime.components.seconds)
        if now.timeIntervalSince(email.createdAt) >= lifetime {
            return self.failed(email, error)
        }
        let delay = self.backoff.delay(afterAttempt: email.attempts, jitter: Double.random(in: 0.8...1.2))
        self.logger.notice(
            "email.deferred",
            metadata: ["application.id": "\(email.applicationID)", "outbox.id": "\(email.id)", "error": "\(error)"]
        )
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        return DeliveryResult(outboxID: email.id, status: .retry(at: now.addingTimeInterval(seconds)), reply: Self.summary(error))
    }

    /// What is stored with the row: the reply code and text, or the failure kind.
    static func summary(_ error: SMTPError) -> String {
        var parts: [String] = ["\(error.code)"]
        if error.dataSent { parts.append("after DATA") }
        if let code = error.replyCode { parts.append("\(code)") }
        if let text = error.replyText { parts.append(text) }
        return parts.joined(separator: " ")
    }
}
