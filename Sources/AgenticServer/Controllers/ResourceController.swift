import AgenticCore
import AgenticStore
import Foundation
import Hummingbird

/// The five routes every resource has — create, read, update, delete, list — written once and
/// parameterised by the store calls; requests are read through the resource's description. Reads
/// need a `read` key, the rest `write` (or `admin`, for schedules: `changesNeedAdmin`).
struct ResourceController<Resource: DescribedResource & Identified>: Sendable {
    let kind: ResourceKind
    var changesNeedAdmin = false
    let create: @Sendable (ResourceDraft<Resource>, Caller) async throws -> Resource
    let get: @Sendable (UUID, String) async throws -> Resource
    let update: @Sendable (UUID, ResourcePatch<Resource>, VersionPrecondition?, Caller) async throws -> Resource
    let delete: @Sendable (UUID, VersionPrecondition?, Caller) async throws -> Void
    let list: @Sendable (ListQuery, String) async throws -> Page<Resource>

    var collection: String { "/api/v1/\(kind.plural)" }

    /// The routes of the scope that creating, changing and deleting need.
    private func changes(_ routes: RouteRegistrar) -> RouteRegistrar.Routes { changesNeedAdmin ? routes.admin : routes.write }

    /// The routes a resource may serve its own way instead (a plan's create and read).
    enum Route: Hashable {
        case create, get
    }

    func register(_ routes: RouteRegistrar, except own: Set<Route> = []) {
        let collection = self.collection
        if !own.contains(.create) { registerCreate(routes) }
        routes.read.get(collection) { request, context in
            let query = try ListQuery.parse(request.queryPairs, for: kind)
            return JSONResponse.page(try await list(query, try context.principal.tenant))
        }
        if !own.contains(.get) {
            routes.read.get("\(collection)/:id") { _, context in
                JSONResponse.resource(try await get(try context.id(), try context.principal.tenant))
            }
        }
        registerUpdate(routes, at: collection)
        changes(routes).delete("\(collection)/:id") { request, context in
            try await delete(try context.id(), request.ifMatch, try context.caller)
            return JSONResponse.noContent
        }
    }

    /// The create and update routes once more under `path` (the seed client's `/plans/tasks`),
    /// each body passed through `adapt` first (true for a PATCH).
    func alias(_ path: String, _ routes: RouteRegistrar, adapt: @escaping @Sendable (JSONValue, Bool) -> JSONValue) {
        registerCreate(routes, at: path) { adapt($0, false) }
        registerUpdate(routes, at: path) { adapt($0, true) }
    }

    private func registerCreate(_ routes: RouteRegistrar, at path: String? = nil, adapt: @escaping @Sendable (JSONValue) -> JSONValue = { $0 }) {
        let collection = self.collection
        changes(routes).post(path ?? collection) { request, context in
            let draft = try Resource.fields.draft(adapt(try await request.requiredJSONBody()))
            let caller = try context.caller
            return try await respond({ try await create(draft, caller) }) { resource in
                JSONResponse.resource(resource, status: .created, location: "\(collection)/\(resource.id.lowercased)")
            }
        }
    }

    private func registerUpdate(_ routes: RouteRegistrar, at path: String, adapt: @escaping @Sendable (JSONValue) -> JSONValue = { $0 }) {
        changes(routes).patch("\(path)/:id") { request, context in
            let id = try context.id()
            let patch = try Resource.fields.patch(adapt(try await request.requiredJSONBody()))
            try patch.requireScope(try context.principal.scope)
            return JSONResponse.resource(try await update(id, patch, request.ifMatch, try context.caller))
        }
    }

    /// A `POST {collection}/:id/<action>` (the scope changes need) that answers with the resource.
    func action(_ name: String, _ routes: RouteRegistrar, _ run: @escaping @Sendable (UUID, Request, Caller) async throws -> Resource) {
        changes(routes).post("\(collection)/:id/\(name)") { request, context in
            let id = try context.id()
            let caller = try context.caller
            return try await respond({ try await run(id, request, caller) }) { JSONResponse.resource($0) }
        }
    }
}

