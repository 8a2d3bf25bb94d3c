internal import CLibPQ
import DispatchExecutor
import Foundation

/// One libpq connection, owned by an actor that runs on its own dispatch queue.
///
/// libpq blocks; this actor's executor is a private serial queue, so a statement in flight blocks that
/// queue's thread and never the cooperative pool. Every `PGresult` is cleared on the line after it is
/// obtained and its values are copied out first; the connection is finished by `close()` or `deinit`.
public actor PostgresConnection {
    /// A notification received on a channel this connection listens to.
    public struct Notification: Sendable, Equatable {
        public let channel: String
        public let payload: String
        public let processID: Int32
    }

    private let executor: DispatchQueueExecutor
    private var handle: OpaquePointer?

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        self.executor.asUnownedSerialExecutor()
    }

    private init(label: String) {
        self.executor = DispatchQueueExecutor(label: label)
    }

    isolated deinit {
        if let handle { PQfinish(handle) }
    }

    /// Connects with a libpq connection string or URI; `nil` or empty uses libpq's PG* variables,
    /// `.pgpass` and service files, exactly as `psql` does.
    ///
    /// A server that stops answering must not hold a connect or a session for minutes: unless `conninfo` says
    /// otherwise, a connect gives up on each host after 5 s (`connect_timeout`, left to `PGCONNECT_TIMEOUT`
    /// when that is set), and TCP keepalives find a dead established connection within about 25 s
    /// (`defaultParameters`). The session is set to UTC and ISO dates so that timestamps decode without guessing.
    public static func connect(
        _ conninfo: String?,
        label: String = "kyc.postgres"
    ) async throws(PostgresError) -> PostgresConnection {
        let connection = PostgresConnection(label: label)
        try await connection.open(Self.parameters(conninfo, environment: ProcessInfo.processInfo.environment))
        return connection
    }

    /// Our defaults for every connection: a bounded connect and keepalives on an idle connection (10 s idle, then
    /// a probe every 5 s, dead after 3 unanswered). `connect_timeout` is left out when the environment sets
    /// `PGCONNECT_TIMEOUT`, since an explicit keyword would override the variable operators expect to work.
    static func defaultParameters(environment: [String: String]) -> [(keyword: String, value: String)] {
        var defaults: [(keyword: String, value: String)] = []
        if environment["PGCONNECT_TIMEOUT"]?.isEmpty ?? true { defaults.append(("connect_timeout", "5")) }
        defaults += [("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3")]
        return defaults
    }

    /// The keywords and values for `PQconnectdbParams`: the defaults first, then the operator's `conninfo` as
    /// `dbname`, which libpq expands (`expand_dbname = 1`) into its own keywords. Later keywords win, so anything
    /// the URI or key=value string sets overrides a default; PG* variables fill only what is still unset.
    static func parameters(_ conninfo: String?, environment: [String: String]) -> [(keyword: String, value: String)] {
        var parameters = Self.defaultParameters(environment: environment)
        if let conninfo, !conninfo.isEmpty { parameters.append(("dbname", conninfo)) }
        return parameters
    }

    private func open(_ parameters: [(keyword: String, value: String)]) throws(PostgresError) {
        let keywords: [UnsafeMutablePointer<CChar>?] = parameters.map { strdup($0.keyword) } + [nil]
        defer { keywords.forEach { free($0) } }
        let values: [UnsafeMutablePointer<CChar>?] = parameters.map { strdup($0.value) } + [nil]
        defer { values.forEach { free($0) } }
        let connected = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { keywordPointers in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valuePointers in
                PQconnectdbParams(keywordPointers.baseAddress, valuePointers.baseAddress, 1)
            }
        }
        guard let handle = connected else {
            throw PostgresError(code: .connectionFailed, context: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            throw PostgresError(code: .connectionFailed, serverMessage: message)
        }
        self.handle = handle
        try self.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; SET client_min_messages = 'warning'")
    }

    /// The value libpq uses for a connection keyword (`connect_timeout`, `keepalives_idle`, `host`, …) on this
    /// open connection, after the defaults, the connection string and the PG* variables were combined; nil when
    /// unset or closed. Never the password.
    public func option(_ keyword: String) -> String? {
        guard let handle, keyword != "password", let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var option = options
        while let name = option.pointee.keyword {
            if String(cString: name) == keyword { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    /// Whether the connection is open and healthy as far as libpq knows.
    public var isOpen: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Whether the connection can take a statement now, for a pool about to lend it: libpq first reads what
    /// the server sent meanwhile without waiting (a server that shut down or ended the session has sent its
    /// FATAL message and closed the socket, which a stale `isOpen` would not show yet); then the connection
    /// must be healthy and outside any transaction.
    public func isUsable() -> Bool {
        guard let handle else { return false }
        // The first read takes what was sent; only the next one meets the end of the stream, if it came.
        for _ in 0..<2 where PQconsumeInput(handle) != 1 { return false }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// The server's process id for this session (for `pg_terminate_backend` in tests and operations).
    public var backendProcessID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle)
    }

    /// Closes the connection; later calls fail with `.connectionClosed`.
    public func close() {
        if let handle { PQfinish(handle) }
        self.handle = nil
    }

    private func requireHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle else { throw PostgresError(code: .connectionClosed) }
        return handle
    }

    /// Runs one statement with `$n` parameters and returns its rows.
    @discardableResult
    public func query(_ sql: SQL, _ parameters: [any PostgresEncodable] = []) throws(PostgresError) -> PostgresRows {
        let handle = try self.requireHandle()
        let texts = parameters.map(\.postgresText)
        for (index, text) in texts.enumerated() where text?.utf8.contains(0) == true {
            throw PostgresError(code: .invalidParameter, context: "parameter $\(index + 1) contains a NUL byte")
        }
        let copies: [UnsafeMutablePointer<CChar>?] = texts.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let result: OpaquePointer? = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { values in
            PQexecParams(handle, sql.text, Int32(values.count), nil, values.baseAddress, nil, nil, 0)
        }
        return try self.consume(result, handle: handle)
    }

    /// Runs a script of several statements (the simple query protocol), for migrations. No parameters.
    @discardableResult
    public func execute(_ sql: SQL) throws(PostgresError) -> PostgresRows {
        let handle = try self.requireHandle()
        return try self.consume(PQexec(handle, sql.text), handle: handle)
    }

    private func consume(_ result: OpaquePointer?, handle: OpaquePointer) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw self.connectionError(handle)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.copyRows(result)
        default:
            func field(_ code: Int32) -> String? {
                PQresultErrorField(result, code).map { String(cString: $0) }
            }
            if PQstatus(handle) != CONNECTION_OK {
                // The SQLSTATE tells the server's FATAL that ended the session (57P01 and the like, naming no row)
                // from an error of the statement itself, met just before the connection went, which may quote
                // one: `connectionReason` gives no reason for the latter.
                var error = self.connectionError(handle)
                error.sqlState = field(KYC_PG_DIAG_SQLSTATE)
                throw error
            }
            throw PostgresError(
                code: .serverError,
                sqlState: field(KYC_PG_DIAG_SQLSTATE),
                constraint: field(KYC_PG_DIAG_CONSTRAINT_NAME),
                serverMessage: field(KYC_PG_DIAG_MESSAGE_PRIMARY)
            )
        }
    }

    private func connectionError(_ handle: OpaquePointer) -> PostgresError {
        let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(code: .connectionLost, serverMessage: message)
    }

    private static func copyRows(_ result: OpaquePointer) -> PostgresRows {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var cells: [[String?]] = []
        cells.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            cells.append(
                (0..<columnCount).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                }
            )
        }
        let tuples = Int(String(cString: PQcmdTuples(result))) ?? Int(rowCount)
        return PostgresRows(columns: columns, cells: cells, affectedRows: tuples)
    }

    /// Runs `body` inside BEGIN … COMMIT on this connection; any error rolls back and is rethrown.
    ///
    /// `body` runs isolated to the connection, so nothing else can interleave statements with it.
    public func transaction<Result: Sendable>(
        _ body: @Sendable (isolated PostgresConnection) throws -> Result
    ) throws -> Result {
        try self.query("BEGIN")
        do {
            let result = try body(self)
            try self.query("COMMIT")
            return result
        } catch {
            if self.isOpen { _ = try? self.query("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` holding a session-level advisory lock, so that concurrent callers with the same key wait.
    public func withAdvisoryLock<Result: Sendable>(
        _ key: Int64,
        _ body: @Sendable (isolated PostgresConnection) throws -> Result
    ) throws -> Result {
        try self.query("SELECT pg_advisory_lock($1)", [key])
        defer { _ = try? self.query("SELECT pg_advisory_unlock($1)", [key]) }
        return try body(self)
    }

    /// Starts listening on a channel.
    public func listen(_ channel: ChannelName) throws(PostgresError) {
        try self.query(SQL(unchecked: "LISTEN \(channel.rawValue)"))
    }

    /// Sends a notification (parameterised, so any payload is safe).
    public func notify(_ channel: ChannelName, payload: String = "") throws(PostgresError) {
        try self.query("SELECT pg_notify($1, $2)", [channel.rawValue, payload])
    }

    /// Returns the notifications that have arrived, waiting on the connection's socket with `poll` for at
    /// most `timeout` when none is pending. An empty result means the timeout passed.
    public func waitForNotifications(timeout: Duration) throws(PostgresError) -> [Notification] {
        let handle = try self.requireHandle()
        var received = try self.drainNotifications(handle)
        guard received.isEmpty else { return received }

        let socket = PQsocket(handle)
        guard socket >= 0 else { throw self.connectionError(handle) }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int32(clamping: max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        var rc: Int32
        repeat {
            rc = poll(&descriptor, 1, milliseconds)
        } while rc < 0 && errno == EINTR
        if rc < 0 {
            throw PostgresError(code: .waitFailed, context: "poll errno \(errno)")
        }
        received = try self.drainNotifications(handle)
        return received
    }

    private func drainNotifications(_ handle: OpaquePointer) throws(PostgresError) -> [Notification] {
        guard PQconsumeInput(handle) == 1 else { throw self.connectionError(handle) }
        var received: [Notification] = []
        while let notification = PQnotifies(handle) {
            defer { PQfreemem(notification) }
            received.append(
                Notification(
                    channel: String(cString: notification.pointee.relname),
                    payload: String(cString: notification.pointee.extra),
                    processID: notification.pointee.be_pid
                )
            )
        }
        return received
    }
}
