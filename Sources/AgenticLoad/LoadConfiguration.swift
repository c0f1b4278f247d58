/// Everything one run needs: where, who, how hard, how long, and what counts as a pass.
public struct LoadConfiguration: Sendable {
    public var url: String
    public var apiKey: String
    public var scenario: LoadScenario
    public var users: Int
    public var spawnRate: Double
    public var durationSeconds: Double
    /// Open model: requests per second, each timed from its intended send time. nil: closed model.
    public var rate: Double?
    /// Closed model: each user waits a random time in this range (seconds) between operations.
    public var thinkTime: ClosedRange<Double>
    public var mix: Mix = .full
    public var thresholds: Thresholds
    /// Where the per-second history and progress come from; tests shorten it.
    public var intervalSeconds: Double = 1
    /// Open model: a send later than this behind its intended time is dropped (and counted).
    public var dropAfterSeconds: Double = 1

    public init(
        url: String, apiKey: String, scenario: LoadScenario = .smoke, users: Int? = nil, spawnRate: Double? = nil,
        durationSeconds: Double? = nil, rate: Double? = nil, thinkTime: ClosedRange<Double> = 0.5...1.5,
        thresholds: Thresholds = Thresholds()
    ) {
        self.url = url
        self.apiKey = apiKey
        self.scenario = scenario
        self.users = users ?? scenario.users
        self.spawnRate = spawnRate ?? scenario.spawnRate
        self.durationSeconds = durationSeconds ?? scenario.durationSeconds
        self.rate = rate
        self.thinkTime = thinkTime
        self.thresholds = thresholds
    }
}

/// When a run fails: error rate and latency percentiles of all requests together.
public struct Thresholds: Sendable, Equatable {
    /// A fraction: 0.01 is 1 %.
    public var maxErrorRate: Double
    public var maxP95Milliseconds: Double?
    public var maxP99Milliseconds: Double?

    public init(maxErrorRate: Double = 0.01, maxP95Milliseconds: Double? = 500, maxP99Milliseconds: Double? = nil) {
        self.maxErrorRate = maxErrorRate
        self.maxP95Milliseconds = maxP95Milliseconds
        self.maxP99Milliseconds = maxP99Milliseconds
    }

    /// Why the run breached, one line per threshold; empty when it passed.
    public func breaches(of summary: LoadSummary) -> [String] {
        var reasons: [String] = []
        let total = summary.total
        if total.count == 0 {
            reasons.append("no request completed")
            return reasons
        }
        if total.errorRate >= maxErrorRate && total.failures > 0 {
            reasons.append(String(format: "error rate %.2f %% is not below %.2f %%", total.errorRate * 100, maxErrorRate * 100))
        }
        if let limit = maxP95Milliseconds, total.p95 > limit {
            reasons.append(String(format: "p95 %.1f ms is above %.1f ms", total.p95, limit))
        }
        if let limit = maxP99Milliseconds, total.p99 > limit {
            reasons.append(String(format: "p99 %.1f ms is above %.1f ms", total.p99, limit))
        }
        return reasons
    }
}

import Foundation
