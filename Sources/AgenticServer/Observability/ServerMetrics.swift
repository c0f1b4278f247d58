import AgenticCore
import AgenticStore
import CoreMetrics
import Prometheus
import Synchronization

/// The server's metrics: swift-metrics instruments bound to this application's own Prometheus
/// registry (no global bootstrap, so several applications in one process — tests — never mix).
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    private struct RequestKey: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private struct RouteKey: Hashable {
        var method: String
        var route: String
    }

    private let requestCounters = Mutex<[RequestKey: CoreMetrics.Counter]>([:])
    private let requestTimers = Mutex<[RouteKey: CoreMetrics.Timer]>([:])
    private let inFlight = Atomic<Int>(0)
    private let rateLimited: CoreMetrics.Counter
    private let idempotentReplays: CoreMetrics.Counter
    private let webhookDelivered: CoreMetrics.Counter
    private let webhookFailed: CoreMetrics.Counter
    private let limitGauges: LimitGauges

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
            .seconds(5), .seconds(10),
        ]
        self.factory = factory
        limitGauges = LimitGauges(registry: registry)
        rateLimited = CoreMetrics.Counter(label: "agentic_rate_limited_requests_total", dimensions: [], factory: factory)
        idempotentReplays = CoreMetrics.Counter(label: "agentic_idempotent_replays_total", dimensions: [], factory: factory)
        webhookDelivered = CoreMetrics.Counter(label: "agentic_webhook_attempts_total", dimensions: [("outcome", "delivered")], factory: factory)
        webhookFailed = CoreMetrics.Counter(label: "agentic_webhook_attempts_total", dimensions: [("outcome", "failed")], factory: factory)
    }

    func countRateLimited() { rateLimited.increment() }

    /// Brackets a request, for `agentic_http_requests_in_flight`.
    func requestStarted() { inFlight.add(1, ordering: .relaxed) }
    func requestFinished() { inFlight.subtract(1, ordering: .relaxed) }
    func countIdempotentReplay() { idempotentReplays.increment() }

    /// Counts a webhook attempt this instance made (each instance counts its own: together they show
    /// how the deliveries were shared, and a rising `failed` shows a receiver in trouble).
    func countWebhookAttempt(_ outcome: WebhookOutcome) {
        switch outcome {
        case .delivered: webhookDelivered.increment()
        case .failed: webhookFailed.increment()
        }
    }

    /// Counts a finished request and records its latency, labelled by route template (never the raw
    /// path, so ids cannot explode the label set).
    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        let key = RequestKey(method: method, route: route, status: status)
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(
                label: "agentic_http_requests_total",
                dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
        let routeKey = RouteKey(method: method, route: route)
        let timer = requestTimers.withLock { timers in
            if let timer = timers[routeKey] { return timer }
            let timer = CoreMetrics.Timer(
                label: "agentic_http_request_duration_seconds", dimensions: [("method", method), ("route", route)],
                factory: factory)
            timers[routeKey] = timer
            return timer
        }
        timer.recordNanoseconds(duration.nanoseconds)
    }

    /// Renders the registry, after refreshing the store gauges (`nil` when the database is down).
    func render(statistics: StoreStatistics?, keyLookups: Int, feed: EventFeed) -> String {
        gauge("agentic_database_up").record(statistics == nil ? 0 : 1)
        gauge("agentic_event_reads", [("kind", "shared")]).record(feed.sharedReads)
        gauge("agentic_event_reads", [("kind", "direct")]).record(feed.directReads)
        gauge("agentic_key_store_lookups").record(keyLookups)
        gauge("agentic_http_requests_in_flight").record(inFlight.load(ordering: .relaxed))
        if let statistics {
            for status in TaskStatus.allCases {
                gauge("agentic_tasks", [("status", status.rawValue)]).record(statistics.tasksByStatus[status] ?? 0)
            }
            gauge("agentic_events_retained").record(statistics.eventsRetained)
            gauge("agentic_event_delivery_lag_seconds").record(statistics.eventDeliveryLagSeconds)
            gauge("agentic_db_connections", [("state", "in_use")]).record(statistics.connections.inUse)
            gauge("agentic_db_connections", [("state", "idle")]).record(statistics.connections.idle)
            gauge("agentic_db_pool_size").record(statistics.connections.size)
            limitGauges.record(statistics.limits)
        }
        return registry.emitToString()
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