enum ResourceControllers {
    static func register(store: some ResourceStore & WorkQueueStore & ScheduleStore & ApprovalStore, on routes: RouteRegistrar) {
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
        plans.register(routes, except: [.create, .get])
        PlanRoutes.register(store: store, on: routes)
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
        routes.write.post("/api/v1/tasks/bulk") { request, context in
            let bulk = try BulkTaskRequest.read(try await request.requiredJSONBody())
            let caller = try context.caller
            return try await respond({ try await store.bulkTasks(bulk, by: caller) }) { JSONResponse.make($0.jsonBytes()) }
        }
        tasks.register(routes)
        tasks.alias("/api/v1/plans/tasks", routes, adapt: SeedForms.task)
        tasks.action("heartbeat", routes) { id, request, caller in
            try await store.heartbeat(id, try HeartbeatRequest.read(try await request.requiredJSONBody()), by: caller)
        }
        tasks.action("release", routes) { id, request, caller in
            try await store.releaseTask(id, try ReleaseRequest.read(try await request.requiredJSONBody()), by: caller)
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
        tasks.action("retry", routes) { id, request, caller in
            _ = try CancelRequest.read(try await request.jsonBody())
            return try await store.retryTask(id, by: caller)
        }
        // Approvals: the lease holder asks (write); a person's `approve` key decides.
        tasks.action("request-approval", routes) { id, request, caller in
            try await store.requestApproval(id, try ApprovalQuestion.read(try await request.requiredJSONBody()), by: caller)
        }
        routes.approve.post("/api/v1/tasks/:id/approve") { request, context in
            let id = try context.id()
            let approval = try ApproveRequest.read(try await request.jsonBody())
            let caller = try context.caller
            return try await respond({ try await store.approveTask(id, approval, by: caller) }) { JSONResponse.resource($0) }
        }
        routes.approve.post("/api/v1/tasks/:id/reject") { request, context in
            let id = try context.id()
            let rejection = try RejectRequest.read(try await request.requiredJSONBody())
            let caller = try context.caller
            return try await respond({ try await store.rejectTask(id, rejection, by: caller) }) { JSONResponse.resource($0) }
        }

        // Schedules create work for the whole tenant on their own, so only an admin sets them up.
        let schedules = ResourceController<Schedule>(
            kind: .schedule, changesNeedAdmin: true, create: store.createSchedule,
            get: store.schedule, update: store.updateSchedule, delete: store.deleteSchedule, list: store.listSchedules)
        schedules.register(routes)
        for (name, paused) in [("pause", true), ("resume", false)] {
            schedules.action(name, routes) { id, request, caller in
                _ = try CancelRequest.read(try await request.jsonBody())
                return try await store.pauseSchedule(id, paused, by: caller)
            }
        }

        // Progress answers the event it appended: the task itself does not change.
        routes.write.post("/api/v1/tasks/:id/progress") { request, context in
            let id = try context.id()
            let report = try ProgressRequest.read(try await request.requiredJSONBody())
            let caller = try context.caller
            return try await respond({ try await store.reportProgress(id, report, by: caller) }) { event in
                JSONResponse.make(event.jsonBytes(), status: .created)
            }
        }
    }
}

/// A plan's create request may bring its whole task graph, and its read may include its tasks.
enum PlanRoutes {
    /// Tasks a plan's read includes before handing over to `GET /tasks?plan_id=&cursor=`.
    static let includedTasks = 500

    static func register(store: some ResourceStore, on routes: RouteRegistrar) {
        routes.write.post("/api/v1/plans") { request, context in
            let creation = try PlanCreation.read(try await request.requiredJSONBody())
            let caller = try context.caller
            return try await respond({ try await store.createPlan(creation, by: caller) }) { created in
                JSONResponse.resource(
                    created.jsonBytes(), version: created.plan.version, status: .created,
                    location: "/api/v1/plans/\(created.plan.id.lowercased)")
            }
        }
        routes.read.get("/api/v1/plans/:id") { request, context in
            let id = try context.id()
            let tenant = try context.principal.tenant
            var includeTasks = false
            var errors: [FieldError] = []
            for (name, value) in request.queryPairs {
                if name == "include", value == "tasks" {
                    includeTasks = true
                } else {
                    errors.append(
                        FieldError(
                            field: name, message: name == "include" ? "must be `tasks`" : "is not a parameter of /plans/{id}; use include"))
                }
            }
            if !errors.isEmpty { throw AgenticError.validation(errors) }
            guard includeTasks else { return JSONResponse.resource(try await store.plan(id, tenant: tenant)) }
            let (plan, tasks) = try await store.plan(id, withTasks: includedTasks, tenant: tenant)
            var w = JSONWriter(capacity: 1024 + tasks.items.count * 768)
            Plan.fields.write(plan, to: &w) { w in
                w.key("tasks")
                w.beginArray()
                for task in tasks.items { task.write(to: &w) }
                w.endArray()
                w.key("tasks_next_cursor")
                w.string(tasks.nextCursor?.encoded)
            }
            return JSONResponse.resource(w.bytes, version: plan.version)
        }
    }
}
