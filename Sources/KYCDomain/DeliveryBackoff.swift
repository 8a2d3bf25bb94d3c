/// When to try an undelivered email again: exponential from 30 seconds, capped at an hour, spread by a
/// jitter factor the caller draws (0.8…1.2), so that a recovering server is not hit by every email at once.
public struct DeliveryBackoff: Sendable, Equatable {
    public var base: Duration = .seconds(30)
    public var cap: Duration = .seconds(3600)

    public init() {}

    /// The wait after the `attempt`-th failed attempt (1 for the first).
    public func delay(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let seconds = min(Double(self.base.components.seconds) * Double(1 << exponent), Double(self.cap.components.seconds))
        let factor = min(max(jitter, 0.8), 1.2)
        return .milliseconds(Int64(seconds * factor * 1000))
    }
}
