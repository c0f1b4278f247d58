import AgenticCore
import Foundation
import Synchronization

/// Collects every request of a run from all virtual users: per endpoint, overall, per interval (for
/// the charts and `_stats_history.csv`), and failures grouped by endpoint, status and reason.
public final class LoadRecorder: Sendable {
    struct FailureKey: Hashable, Sendable {
        var method: String
        var name: String
        var reason: String
    }

    private struct State {
        var endpoints: [String: LatencyStats] = [:]
        var interval = LatencyStats()
        var intervalEndpoints: [String: LatencyStats] = [:]
        var failures: [FailureKey: Int] = [:]
        var history: [IntervalSample] = []
        var users = 0
        var late = 0
        var dropped = 0
    }

    private let state = Mutex(State())
    let started: ContinuousClock.Instant
    let startedAt: Date

    public init() {
        started = ContinuousClock.now
        startedAt = Date()
    }

    /// One request: `name` is its endpoint template (`GET /api/v1/agents/{id}`).
    func record(method: String, name: String, microseconds: UInt64, status: Int?, reason: String?, bytes: Int) {
        let failed = reason != nil
        state.withLock { state in
            state.endpoints[name, default: LatencyStats()].record(microseconds: microseconds, failed: failed, bytes: bytes)
            state.interval.record(microseconds: microseconds, failed: failed, bytes: bytes)
            state.intervalEndpoints[name, default: LatencyStats()].record(microseconds: microseconds, failed: failed, bytes: bytes)
            if let reason { state.failures[FailureKey(method: method, name: name, reason: reason), default: 0] += 1 }
        }
    }

    func setUsers(_ users: Int) { state.withLock { $0.users = users } }
    func countLate() { state.withLock { $0.late += 1 } }
    func countDropped() { state.withLock { $0.dropped += 1 } }

    /// Closes the current interval and returns it (the progress line shows it).
    @discardableResult
    func closeInterval() -> IntervalSample {
        let now = ContinuousClock.now
        return state.withLock { state in
            let elapsed = (now - started).inSeconds
            let previous = state.history.last?.elapsedSeconds ?? 0
            let sample = IntervalSample(
                timestamp: startedAt.addingTimeInterval(elapsed), elapsedSeconds: elapsed, seconds: max(elapsed - previous, 0.001),
                users: state.users, stats: state.interval, endpoints: state.intervalEndpoints,
                cumulativeCount: state.endpoints.values.reduce(0) { $0 + $1.count },
                cumulativeFailures: state.endpoints.values.reduce(0) { $0 + $1.failures })
            state.history.append(sample)
            state.interval = LatencyStats()
            state.intervalEndpoints = [:]
            return sample
        }
    }

    /// The figures of the whole run so far.
    func summary(configuration: LoadConfiguration) -> LoadSummary {
        let elapsed = (ContinuousClock.now - started).inSeconds
        return state.withLock { state in
            var total = LatencyStats()
            for stats in state.endpoints.values { total.add(stats) }
            let failures = state.failures.map { LoadSummary.FailureGroup(method: $0.key.method, name: $0.key.name, reason: $0.key.reason, occurrences: $0.value) }
                .sorted { ($0.occurrences, $1.name) > ($1.occurrences, $0.name) }
            return LoadSummary(
                scenario: configuration.scenario.name, url: configuration.url, users: configuration.users,
                rate: configuration.rate, startedAt: startedAt, durationSeconds: elapsed,
                endpoints: state.endpoints.sorted { $0.key < $1.key }.map { LoadSummary.Endpoint(name: $0.key, stats: $0.value) },
                total: total, failures: failures, history: state.history, late: state.late, dropped: state.dropped)
        }
    }
}

/// One interval of the run (a second by default).
public struct IntervalSample: Sendable {
    public var timestamp: Date
    public var elapsedSeconds: Double
    public var seconds: Double
    public var users: Int
    public var stats: LatencyStats
    public var endpoints: [String: LatencyStats]
    public var cumulativeCount: Int
    public var cumulativeFailures: Int

    public var requestsPerSecond: Double { Double(stats.count) / seconds }
    public var failuresPerSecond: Double { Double(stats.failures) / seconds }
}

/// The result of a run, as every report shows it.
public struct LoadSummary: Sendable {
    public struct Endpoint: Sendable {
        public var name: String
        public var stats: LatencyStats
        /// `GET` of `GET /api/v1/agents/{id}`.
        public var method: String { String(name.prefix { $0 != " " }) }
        /// `/api/v1/agents/{id}` of it.
        public var path: String { String(name.drop { $0 != " " }.dropFirst()) }
    }

    public struct FailureGroup: Sendable {
        public var method: String
        public var name: String
        public var reason: String
        public var occurrences: Int
    }

    public var scenario: String
    public var url: String
    public var users: Int
    public var rate: Double?
    public var startedAt: Date
    public var durationSeconds: Double
    public var endpoints: [Endpoint]
    public var total: LatencyStats
    public var failures: [FailureGroup]
    public var history: [IntervalSample]
    /// Open model: sends that left after their intended time, and sends dropped for being too late.
    public var late: Int
    public var dropped: Int

    public func requestsPerSecond(_ stats: LatencyStats) -> Double {
        durationSeconds > 0 ? Double(stats.count) / durationSeconds : 0
    }
}
