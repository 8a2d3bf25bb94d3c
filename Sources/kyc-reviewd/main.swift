// kyc-reviewd: checks submitted applications, decides the clear cases, routes the rest to reviewers, and
// delivers every decision's email from the outbox. Run by systemd (Type=notify).
//
//   kyc-reviewd                  run
//   kyc-reviewd --check-config   validate the configuration, print it with secrets masked, exit

import Foundation
import KYCMail
import KYCServices
import KYCStore
import KYCVault
import Logging
import ServiceLifecycle
import UnixSignals

LoggingSystem.bootstrap { label in
    // journald stamps each line itself: no timestamp of our own, the level first.
    var handler = JournalLogHandler(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["KYC_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return handler
}
let logger = Logger(label: "kyc-reviewd")
CurlRuntime.initialise()

let configuration: Configuration
let smtp: SMTPConfiguration
let vault: IdentifierVault?
do {
    configuration = try Configuration.load()
    smtp = try configuration.mailSettings().smtp
    vault = try configuration.vault()
} catch {
    logger.critical("configuration.invalid", metadata: ["error": "\(error)"])
    exit(78)  // EX_CONFIG
}

if CommandLine.arguments.contains("--check-config") {
    print(configuration.maskedDescription(smtp: smtp))
    print("keyring=" + (vault.map { "versions \($0.keyring.versions.map(String.init).joined(separator: ",")), sealing with \($0.keyring.currentVersion)" } ?? "(none: identifiers stay awaiting their seal)"))
    exit(0)
}
if let vault {
    logger.info("keyring.loaded", metadata: ["key.version": "\(vault.keyring.currentVersion)"])
} else {
    logger.warning(
        "keyring.missing",
        metadata: ["effect": "document identifiers stay unsealed until `kyc-review keys rotate` runs with a keyring"]
    )
}

// One database service for the whole daemon: the pool its services lease from and the one listener that
// wakes them. Ready only with a reachable database at the schema version this build expects.
let database = Database(url: configuration.databaseURL, label: "kyc", logger: logger)
// Before the first connect: a database that does not answer shows in the journal as this line and then, within
// the connect timeout, `database.unreachable` with its reason.
logger.info("database.connecting")
do {
    let schema = try await database.schemaState()
    guard schema.isCurrent else {
        logger.critical(
            "schema.mismatch",
            metadata: [
                "schema.version": "\(schema.version)", "expected": "\(Migrator.latestVersion)",
                "stale_function_files": "\(schema.staleFunctionFiles.joined(separator: ","))",
                "fix": "run `kyc-review migrate` with this build",
            ]
        )
        exit(78)
    }
} catch {
    logger.critical("database.unreachable", metadata: Database.logMetadata(for: error))
    exit(69)  // EX_UNAVAILABLE
}

let notifier = SystemdNotifier()
let heartbeat = Heartbeat(loops: ["checks", "mailer"])
let mailHealth = MailHealth()
// The database first: services stop in reverse order, so it outlives every service that uses it.
var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: database)]
do {
    services.append(
        .init(
            service: CheckWorker(
                configuration: configuration, database: database, vault: vault, heartbeat: heartbeat, logger: logger
            )
        )
    )
    services.append(
        .init(
            service: try OutboxMailer(
                configuration: configuration, database: database, heartbeat: heartbeat, health: mailHealth,
                logger: logger
            )
        )
    )
} catch {
    logger.critical("configuration.invalid", metadata: ["error": "\(error)"])
    exit(78)
}
services.append(
    .init(
        service: StatusReporter(
            configuration: configuration, database: database, notifier: notifier, heartbeat: heartbeat,
            mailHealth: mailHealth, logger: logger
        )
    )
)
if let watchdog = Watchdog(notifier: notifier, heartbeat: heartbeat) {
    services.append(.init(service: watchdog))
}

var groupConfiguration = ServiceGroupConfiguration(
    services: services,
    gracefulShutdownSignals: [.sigterm, .sigint],
    logger: logger
)
// SIGTERM: claim nothing more and finish the batch in hand within 10 s (below the unit's TimeoutStopSec),
// then cancel: the mailer starts no further email, and the results of sends still in flight are written
// before it returns. Anything claimed and not done is covered by its lease and picked up again.
groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)
groupConfiguration.maximumCancellationDuration = .seconds(3)
let group = ServiceGroup(configuration: groupConfiguration)

notifier.notify("READY=1\nSTATUS=checking applications and delivering email")
logger.info("daemon.started", metadata: ["schema.version": "\(Migrator.latestVersion)", "instance": "\(configuration.instanceID)"])
do {
    try await group.run()
} catch {
    // Leases cover whatever a timed-out shutdown left: stopping is still orderly.
    logger.warning("daemon.shutdown", metadata: ["error": "\(error)"])
}
notifier.notify("STOPPING=1")
logger.info("daemon.stopped")
exit(0)
