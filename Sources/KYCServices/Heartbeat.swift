import Synchronization

/// The progress of the daemon's loops: each beats whenever it finishes a batch or a wait, says how long a wait
/// may last before it begins one, and counts its work. The watchdog trusts the daemon only while every loop
/// has beaten recently or is inside a wait that has not overrun; the metrics read the counts.
public final class Heartbeat: Sendable {
    /// One loop's progress.
    public struct Progress: Sendable, Equatable {
        public var lastBeat: ContinuousClock.Instant
        public var batches: Int = 0
        public var items: Int = 0
        public var lastBatchDuration: Duration = .zero
        /// The end of the wait the loop is in (for work, or out a backoff); nil while it works.
        public var waitingUntil: ContinuousClock.Instant?
    }

    private let loops: Mutex<[String: Progress]>

    public init(loops names: [String]) {
        let now = ContinuousClock.now
        self.loops = Mutex(Dictionary(uniqueKeysWithValues: names.map { ($0, Progress(lastBeat: now)) }))
    }

    /// The loop is alive (waiting, reconnecting, or between batches).
    public func beat(_ loop: String) {
        self.loops.withLock { loops in
            loops[loop, default: Progress(lastBeat: .now)].lastBeat = .now
            loops[loop]?.waitingUntil = nil
        }
    }

    /// The loop begins a wait that ends by `deadline` at the latest (a timer ends it): it counts as alive until
    /// then, however long the wait, and beats again when the wait is over.
    public func waiting(_ loop: String, until deadline: ContinuousClock.Instant) {
        self.loops.withLock { loops in
            loops[loop, default: Progress(lastBeat: .now)].lastBeat = .now
            loops[loop]?.waitingUntil = deadline
        }
    }

    /// The loop finished a batch of `items` in `duration`.
    public func batch(_ loop: String, items: Int, duration: Duration) {
        self.loops.withLock { loops in
            var progress = loops[loop, default: Progress(lastBeat: .now)]
            progress.lastBeat = .now
            progress.batches += 1
            progress.items += items
            progress.lastBatchDuration = duration
            progress.waitingUntil = nil
            loops[loop] = progress
        }
    }

    /// Every loop's progress.
    public var snapshot: [String: Progress] { self.loops.withLock { $0 } }

    /// True when every loop has beaten within `window`, or is in a wait whose end is less than `window` ago.
    public func allAlive(within window: Duration) -> Bool {
        let now = ContinuousClock.now
        return self.snapshot.values.allSatisfy { progress in
            now - progress.lastBeat <= window || progress.waitingUntil.map { now - $0 <= window } == true
        }
    }
}
