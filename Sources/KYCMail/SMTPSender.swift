import DispatchExecutor

/// Sends mail from an actor whose executor is a private dispatch queue, so libcurl's blocking transfers
/// never occupy the cooperative pool. Owns one `SMTPClient` and with it one reusable connection.
public actor SMTPSender {
    private let executor = DispatchQueueExecutor(label: "kyc.smtp")
    private let configuration: SMTPConfiguration
    private var client: SMTPClient?

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        self.executor.asUnownedSerialExecutor()
    }

    public init(configuration: SMTPConfiguration) {
        self.configuration = configuration
    }

    /// Sends one message. After a failure that is not the recipient's, the next send starts a fresh
    /// connection.
    @discardableResult
    public func send(_ message: MailMessage) throws(SMTPError) -> SMTPReceipt {
        let client: SMTPClient
        if let existing = self.client {
            client = existing
        } else {
            client = try SMTPClient(configuration: self.configuration)
            self.client = client
        }
        do {
            return try client.send(message)
        } catch {
            if error.code != .rejected { self.client = nil }
            throw error
        }
    }
}
