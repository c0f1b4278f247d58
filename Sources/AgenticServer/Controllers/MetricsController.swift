import AgenticStore
import Hummingbird

/// `GET /metrics` in the Prometheus text format. No key needed; the store figures are skipped (and
/// `agentic_database_up` is 0) while the database is unreachable.
struct MetricsController<S: Store>: Sendable {
    let store: S
    let metrics: ServerMetrics
    let authenticator: KeyAuthenticator

    func register(_ routes: RouteRegistrar) {
        routes.open.get("/metrics") { _, _ in
            let statistics = try? await store.statistics()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(string: metrics.render(statistics: statistics, keyLookups: authenticator.storeLookups, feed: store.eventFeed))))
        }
    }
}
