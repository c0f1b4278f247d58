import Histogram

/// The figures of one endpoint (or of all), from an HdrHistogram of every latency in microseconds:
/// nothing sampled, nothing averaged away.
public struct LatencyStats: Sendable {
    public var count: Int = 0
    public var failures: Int = 0
    public var bytes: Int = 0
    var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    mutating func record(microseconds: UInt64, failed: Bool, bytes: Int) {
        count += 1
        if failed { failures += 1 }
        self.bytes += bytes
        _ = histogram.record(Swift.max(1, microseconds))
    }

    mutating func add(_ other: LatencyStats) {
        count += other.count
        failures += other.failures
        bytes += other.bytes
        histogram.add(other.histogram)
    }

    public var errorRate: Double { count == 0 ? 0 : Double(failures) / Double(count) }

    /// Latency at `percentile` (0–100) in milliseconds.
    public func percentile(_ percentile: Double) -> Double {
        count == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1000
    }

    public var p50: Double { percentile(50) }
    public var p90: Double { percentile(90) }
    public var p95: Double { percentile(95) }
    public var p99: Double { percentile(99) }
    public var p999: Double { percentile(99.9) }
    public var mean: Double { count == 0 ? 0 : histogram.mean / 1000 }
    public var min: Double { count == 0 ? 0 : Double(histogram.min) / 1000 }
    public var max: Double { count == 0 ? 0 : Double(histogram.max) / 1000 }
    public var averageBytes: Double { count == 0 ? 0 : Double(bytes) / Double(count) }
}
