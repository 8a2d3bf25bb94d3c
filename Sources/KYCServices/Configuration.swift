public import Foundation
public import KYCMail
public import KYCVault

/// The settings both programs read (CONTRACT §4): a file of `KEY=value` lines, then the environment,
/// which wins. Unknown keys are errors, not silently ignored.
public struct Configuration: Sendable, Equatable {
    /// A libpq connection string or URI; nil uses libpq's own PG* variables.
    public var databaseURL: String?
    /// `smtp://host:port` or `smtps://host:port`.
    public var smtpURL: String?
    public var smtpUser: String?
    /// The file the SMTP password is read from (never the password itself in the environment).
    public var smtpPasswordFile: String?
    /// The From mailbox, `Name <address>` or a bare address.
    public var mailFrom: String?
    /// The keyring that seals document identifiers at rest (`<version> <base64 key>` lines); nil: systemd's
    /// credential `kyc-keyring` when present, else identifiers stay awaiting their seal.
    public var keyringFile: String?
    /// How often the workers look for work when no notification wakes them.
    public var pollInterval: Duration = .seconds(5)
    /// Applications claimed per batch.
    public var checkBatchSize: Int = 50
    /// How long a claimed batch is leased to this instance before another may rescue it.
    public var checkLease: Duration = .seconds(60)
    /// SMTP timeouts: to connect, for each server reply, and for a whole message.
    public var smtpConnectTimeout: Duration = .seconds(10)
    public var smtpResponseTimeout: Duration = .seconds(30)
    public var smtpTotalTimeout: Duration = .seconds(120)
    /// A folder of the operator's own email templates (`<locale>/<name>.mustache`); nil: the built-in ones.
    public var templateDirectory: String?
    /// Where to write Prometheus metrics for node_exporter's textfile collector; nil writes none.
    public var metricsFile: String?
    /// This instance's name in leases; by default host name and process id.
    public var instanceID: String = Configuration.defaultInstanceID
    /// Emails claimed per batch.
    public var mailBatchSize: Int = 50
    /// SMTP connections the mailer sends a batch over at once, each reused across messages.
    public var mailConnections: Int = 2
    /// How long a claimed email is leased to its sender before another may retry it.
    public var mailLease: Duration = .seconds(300)
    /// How long an undeliverable email is retried before it is given up (an MTA's queue lifetime).
    public var mailLifetime: Duration = .seconds(3 * 24 * 3600)

