import AgenticCore
import AgenticStore
import Foundation
import Hummingbird

/// `/limits/concurrency` and `/limits/rate`: any key may read the limits; only an admin sets or
/// removes one, so a worker's key cannot lift the limit its own work runs under.
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

        routes.read.get("/api/v1/limits/rate") { request, context in
            if let (name, _) = request.queryPairs.first {
                throw AgenticError.validation(field: name, "is not a parameter of /limits/rate, which takes none")
            }
            return JSONResponse.list(try await store.rateLimits(tenant: try context.principal.tenant))
        }
        routes.read.get("/api/v1/limits/rate/:task_type") { _, context in
            JSONResponse.make(try await store.rateLimit(try Self.taskType(context), tenant: try context.principal.tenant).jsonBytes())
        }
        routes.admin.on(.put, "/api/v1/limits/rate/:task_type") { request, context in
            let taskType = try Self.taskType(context)
            let (perSecond, burst) = try TaskRateLimit.readBody(try await request.requiredJSONBody())
            let (limit, created) = try await store.setRateLimit(taskType, perSecond: perSecond, burst: burst, by: try context.caller)
            return JSONResponse.make(limit.jsonBytes(), status: created ? .created : .ok)
        }
        routes.admin.delete("/api/v1/limits/rate/:task_type") { _, context in
            try await store.deleteRateLimit(try Self.taskType(context), by: try context.caller)
            return JSONResponse.noContent
        }
    }

    /// The `{task_type}` segment, percent-decoded (`a%3Ab` is `a:b`): an identifier, like a task's
    /// `task_type`.
    static func taskType(_ context: AppRequestContext) throws -> String {
        let taskType = try context.pathText("task_type")
        try TaskRateLimit.checkTaskType(taskType)
        return taskType
    }

    /// The `{key}` segment, percent-decoded (a key may hold any character, `/` as `%2F`), checked
    /// like a task's `concurrency_key`.
    static func key(_ context: AppRequestContext) throws -> String {
        let key = try context.pathText("key")
        try ConcurrencyLimit.checkKey(key)
        return key
    }
}
