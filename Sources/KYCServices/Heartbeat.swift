import Synchronization

/// The progress of the daemon's loops: each beats whenever it finishes a batch or a wait, and counts its
/// work. The watchdog trusts the daemon only while every loop has beaten recently; the metrics read the
/// counts.
public final class Heartbeat: Sendable {
    /// One loop's progress.
    public struct Progress: Sendable, Equatable {
        public var lastBeat: ContinuousClock.Instant
        public var batches: Int = 0
        public var items: Int = 0
        public var lastBatchDuration: Duration = .zero
    }

    private let loops: Mutex<[String: Progress]>

    public init(loops names: [String]) {
        let now = ContinuousClock.now
        self.loops = Mutex(Dictionary(uniqueKeysWithValues: names.map { ($0, Progress(lastBeat: now)) }))
    }

    /// The loop is alive (waiting, reconnecting, or between batches).
    public func beat(_ loop: String) {
        self.loops.withLock { $0[loop, default: Progress(lastBeat: .now)].lastBeat = .now }
    }

    /// The loop finished a batch of `items` in `duration`.
    public func batch(_ loop: String, items: Int, duration: Duration) {
        self.loops.withLock { loops in
            var progress = loops[loop, default: Progress(lastBeat: .now)]
            progress.lastBeat = .now
            progress.batches += 1
            progress.items += items
            progress.lastBatchDuration = duration
            loops[loop] = progress
        }
    }

    /// Every loop's progress.
    public var snapshot: [String: Progress] { self.loops.withLock { $0 } }

    /// True when every loop has beaten within `window`.
    public func allAlive(within window: Duration) -> Bool {
        let now = ContinuousClock.now
        return self.snapshot.values.allSatisfy { now - $0.lastBeat <= window }
    }
}
