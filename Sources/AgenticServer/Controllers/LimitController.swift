import AgenticCore
import AgenticStore
import Foundation
import Hummingbird

/// `/limits/concurrency`: any key may read the limits; only an admin sets or removes one, so a
/// worker's key cannot lift the limit its own work runs under.
struct LimitController<S: LimitStore>: Sendable {
    let store: S

    func register(_ routes: RouteRegistrar) {
        routes.read.get("/api/v1/limits/concurrency") { request, context in
            if let (name, _) = request.queryPairs.first {
                throw AgenticError.validation(field: name, "is not a parameter of /limits/concurrency, which takes none")
            }
            return JSONResponse.list(try await store.concurrencyLimits(tenant: try context.principal.tenant))
        }
        routes.read.get("/api/v1/limits/concurrency/:key") { _, context in
            JSONResponse.make(try await store.concurrencyLimit(try Self.key(context), tenant: try context.principal.tenant).jsonBytes())
        }
        routes.admin.on(.put, "/api/v1/limits/concurrency/:key") { request, context in
            let key = try Self.key(context)
            let maxRunning = try ConcurrencyLimit.readMaxRunning(try await request.requiredJSONBody())
            let (limit, created) = try await store.setConcurrencyLimit(key, maxRunning: maxRunning, by: try context.caller)
            return JSONResponse.make(limit.jsonBytes(), status: created ? .created : .ok)
        }
        routes.admin.delete("/api/v1/limits/concurrency/:key") { _, context in
            try await store.deleteConcurrencyLimit(try Self.key(context), by: try context.caller)
            return JSONResponse.noContent
        }
    }

    /// The `{key}` segment, percent-decoded (a key may hold any character, `/` as `%2F`), checked
    /// like a task's `concurrency_key`.
    static func key(_ context: AppRequestContext) throws -> String {
        let raw = context.parameters.get("key") ?? ""
        guard let key = raw.removingPercentEncoding else {
            throw AgenticError.validation(field: "key", "is not valid percent-encoding")
        }
        try ConcurrencyLimit.checkKey(key)
        return key
    }
}