    static var defaultInstanceID: String {
        "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// The conventional location of the configuration file.
    public static let defaultFile = "/etc/kyc-review/kyc-review.conf"

    /// Every key, in the file and in the environment.
    public static let keys: Set<String> = [
        "KYC_DATABASE_URL", "KYC_SMTP_URL", "KYC_SMTP_USER", "KYC_SMTP_PASSWORD_FILE", "KYC_MAIL_FROM", "KYC_KEYRING_FILE",
        "KYC_POLL_INTERVAL_SECONDS", "KYC_CHECK_BATCH_SIZE", "KYC_MAIL_BATCH_SIZE", "KYC_MAIL_LEASE_SECONDS",
        "KYC_MAIL_LIFETIME_SECONDS", "KYC_CHECK_LEASE_SECONDS", "KYC_INSTANCE_ID", "KYC_METRICS_FILE", "KYC_TEMPLATE_DIR", "KYC_MAIL_CONNECTIONS",
        "KYC_SMTP_CONNECT_TIMEOUT_SECONDS", "KYC_SMTP_RESPONSE_TIMEOUT_SECONDS", "KYC_SMTP_TOTAL_TIMEOUT_SECONDS",
    ]

    public init() {}

    /// Reads the file named by `KYC_CONFIG_FILE` (or the default file, when it exists), then applies the
    /// environment's `KYC_*` variables over it.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> Configuration
    {
        var values: [String: String] = [:]
        let explicitFile = environment["KYC_CONFIG_FILE"]
        let file = explicitFile ?? Self.defaultFile
        if explicitFile != nil || FileManager.default.fileExists(atPath: file) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ConfigurationError(problem: "cannot read the configuration file", key: nil, file: file)
            }
            values = try Self.parse(String(decoding: data, as: UTF8.self), file: file)
        }
        for (key, value) in environment where key.hasPrefix("KYC_") && key != "KYC_CONFIG_FILE" {
            guard Self.keys.contains(key) else {
                // Test and tool variables share the prefix; only the product's own keys are read.
                continue
            }
            values[key] = value
        }
        return try Self.from(values)
    }

    static func parse(_ text: String, file: String) throws(ConfigurationError) -> [String: String] {
        var values: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(problem: "line \(number + 1) is not KEY=value", key: nil, file: file)
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.first == value.last, value.first == "\"" || value.first == "'" {
                value = String(value.dropFirst().dropLast())
            }
            guard Self.keys.contains(key) else {
                throw ConfigurationError(problem: "unknown key", key: key, file: file)
            }
            values[key] = value
        }
        return values
    }

    static func from(_ values: [String: String]) throws(ConfigurationError) -> Configuration {
        var configuration = Configuration()
        func nonEmpty(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }
        func positive(_ key: String) throws(ConfigurationError) -> Int? {
            guard let text = nonEmpty(key) else { return nil }
            guard let value = Int(text), value > 0 else {
                throw ConfigurationError(problem: "must be a positive whole number", key: key, file: nil)
            }
            return value
        }
        configuration.databaseURL = nonEmpty("KYC_DATABASE_URL")
        configuration.smtpURL = nonEmpty("KYC_SMTP_URL")
        configuration.smtpUser = nonEmpty("KYC_SMTP_USER")
        configuration.smtpPasswordFile = nonEmpty("KYC_SMTP_PASSWORD_FILE")
        configuration.mailFrom = nonEmpty("KYC_MAIL_FROM")
        configuration.keyringFile = nonEmpty("KYC_KEYRING_FILE")
        if let seconds = try positive("KYC_POLL_INTERVAL_SECONDS") { configuration.pollInterval = .seconds(seconds) }
        if let size = try positive("KYC_CHECK_BATCH_SIZE") { configuration.checkBatchSize = size }
        if let seconds = try positive("KYC_CHECK_LEASE_SECONDS") { configuration.checkLease = .seconds(seconds) }
        if let instance = nonEmpty("KYC_INSTANCE_ID") { configuration.instanceID = instance }
        configuration.metricsFile = nonEmpty("KYC_METRICS_FILE")
        configuration.templateDirectory = nonEmpty("KYC_TEMPLATE_DIR")
        if let seconds = try positive("KYC_SMTP_CONNECT_TIMEOUT_SECONDS") { configuration.smtpConnectTimeout = .seconds(seconds) }
        if let seconds = try positive("KYC_SMTP_RESPONSE_TIMEOUT_SECONDS") { configuration.smtpResponseTimeout = .seconds(seconds) }
        if let seconds = try positive("KYC_SMTP_TOTAL_TIMEOUT_SECONDS") { configuration.smtpTotalTimeout = .seconds(seconds) }
        if let size = try positive("KYC_MAIL_BATCH_SIZE") { configuration.mailBatchSize = size }
        if let count = try positive("KYC_MAIL_CONNECTIONS") { configuration.mailConnections = min(count, 32) }
        if let seconds = try positive("KYC_MAIL_LEASE_SECONDS") { configuration.mailLease = .seconds(seconds) }
        if let seconds = try positive("KYC_MAIL_LIFETIME_SECONDS") { configuration.mailLifetime = .seconds(seconds) }
        if let url = configuration.smtpURL {
            let lower = url.lowercased()
            guard lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://") else {
                throw ConfigurationError(problem: "must be smtp://host:port or smtps://host:port", key: "KYC_SMTP_URL", file: nil)
            }
        }
        return configuration
    }

    /// The SMTP password: from `KYC_SMTP_PASSWORD_FILE`, else from systemd's credential `smtp-password`.
    public func smtpPassword(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> String?
    {
        var path = self.smtpPasswordFile
        if path == nil, let directory = environment["CREDENTIALS_DIRECTORY"] {
            let candidate = directory + "/smtp-password"
            if FileManager.default.fileExists(atPath: candidate) { path = candidate }
        }
        guard let path else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(problem: "cannot read the SMTP password file", key: "KYC_SMTP_PASSWORD_FILE", file: path)
        }
        var password = String(decoding: data, as: UTF8.self)
        while password.last == "\n" || password.last == "\r\n" { password.removeLast() }
        return password
    }
}

