import Foundation
import KYCDomain
import KYCMail
import KYCPostgres
import KYCStore
public import Logging
public import ServiceLifecycle

/// Delivers the outbox: claims due emails in batches, renders each from its decision, sends it over one
/// reused SMTP connection, and records sent, retry (with backoff and jitter) or failed for the batch in
/// one statement. Wakes on the decision functions' NOTIFY.
public struct OutboxMailer: Service {
    private let loop: NotifiedWorkLoop
    private let configuration: Configuration
    private let from: Mailbox
    private let senders: [SMTPSender]
    private let templates: EmailTemplates
    private let backoff = DeliveryBackoff()
    private let logger: Logger

    public init(
        configuration: Configuration,
        heartbeat: Heartbeat? = nil,
        logger: Logger
    ) throws(ConfigurationError) {
        let (from, smtp) = try configuration.mailSettings()
        self.templates = try configuration.emailTemplates()
        self.loop = NotifiedWorkLoop(
            name: "mailer",
            channel: ChannelName("kyc_outbox")!,
            databaseURL: configuration.databaseURL,
            pollInterval: configuration.pollInterval,
            logger: logger,
            heartbeat: heartbeat
        )
        self.configuration = configuration
        self.from = from
        self.senders = (0..<max(1, configuration.mailConnections)).map { _ in SMTPSender(configuration: smtp) }
        self.logger = logger
    }

    public func run() async throws {
        await self.loop.run { connection in
            try await self.deliverBatch(on: connection)
        }
    }

    func deliverBatch(on connection: PostgresConnection) async throws -> Int {
        let outbox = Outbox()
        let emails = try await outbox.claimDue(
            limit: self.configuration.mailBatchSize,
            lease: self.configuration.mailLease,
            on: connection
        )
        guard !emails.isEmpty else { return 0 }
        // Each connection takes every n-th email and sends its share in order, reusing its connection.
        let shares = self.senders.indices.map { index in
            stride(from: index, to: emails.count, by: self.senders.count).map { emails[$0] }
        }
        let results = await withTaskGroup(of: [DeliveryResult].self) { group in
            for (sender, share) in zip(self.senders, shares) where !share.isEmpty {
                group.addTask { await self.deliver(share, over: sender) }
            }
            return await group.reduce(into: [DeliveryResult]()) { $0 += $1 }
        }
        try await outbox.record(results, on: connection)
        return emails.count
    }

    /// Sends `emails` in order over one connection. Once the server proves unreachable, the rest are
    /// rescheduled without waiting out a connect timeout each.
    func deliver(_ emails: [OutboxEmail], over sender: SMTPSender) async -> [DeliveryResult] {
        var results: [DeliveryResult] = []
        var serverDown: SMTPError?
        for email in emails {
            if let serverDown {
                results.append(self.retryOrGiveUp(email, error: serverDown))
                continue
            }
            switch await self.deliver(email, over: sender) {
            case .failure(let error):
                if error.code == .connectionFailed || error.code == .timeout || error.code == .tlsFailed {
                    serverDown = error
                }
                results.append(error.isPermanent ? self.failed(email, error) : self.retryOrGiveUp(email, error: error))
            case .success(let receipt):
                results.append(DeliveryResult(outboxID: email.id, status: .sent, reply: receipt.replyText))
                self.logger.info(
                    "email.sent",
                    metadata: ["application.id": "\(email.applicationID)", "outbox.id": "\(email.id)"]
                )
            }
        }
        return results
    }

    func deliver(_ email: OutboxEmail, over sender: SMTPSender) async -> Result<SMTPReceipt, SMTPError> {
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
        do {
            return .success(try await sender.send(message))
        } catch {
            return .failure(error)
        }
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
