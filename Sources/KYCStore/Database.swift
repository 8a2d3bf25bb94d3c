public import KYCPostgres
public import Logging
public import ServiceLifecycle
import Synchronization

/// The daemon's one way to the database: a small pool of connections that its services lease for a turn of
/// work, and one listening connection that LISTENs on every channel a subscriber asked for and wakes the
/// subscribers of a channel when a notification arrives on it.
///
/// A lease (`withConnection`) takes an idle connection, or opens one while fewer than `poolSize` are open,
/// or suspends until one is given back; it never blocks a thread. A connection that libpq finds broken or
/// left inside a transaction when it is leased, or whose user failed, is closed and replaced by a fresh one.
///
/// `run()` keeps the listener going, reconnecting after a failure with `reconnectBackoff(afterFailures:)`,
/// until graceful shutdown; then it closes the pool. Put the database first in the service group: services
/// shut down in reverse order, so it stops after every service that uses it.
public final class Database: Service, Sendable {
    /// A subscriber's wake-ups on one channel: one per notification (those that arrive before the subscriber
    /// looks again count as one), one once the listener LISTENs on the channel, and one after each reconnect
    /// of the listener, since notifications may have been missed meanwhile. A wake-up means "look for work".
    public struct WakeUps: Sendable {
        /// Yields a wake-up; ends when `cancel()` is called or the iterating task is cancelled.
        public let stream: AsyncStream<Void>
        private let continuation: AsyncStream<Void>.Continuation

        init(stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation) {
            self.stream = stream
            self.continuation = continuation
        }

        /// Wakes the subscriber as a notification would: for a timeout or a shutdown of its own.
        public func wake() {
            self.continuation.yield()
        }

        /// Ends the subscription.
        public func cancel() {
            self.continuation.finish()
        }
    }

    private let url: String?
    private let label: String
    private let poolSize: Int
    private let logger: Logger
    private let pool = Mutex(PoolState())
    private let subscribers = Mutex(Subscribers())

    /// `url` is a libpq connection string or URI (nil: libpq's PG* variables); `poolSize` is the most
    /// connections leased at once (the listener's comes on top). Connects only when first needed.
    public init(url: String?, poolSize: Int = 4, label: String = "kyc", logger: Logger) {
        self.url = url
        self.poolSize = max(1, poolSize)
        self.label = label
        self.logger = logger
    }

    /// 250 ms after the first failure, doubling to at most 1 s: a restarted server is found within a second
    /// of its return, whatever its time away (a 10 s cap could add up to 10 s after a crash recovery of as
    /// many, and strand leases that long), at one connection attempt a second while it stays away.
    public static func reconnectBackoff(afterFailures failures: Int) -> Duration {
        .milliseconds(min(1_000, 250 << min(max(failures - 1, 0), 2)))
    }

    // MARK: - The service