extension Configuration {
    /// Where the keyring is: `KYC_KEYRING_FILE`, else systemd's credential `kyc-keyring`; nil when neither.
    public func keyringPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let path = self.keyringFile { return path }
        if let directory = environment["CREDENTIALS_DIRECTORY"] {
            let candidate = directory + "/kyc-keyring"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The vault over the configured keyring; nil when no keyring is configured. A keyring that is
    /// configured but unreadable or malformed is an error, never silently ignored.
    public func vault(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> IdentifierVault?
    {
        guard let path = self.keyringPath(environment: environment) else { return nil }
        do {
            return IdentifierVault(keyring: try Keyring.load(path: path))
        } catch {
            throw ConfigurationError(problem: error.description, key: "KYC_KEYRING_FILE", file: path)
        }
    }
}

/// A configuration problem: which key, which file, what is wrong. Never a value (it may be a secret).
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var problem: String
    public var key: String?
    public var file: String?

    public init(problem: String, key: String?, file: String? = nil) {
        self.problem = problem
        self.key = key
        self.file = file
    }

    public var description: String {
        var text = "configuration: "
        if let key { text += "\(key) " }
        text += self.problem
        if let file { text += " (\(file))" }
        return text
    }
}

extension Configuration {
    /// What sending mail needs: the From mailbox and the SMTP settings (the password read from its file).
    public func mailSettings(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> (from: Mailbox, smtp: SMTPConfiguration) {
        guard let text = self.mailFrom, let from = Mailbox(parsing: text) else {
            throw ConfigurationError(problem: "must be a mailbox such as KYC <kyc@example.com>", key: "KYC_MAIL_FROM")
        }
        return (from, try self.smtpConfiguration(environment: environment))
    }

    /// The SMTP settings for the mail adapter, the password read from its file.
    public func smtpConfiguration(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> SMTPConfiguration {
        guard let url = self.smtpURL else {
            throw ConfigurationError(problem: "is required to send mail", key: "KYC_SMTP_URL")
        }
        return SMTPConfiguration(
            url: url,
            username: self.smtpUser,
            password: try self.smtpPassword(environment: environment),
            connectTimeout: self.smtpConnectTimeout,
            responseTimeout: self.smtpResponseTimeout,
            totalTimeout: self.smtpTotalTimeout
        )
    }
}

extension Configuration {
    /// The effective configuration, one `KEY=value` a line, with secrets masked: the password in the database
    /// URL or conninfo and in the SMTP URL's userinfo, and the SMTP password (only whether it was read is shown).
    public func maskedDescription(smtp: SMTPConfiguration?) -> String {
        func seconds(_ duration: Duration) -> String { String(duration.components.seconds) }
        let lines: [(String, String?)] = [
            ("KYC_DATABASE_URL", self.databaseURL.map(Self.maskingPassword) ?? "(libpq's PG* variables)"),
            ("KYC_SMTP_URL", self.smtpURL.map(Self.maskingPassword)),
            ("KYC_SMTP_USER", self.smtpUser),
            ("KYC_SMTP_PASSWORD_FILE", self.smtpPasswordFile),
            ("smtp password", smtp?.password == nil ? "(none)" : "******** (read)"),
            ("smtp TLS", smtp.map { $0.requireTLS ? "required" : "not required (loopback)" }),
            ("KYC_MAIL_FROM", self.mailFrom),
            ("KYC_KEYRING_FILE", self.keyringFile ?? "(systemd credential kyc-keyring, if any)"),
            ("KYC_POLL_INTERVAL_SECONDS", seconds(self.pollInterval)),
            ("KYC_CHECK_BATCH_SIZE", String(self.checkBatchSize)),
            ("KYC_CHECK_LEASE_SECONDS", seconds(self.checkLease)),
            ("KYC_MAIL_BATCH_SIZE", String(self.mailBatchSize)),
            ("KYC_MAIL_CONNECTIONS", String(self.mailConnections)),
            ("KYC_MAIL_LEASE_SECONDS", seconds(self.mailLease)),
            ("KYC_MAIL_LIFETIME_SECONDS", seconds(self.mailLifetime)),
            ("KYC_INSTANCE_ID", self.instanceID),
            ("KYC_METRICS_FILE", self.metricsFile),
            ("KYC_TEMPLATE_DIR", self.templateDirectory ?? "(built-in templates)"),
        ]
        return lines.map { "\($0.0)=\($0.1 ?? "(unset)")" }.joined(separator: "\n")
    }

    /// A connection string with its secrets masked, for printing (`--check-config`).
    ///
    /// - A URI (`postgresql://`, `smtp://`, …): the password of its userinfo (`user:secret@host` →
    ///   `user:********@host`), and the value of every query parameter whose name, percent-decoded as libpq
    ///   reads it, ends in `password` (`?password=`, `&sslpassword=`).
    /// - A key=value conninfo: the value of every `…password =`, quoted or not, and the userinfo password of
    ///   a URI given as a value (libpq expands `dbname=postgresql://…`).
    ///
    /// It masks too much rather than too little: the userinfo runs to the last `@`, since a password may hold
    /// an unencoded `@`, `/` or `?`.
    public static func maskingPassword(_ text: String) -> String {
        guard text.range(of: #"^[A-Za-z][A-Za-z0-9+.-]*://"#, options: .regularExpression) != nil else {
            return text.replacingOccurrences(
                of: #"(?i)(\b[a-z_]*password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)"#,
                with: "$1" + secretMask,
                options: .regularExpression
            ).replacingOccurrences(
                of: #"(://[^\s'/:@]*:)[^\s']*@"#,
                with: "$1" + secretMask + "@",
                options: .regularExpression
            )
        }
        var masked = ""
        var parameter = ""
        for character in text {
            if character == "?" || character == "&" {
                masked += maskingParameter(parameter)
                masked.append(character)
                parameter = ""
            } else {
                parameter.append(character)
            }
        }
        masked += maskingParameter(parameter)
        if let scheme = masked.range(of: "://"), let at = masked[scheme.upperBound...].lastIndex(of: "@"),
            let colon = masked[scheme.upperBound..<at].firstIndex(of: ":")
        {
            masked.replaceSubrange(masked.index(after: colon)..<at, with: secretMask)
        }
        return masked
    }

    private static let secretMask = "********"

    /// `name=value` with the value masked when the name (percent-decoded, any case) ends in `password`.
    private static func maskingParameter(_ parameter: String) -> String {
        guard let equals = parameter.firstIndex(of: "=") else { return parameter }
        let name = String(parameter[..<equals])
        guard (name.removingPercentEncoding ?? name).lowercased().hasSuffix("password") else { return parameter }
        return name + "=" + secretMask
    }
}
