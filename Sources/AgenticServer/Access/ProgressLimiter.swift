import AgenticCore
import Foundation
import Synchronization

/// At most `perSecond` progress reports per task in any one-second window, counted in this process
/// (like the keys' rate limits, per instance). A sliding log: each task keeps the times of its last
/// `perSecond` reports, so the bound is exact, not a bucket's average.
public final class ProgressLimiter: Sendable {
    private struct Key: Hashable {
        var tenant: String
        var task: UUID
    }

    private struct State {
        var recent: [Key: [ContinuousClock.Instant]] = [:]
        var lastSweep = ContinuousClock.now
    }

    let perSecond: Int
    /// Tasks remembered before the quiet ones are forgotten.
    let sweepAbove: Int
    private let state = Mutex(State())

    public init(perSecond: Int = ProgressRequest.perSecond, sweepAbove: Int = 10_000) {
        self.perSecond = perSecond
        self.sweepAbove = sweepAbove
    }

    /// Records a report now; nil when allowed, else the whole seconds until one is.
    public func take(tenant: String, task: UUID) -> Int? {
        let now = ContinuousClock.now
        let windowStart = now - .seconds(1)
        return state.withLock { state in
            if state.recent.count > sweepAbove, now - state.lastSweep > .seconds(1) {
                state.recent = state.recent.filter { $0.value.last.map { $0 > windowStart } ?? false }
                state.lastSweep = now
            }
            let key = Key(tenant: tenant, task: task)
            var times = state.recent[key, default: []]
            times.removeAll { $0 <= windowStart }
            guard times.count < perSecond else {
                state.recent[key] = times
                let wait = (times[0] + .seconds(1)) - now
                return max(1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
            }
            times.append(now)
            state.recent[key] = times
            return nil
        }
    }
}
