// kyc-reviewd: checks submitted applications, decides the clear cases, routes the rest to reviewers, and
// delivers every decision's email from the outbox. Run by systemd (Type=notify).

import Foundation
import KYCMail
import KYCPostgres
import KYCServices
import KYCStore
import Logging
import ServiceLifecycle
import UnixSignals

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["KYC_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return handler
}
let logger = Logger(label: "kyc-reviewd")
CurlRuntime.initialise()

let configuration: Configuration
let smtp: SMTPConfiguration
do {
    configuration = try Configuration.load()
    smtp = try configuration.smtpConfiguration()
} catch {
    logger.critical("configuration.invalid", metadata: ["error": "\(error)"])
    exit(78)  // EX_CONFIG
}

// Ready only with a reachable database at the schema version this build expects.
do {
    let connection = try await PostgresConnection.connect(configuration.databaseURL, label: "kyc.startup")
    let version = try await Migrator().currentVersion(connection)
    await connection.close()
    guard version == Migrator.latestVersion else {
        logger.critical(
            "schema.mismatch",
            metadata: ["schema.version": "\(version)", "expected": "\(Migrator.latestVersion)"]
        )
        exit(78)
    }
} catch {
    logger.critical("database.unreachable", metadata: ["error": "\(error)"])
    exit(69)  // EX_UNAVAILABLE
}

let checkWorker = CheckWorker(configuration: configuration, logger: logger)
let mailer: OutboxMailer
do {
    mailer = try OutboxMailer(configuration: configuration, smtp: smtp, logger: logger)
} catch {
    logger.critical("configuration.invalid", metadata: ["error": "\(error)"])
    exit(78)
}

let notifier = SystemdNotifier()
let group = ServiceGroup(
    configuration: .init(
        services: [.init(service: checkWorker), .init(service: mailer)],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    )
)
notifier.notify("READY=1\nSTATUS=checking applications and delivering email")
logger.info("daemon.started", metadata: ["schema.version": "\(Migrator.latestVersion)"])
do {
    try await group.run()
} catch {
    logger.error("daemon.failed", metadata: ["error": "\(error)"])
    notifier.notify("STOPPING=1")
    exit(1)
}
notifier.notify("STOPPING=1")
logger.info("daemon.stopped")
