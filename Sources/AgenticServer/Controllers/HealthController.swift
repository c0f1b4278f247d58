import AgenticCore
import AgenticStore
import Hummingbird

/// `/health/live` (the process runs), `/health/ready` (the database answers and its schema is
/// current), `/health/startup` (start-up work finished). No key needed.
struct HealthController<S: Store>: Sendable {
    let store: S

    func register(_ routes: RouteRegistrar) {
        routes.open.get("/health/live") { _, _ in JSONResponse.value(["status": "ok"]) }
        routes.open.get("/health/startup") { _, _ in JSONResponse.value(["status": "ok"]) }
        routes.open.get("/health/ready") { _, _ in
            let readiness = await store.readiness()
            var database: JSONObject = ["status": readiness.isReady ? "up" : "down"]
            if let version = readiness.schemaVersion { database["schema_version"] = .int(Int64(version)) }
            database["expected_schema_version"] = .int(Int64(readiness.expectedSchemaVersion))
            if let detail = readiness.detail { database["detail"] = .string(detail) }
            let body: JSONValue = ["status": readiness.isReady ? "ok" : "unavailable", "checks": ["database": .object(database)]]
            return JSONResponse.value(body, status: readiness.isReady ? .ok : .serviceUnavailable)
        }
    }
}
