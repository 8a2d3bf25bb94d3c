public import Foundation
public import ServiceLifecycle

/// Sends systemd's `WATCHDOG=1` every half watchdog period, but only while every loop of the daemon has
/// made progress within the period: a hung loop stops the pings and systemd restarts the daemon.
public struct Watchdog: Service {
    private let notifier: SystemdNotifier
    private let heartbeat: Heartbeat
    private let period: Duration

    /// Nil when systemd asked for no watchdog (`WATCHDOG_USEC` unset, or meant for another process).
    public init?(
        notifier: SystemdNotifier,
        heartbeat: Heartbeat,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 else {
            return nil
        }
        if let pid = environment["WATCHDOG_PID"], pid != String(ProcessInfo.processInfo.processIdentifier) {
            return nil
        }
        self.notifier = notifier
        self.heartbeat = heartbeat
        self.period = .microseconds(microseconds)
    }

    /// Pings until graceful shutdown, which ends the wait at once.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                if self.heartbeat.allAlive(within: self.period) {
                    self.notifier.notify("WATCHDOG=1")
                }
                try await Task.sleep(for: self.period / 2)
            }
        }
    }
}
