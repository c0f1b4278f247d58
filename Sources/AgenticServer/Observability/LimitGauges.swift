import AgenticCore
import AgenticStore
import Prometheus
import Synchronization

/// A gauge per configured limit and per tenant's exhausted budgets, renewed at every scrape: a
/// limit removed since the last scrape loses its series instead of repeating its last value.
final class LimitGauges: Sendable {
    private struct Key: Hashable {
        var name: String
        var labels: [String]
    }

    private let registry: PrometheusCollectorRegistry
    private let live = Mutex<[Key: Gauge]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Sets every gauge the statistics name and drops the ones they no longer name.
    func record(_ statistics: LimitStatistics) {
        var readings: [(String, [(String, String)], Double)] = []
        for limit in statistics.concurrency {
            let labels = [("tenant", limit.tenant), ("key", limit.key)]
            readings.append(("agentic_concurrency_limit_max_running", labels, Double(limit.maxRunning)))
            readings.append(("agentic_concurrency_limit_running", labels, Double(limit.running)))
        }
        for limit in statistics.rate {
            let labels = [("tenant", limit.tenant), ("task_type", limit.taskType)]
            readings.append(("agentic_rate_limit_per_second", labels, limit.perSecond))
            readings.append(("agentic_rate_limit_burst", labels, limit.burst))
            readings.append(("agentic_rate_limit_tokens", labels, limit.available(at: statistics.asOf)))
        }
        for budgets in statistics.exhaustedBudgets {
            readings.append(("agentic_budgets_exhausted", [("tenant", budgets.tenant), ("kind", budgets.kind)], Double(budgets.count)))
        }
        live.withLock { live in
            var seen = Set<Key>()
            for (name, labels, value) in readings {
                let key = Key(name: name, labels: labels.flatMap { [$0.0, $0.1] })
                seen.insert(key)
                let gauge = live[key] ?? registry.makeGauge(name: name, labels: labels)
                live[key] = gauge
                gauge.set(value)
            }
            for (key, gauge) in live where !seen.contains(key) {
                registry.unregisterGauge(gauge)
                live[key] = nil
            }
        }
    }
}
