import AgenticCore
import AgenticStore
import Hummingbird

/// `GET /stats`: counts for screens, for the key's tenant (read scope).
struct StatisticsController<S: StatisticsStore & EventLogStore>: Sendable {
    let store: S

    func register(_ routes: RouteRegistrar) {
        routes.read.get("/api/v1/stats") { request, context in
            if let (name, _) = request.queryPairs.first {
                throw AgenticError.validation(field: name, "is not a parameter of /stats, which takes none")
            }
            // The head first: every event it names is already counted in the statistics.
            let head = try await store.visibleEventHead()
            var statistics = try await store.tenantStatistics(tenant: try context.principal.tenant)
            statistics.lastEventID = head
            return JSONResponse.make(statistics.jsonBytes())
        }
    }
}
