import AgenticCore
import AgenticStore
import Foundation
import Hummingbird

/// The five routes every resource has — create, read, update, delete, list — written once and
/// parameterised by the store calls; requests are read through the resource's description. Reads
/// need a `read` key, the rest `write`.
struct ResourceController<Resource: DescribedResource & Identified>: Sendable {
    let kind: ResourceKind
    let create: @Sendable (ResourceDraft<Resource>, Caller) async throws -> Resource
    let get: @Sendable (UUID, String) async throws -> Resource
    let update: @Sendable (UUID, ResourcePatch<Resource>, VersionPrecondition?, Caller) async throws -> Resource
    let delete: @Sendable (UUID, VersionPrecondition?, Caller) async throws -> Void
    let list: @Sendable (ListQuery, String) async throws -> Page<Resource>

    var collection: String { "/api/v1/\(kind.plural)" }

    func register(_ routes: RouteRegistrar) {
        let collection = self.collection
        routes.write.post(collection) { request, context in
            let draft = try Resource.fields.draft(try await request.requiredJSONBody())
            let caller = try context.caller
            return try await respond({ try await create(draft, caller) }) { resource in
                JSONResponse.resource(resource, status: .created, location: "\(collection)/\(resource.id.lowercased)")
            }
        }
        routes.read.get(collection) { request, context in
            let query = try ListQuery.parse(request.queryPairs, for: kind)
            return JSONResponse.page(try await list(query, try context.principal.tenant))
        }
        routes.read.get("\(collection)/:id") { _, context in
            JSONResponse.resource(try await get(try context.id(), try context.principal.tenant))
        }
        routes.write.patch("\(collection)/:id") { request, context in
            let id = try context.id()
            let patch = try Resource.fields.patch(try await request.requiredJSONBody())
            return JSONResponse.resource(try await update(id, patch, request.ifMatch, try context.caller))
        }
        routes.write.delete("\(collection)/:id") { request, context in
            try await delete(try context.id(), request.ifMatch, try context.caller)
            return JSONResponse.noContent
        }
    }

    /// A `POST {collection}/:id/<action>` (write scope) that answers with the resource.
    func action(_ name: String, _ routes: RouteRegistrar, _ run: @escaping @Sendable (UUID, Request, Caller) async throws -> Resource) {
        routes.write.post("\(collection)/:id/\(name)") { request, context in
            let id = try context.id()
            let caller = try context.caller
            return try await respond({ try await run(id, request, caller) }) { JSONResponse.resource($0) }
        }
    }
}

enum ResourceControllers {
    static func register(store: some ResourceStore & WorkQueueStore, on routes: RouteRegistrar) {
        let agents = ResourceController<Agent>(
            kind: .agent, create: store.createAgent,
            get: store.agent, update: store.updateAgent, delete: store.deleteAgent, list: store.listAgents)
        agents.register(routes)

        let goals = ResourceController<Goal>(
            kind: .goal, create: store.createGoal,
            get: store.goal, update: store.updateGoal, delete: store.deleteGoal, list: store.listGoals)
        goals.register(routes)
        goals.action("cancel", routes) { id, request, caller in
            _ = try CancelRequest.read(try await request.jsonBody())
            return try await store.cancelGoal(id, by: caller)
        }

        let plans = ResourceController<Plan>(
            kind: .plan, create: store.createPlan,
            get: store.plan, update: store.updatePlan, delete: store.deletePlan, list: store.listPlans)
        plans.register(routes)
        plans.action("cancel", routes) { id, request, caller in
            _ = try CancelRequest.read(try await request.jsonBody())
            return try await store.cancelPlan(id, by: caller)
        }

        let tasks = ResourceController<PlanTask>(
            kind: .task, create: store.createTask,
            get: store.task, update: store.updateTask, delete: store.deleteTask, list: store.listTasks)
        // The claim route is registered before `tasks/:id` so the constant path wins.
        routes.write.post("/api/v1/tasks/claim") { request, context in
            let claim = try ClaimRequest.read(try await request.requiredJSONBody())
            let caller = try context.caller
            return try await respond({ try await store.claimTasks(claim, by: caller) }) { JSONResponse.list($0) }
        }
        tasks.register(routes)
        tasks.action("heartbeat", routes) { id, request, caller in
            try await store.heartbeat(id, try HeartbeatRequest.read(try await request.requiredJSONBody()), by: caller)
        }
        // `complete` and `fail` answer the task, or `{task, next}` when asked to `claim_next`.
        typealias Finish = @Sendable (UUID, JSONValue, Caller) async throws -> TaskOutcome
        let complete: Finish = { id, body, caller in try await store.completeTask(id, try CompleteRequest.read(body), by: caller) }
        let fail: Finish = { id, body, caller in try await store.failTask(id, try FailRequest.read(body), by: caller) }
        for (name, finish) in [("complete", complete), ("fail", fail)] {
            routes.write.post("/api/v1/tasks/:id/\(name)") { request, context in
                let id = try context.id()
                let body = try await request.requiredJSONBody()
                let caller = try context.caller
                return try await respond({ try await finish(id, body, caller) }) { outcome in
                    outcome.next == nil ? JSONResponse.resource(outcome.task) : JSONResponse.make(outcome.jsonBytes())
                }
            }
        }
        tasks.action("cancel", routes) { id, request, caller in
            _ = try CancelRequest.read(try await request.jsonBody())
            return try await store.cancelTask(id, by: caller)
        }
    }
}