    /// Listens until graceful shutdown (or cancellation), then closes the pool.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.listen() }
        await self.closePool()
    }

    // MARK: - The pool

    private struct PoolState {
        var idle: [PostgresConnection] = []
        /// Connections idle, leased or being opened.
        var open = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Grant, any Error>)] = []
        /// Waiters whose task was cancelled before they had queued.
        var cancelled: Set<UInt64> = []
        var nextWaiterID: UInt64 = 0
        var closed = false
        var opened = 0
    }

    /// What a lease is given: an idle connection, or a free place in the pool to open one in.
    private enum Grant: Sendable {
        case connection(PostgresConnection)
        case place(number: Int)
    }

    /// Runs `body` with a connection of the pool, leased for the call and given back after it. A connection
    /// whose `body` threw is closed rather than given back: its session may be broken or in a state the next
    /// user does not expect. Throws `PostgresError` when no connection can be opened, `CancellationError`
    /// when the task is cancelled while waiting for one.
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await self.lease()
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            await self.discard(connection)
            throw error
        }
        await self.giveBack(connection)
        return result
    }

    /// Leases a connection with `setting` in force for the lease alone: set first, and reset before the
    /// connection goes back to the pool (a failure closes the connection instead, setting and all), so that no
    /// later lease inherits it.
    public func withConnection<Result>(
        setting: SessionSetting,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await self.withConnection(isolation: isolation) { connection in
            try await connection.query(setting.set)
            let result = try await body(connection)
            try await connection.query(setting.reset)
            return result
        }
    }

    private func lease() async throws -> PostgresConnection {
        switch try await self.grant() {
        case .connection(let connection):
            if await connection.isUsable() { return connection }
            await connection.close()
            return try await self.open(number: self.pool.withLock { state in
                state.opened += 1
                return state.opened
            })
        case .place(let number):
            return try await self.open(number: number)
        }
    }

    /// Opens a connection in a place already counted as open; on failure the place is freed again.
    private func open(number: Int) async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(self.url, label: "\(self.label).pool.\(number)")
        } catch {
            self.freePlace()
            throw error
        }
    }

    private func grant() async throws -> Grant {
        let id = self.pool.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let now: Swift.Result<Grant, any Error>? = self.pool.withLock { state in
                    if state.closed { return .failure(Self.closedError) }
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if let idle = state.idle.popLast() { return .success(.connection(idle)) }
                    if state.open < self.poolSize {
                        state.open += 1
                        state.opened += 1
                        return .success(.place(number: state.opened))
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter = self.pool.withLock { state -> CheckedContinuation<Grant, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Hands the connection to the first waiter, or keeps it idle; closes it once the pool is closed.
    private func giveBack(_ connection: PostgresConnection) async {
        enum Next { case waiter(CheckedContinuation<Grant, any Error>), idle, close }
        let next = self.pool.withLock { state -> Next in
            if state.closed {
                state.open -= 1
                return .close
            }
            if !state.waiters.isEmpty { return .waiter(state.waiters.removeFirst().continuation) }
            state.idle.append(connection)
            return .idle
        }
        switch next {
        case .waiter(let waiter): waiter.resume(returning: .connection(connection))
        case .idle: break
        case .close: await connection.close()
        }
    }

    /// Closes the connection and frees its place for a fresh one.
    private func discard(_ connection: PostgresConnection) async {
        await connection.close()
        self.freePlace()
    }

    /// One fewer connection open: the first waiter, if any, may open one in its place.
    private func freePlace() {
        let waiter = self.pool.withLock { state -> (CheckedContinuation<Grant, any Error>, Int)? in
            guard !state.closed, !state.waiters.isEmpty else {
                state.open -= 1
                return nil
            }
            state.opened += 1
            return (state.waiters.removeFirst().continuation, state.opened)
        }
        if let (continuation, number) = waiter { continuation.resume(returning: .place(number: number)) }
    }

    private static let closedError = PostgresError(code: .connectionClosed, context: "the database service has stopped")

    /// Closes the idle connections and fails the waiters; connections still leased close when given back.
    private func closePool() async {
        let (idle, waiters) = self.pool.withLock { state in
            state.closed = true
            state.open -= state.idle.count
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters.map(\.continuation))
        }
        for waiter in waiters { waiter.resume(throwing: Self.closedError) }
        for connection in idle { await connection.close() }
    }

    /// The connections the pool holds open, idle or leased (for tests).
    var openConnections: Int { self.pool.withLock { $0.open } }

    // MARK: - The listener

    private struct Subscribers {
        var byChannel: [ChannelName: [UInt64: AsyncStream<Void>.Continuation]] = [:]
        var nextID: UInt64 = 0
    }

    /// Subscribes to `channel`. The listener LISTENs on it within a quarter of a second while `run()` runs,
    /// and wakes the subscriber then: anything notified before is looked for at that wake-up.
    public func wakeUps(on channel: ChannelName) -> WakeUps {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = self.subscribers.withLock { subscribers in
            subscribers.nextID += 1
            subscribers.byChannel[channel, default: [:]][subscribers.nextID] = continuation
            return subscribers.nextID
        }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { subscribers in
                subscribers.byChannel[channel]?[id] = nil
                if subscribers.byChannel[channel]?.isEmpty == true { subscribers.byChannel[channel] = nil }
            }
        }
        return WakeUps(stream: stream, continuation: continuation)
    }

    /// Wakes every subscriber of the channels.
    private func wake(_ channels: some Sequence<ChannelName>) {
        let continuations = self.subscribers.withLock { subscribers in
            channels.flatMap { subscribers.byChannel[$0].map { Array($0.values) } ?? [] }
        }
        for continuation in continuations { continuation.yield() }
    }

    /// How long the listener waits on its socket at a time: the longest a new subscriber waits for its
    /// LISTEN, and a cancelled listener for its end (libpq's wait is a blocking `poll` on the listener's own
    /// thread, which cancellation cannot interrupt).
    static let listenerTurn = Duration.milliseconds(250)

    /// Listens and dispatches until cancelled, reconnecting with backoff after a failure.
    private func listen() async {
        var failures = 0
        while !Task.isCancelled {
            var listener: PostgresConnection?
            do {
                let connection = try await PostgresConnection.connect(self.url, label: "\(self.label).listen")
                listener = connection
                var listened: Set<ChannelName> = []
                while !Task.isCancelled {
                    let wanted = self.subscribers.withLock { Set($0.byChannel.keys) }
                    let new = wanted.subtracting(listened)
                    for channel in new.sorted(by: { $0.rawValue < $1.rawValue }) { try await connection.listen(channel) }
                    listened.formUnion(new)
                    if failures > 0 {
                        self.logger.notice("database.listener_reconnected", metadata: ["failures": "\(failures)"])
                        failures = 0
                    }
                    // Once LISTEN is in place (again): whatever was notified before is looked for now.
                    self.wake(new)
                    let notifications = try await connection.waitForNotifications(timeout: Self.listenerTurn)
                    self.wake(Set(notifications.compactMap { ChannelName($0.channel) }))
                }
            } catch {
                failures += 1
                // The first failure, then one line in ten: at the 1 s cadence of the backoff, a server that stays
                // away is reported about every 10 s, not every try.
                if failures % 10 == 1 {
                    self.logger.error(
                        "database.listener_failed",
                        metadata: Self.logMetadata(for: error).merging(["failures": "\(failures)"]) { $1 }
                    )
                }
            }
            await listener?.close()
            if failures > 0 { try? await Task.sleep(for: Self.reconnectBackoff(afterFailures: failures)) }
        }
    }
}

extension Database {
    /// The schema this build finds: its version, and the function files whose text differs from this
    /// build's (only asked when the version is the expected one).
    public struct SchemaState: Sendable, Equatable {
        public var version: Int
        public var staleFunctionFiles: [String]

        /// The schema is the one this build expects, functions included.
        public var isCurrent: Bool { self.version == Migrator.latestVersion && self.staleFunctionFiles.isEmpty }
    }

    /// Reads the schema's version and stale function files, for the daemon's check at startup.
    public func schemaState() async throws -> SchemaState {
        try await self.withConnection { connection in
            let version = try await Migrator().currentVersion(connection)
            let stale = version == Migrator.latestVersion ? try await Migrator().staleFunctionFiles(connection) : []
            return SchemaState(version: version, staleFunctionFiles: stale)
        }
    }
}

extension Database {
    /// Log metadata for a database error: `error` (its description, which never quotes a row) and, for a
    /// connection that could not be made or broke, `db.reason`, libpq's one-line reason (host, port,
    /// "Connection refused", "password authentication failed for user …", "timeout expired"). A statement's
    /// error never adds a reason: the server's message may quote values.
    public static func logMetadata(for error: any Error) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["error": "\(error)"]
        let underlying = (error as? PostgresError) ?? (error as? StoreError)?.underlying
        if let reason = underlying?.connectionReason { metadata["db.reason"] = "\(reason)" }
        return metadata
    }
}

/// A session setting a lease changes for its own length (`Database.withConnection(setting:_:)`).
public struct SessionSetting: Sendable {
    let set: SQL
    let reset: SQL

    /// Commits without waiting for the WAL flush: a crash of the daemon loses nothing the server has received;
    /// a crash of the server can lose the last commits (the delivery marks, whose emails are then sent again).
    public static let asynchronousCommit = SessionSetting(set: "SET synchronous_commit TO off", reset: "RESET synchronous_commit")

    /// A statement that runs longer than 5 s is cancelled (the status reporter's figures).
    public static let fiveSecondStatements = SessionSetting(set: "SET statement_timeout = '5s'", reset: "RESET statement_timeout")
}
