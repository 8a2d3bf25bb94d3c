import DispatchExecutor

/// Sends mail from an actor whose executor is a private dispatch queue, so libcurl's blocking transfers
/// never occupy the cooperative pool. Owns one `SMTPClient` and with it one reusable connection.
public actor SMTPSender {
    private let executor = DispatchQueueExecutor(label: "kyc.smtp")
    private let configuration: SMTPConfiguration
    private var client: SMTPClient?
    /// Messages the current client has sent: above zero, its connection is a reused one.
    private var sentOnClient = 0

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        self.executor.asUnownedSerialExecutor()
    }

    public init(configuration: SMTPConfiguration) {
        self.configuration = configuration
    }

    /// Sends one message, encoding it here.
    @discardableResult
    public func send(_ message: MailMessage) throws(SMTPError) -> SMTPReceipt {
        try self.send(EncodedMessage(message))
    }

    /// Sends one message encoded beforehand (off this actor's thread, so that the next message is encoded
    /// while this one travels). A reused connection that turns out dead before DATA (the server closed it
    /// while idle) is retried at once on a fresh connection; after any other failure that is not the
    /// recipient's, the next send starts a fresh connection.
    @discardableResult
    public func send(_ message: EncodedMessage) throws(SMTPError) -> SMTPReceipt {
        do {
            return try self.sendOnce(message)
        } catch {
            guard error.isConnectionBroken, !error.dataSent, self.client == nil, self.reusedWhenFailed else { throw error }
            return try self.sendOnce(message)
        }
    }

    private var reusedWhenFailed = false

    private func sendOnce(_ message: EncodedMessage) throws(SMTPError) -> SMTPReceipt {
        let client: SMTPClient
        if let existing = self.client {
            client = existing
        } else {
            client = try SMTPClient(configuration: self.configuration)
            self.client = client
            self.sentOnClient = 0
        }
        do {
            let receipt = try client.send(from: message.from, to: message.recipients, data: message.bytes)
            self.sentOnClient += 1
            return receipt
        } catch {
            self.reusedWhenFailed = self.sentOnClient > 0
            if error.code != .rejected { self.client = nil }
            throw error
        }
    }
}

/// A message ready for the wire: envelope addresses and its RFC 5322 bytes.
public struct EncodedMessage: Sendable {
    public let from: EmailAddress
    public let recipients: [EmailAddress]
    public let bytes: [UInt8]

    /// Encodes `message` (MessageEncoder: headers, MIME parts, CRLF line endings).
    public init(_ message: MailMessage) {
        self.from = message.from.address
        self.recipients = message.to.map(\.address)
        self.bytes = MessageEncoder.encode(message)
    }
}
