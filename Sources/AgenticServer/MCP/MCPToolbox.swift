import AgenticCore
import AgenticStore
import Foundation
import MCP

/// The tools an LLM agent works with, each registered with the scope it needs. Every tool reads its
/// arguments with the reader of the matching HTTP body and calls the same store workflow as the
/// route, with the caller built from the request's key: the MCP endpoint adds no domain rule.
///
/// Adding a tool is one entry here; the route-walk test tries every entry with every scope.
public enum MCPToolbox {
    public static let tools: [MCPTool] = [
        registerAgent, createGoal, getPlan, getTask, claimTask, heartbeatTask, reportProgress, completeTask, failTask, requestApproval,
        waitForEvents,
    ]

    static func tool(named name: String) -> MCPTool? { tools.first { $0.name == name } }

    static let taskID = Schema.uuid("The task's id")
    static let agentID = Schema.uuid("The id of the agent holding (or taking) the lease")

    static let registerAgent = MCPTool(
        "register_agent", scope: .write,
        "Registers an agent (the worker identity that claims tasks); answers the agent with its `agent_id`.",
        schema: Schema.object(
            [
                "name": Schema.string("The agent's name, 1–200 characters"),
                "agent_type": Schema.string("An identifier, default `general`"),
                "agent_id": Schema.uuid("An id of your choosing (optional)"),
                "metadata": Schema.anyObject("Free-form metadata"),
            ], required: ["name"])
    ) { arguments, call in
        try await call.store.createAgent(try Agent.fields.draft(arguments), by: call.caller).jsonBytes()
    }

    static let createGoal = MCPTool(
        "create_goal", scope: .write,
        """
        Creates a goal and, with `plan`, a plan of tasks for it: `plan.tasks` are task bodies, each with a `ref` of \
        your choosing and `depends_on_refs` naming the refs it waits for. Answers `{goal, plan}`; the plan lists \
        `{ref, task_id}` of its tasks. Both are created or neither is.
        """,
        schema: Schema.object(
            [
                "goal_text": Schema.string("What the goal is"),
                "priority": Schema.integer("0–10, default 5"),
                "agent_id": Schema.uuid("The agent pursuing the goal (optional)"),
                "constraints": Schema.anyObject("Goal constraints (max_parallelism, forbidden_tools, deadline, …)"),
                "metadata": Schema.anyObject("Free-form metadata"),
                "plan": Schema.object(
                    [
                        "name": Schema.string("The plan's name"),
                        "tasks": Schema.array(
                            Schema.object(
                                [
                                    "ref": Schema.string("A name for this task within the plan"),
                                    "description": Schema.string("What to do"),
                                    "name": Schema.string("A short name"),
                                    "task_type": Schema.string("An identifier, default `atomic`"),
                                    "depends_on_refs": Schema.array(Schema.string("ref"), "Refs of tasks this one waits for"),
                                    "inputs": Schema.anyObject("The task's inputs"),
                                ], required: ["ref"]),
                            "The plan's tasks"),
                    ]),
            ], required: ["goal_text"])
    ) { arguments, call in
        let (goalBody, planBody) = MCPJSON.split(arguments, "plan")
        // Both bodies are read before anything is written, so a bad plan creates no goal.
        guard case .object(var goalObject) = goalBody else { throw AgenticError.validation(field: "arguments", "must be an object") }
        let goalID = goalObject[JSONKey("goal_id")]?.stringValue ?? UUID().lowercased
        goalObject[JSONKey("goal_id")] = .string(goalID)
        let goalDraft = try Goal.fields.draft(.object(goalObject))
        var creation: PlanCreation?
        if let planBody, !planBody.isNull {
            guard case .object(var planObject) = planBody else { throw AgenticError.validation(field: "plan", "must be an object") }
            planObject[JSONKey("goal_id")] = .string(goalID)
            do {
                creation = try PlanCreation.read(.object(planObject))
            } catch let error as AgenticError {
                throw AgenticError.validation(error.fieldErrors.map { FieldError(field: "plan.\($0.field)", message: $0.message) })
            }
        }
        let goal = try await call.store.createGoal(goalDraft, by: call.caller)
        var w = JSONWriter(capacity: 2048)
        w.beginObject()
        w.key("goal")
        goal.write(to: &w)
        if let creation {
            do {
                let plan = try await call.store.createPlan(creation, by: call.caller)
                w.key("plan")
                plan.write(to: &w)
            } catch {
                // The plan was refused (a forbidden tool, an unknown agent): take the goal back.
                try? await call.store.deleteGoal(goal.id, ifMatch: nil, by: call.caller)
                throw error
            }
        }
        w.endObject()
        return w.bytes
    }

    static let getPlan = MCPTool(
        "get_plan", scope: .read, "A plan with its status, task counts and tasks (the first 500).",
        schema: Schema.object(["plan_id": Schema.uuid("The plan's id")], required: ["plan_id"])
    ) { arguments, call in
        let id = try MCPJSON.uuid(arguments["plan_id"], "plan_id")
        let (plan, tasks) = try await call.store.plan(id, withTasks: PlanRoutes.includedTasks, tenant: call.tenant)
        return PlanRoutes.withTasks(plan, tasks)
    }

    static let getTask = MCPTool(
        "get_task", scope: .read, "A task: its status, inputs, outputs, lease and attempts.",
        schema: Schema.object(["task_id": taskID], required: ["task_id"])
    ) { arguments, call in
        try await call.store.task(try MCPJSON.uuid(arguments["task_id"], "task_id"), tenant: call.tenant).jsonBytes()
    }

    static let claimTask = MCPTool(
        "claim_task", scope: .write,
        "Leases ready tasks (pending, dependencies completed) to an agent, highest priority first. Answers `{data: [tasks]}`, empty when none is ready.",
        schema: Schema.object(
            [
                "agent_id": agentID,
                "plan_id": Schema.uuid("Only tasks of this plan"),
                "task_types": Schema.array(Schema.string("task type"), "Only tasks of these types"),
                "lease_seconds": Schema.integer("1–3600, default 60"),
                "limit": Schema.integer("1–100, default 1"),
            ], required: ["agent_id"])
    ) { arguments, call in
        MCPJSON.list(try await call.store.claimTasks(try ClaimRequest.read(arguments), by: call.caller))
    }

    static let heartbeatTask = MCPTool(
        "heartbeat_task", scope: .write, "Extends the lease of a task the agent holds.",
        schema: Schema.object(
            ["task_id": taskID, "agent_id": agentID, "lease_seconds": Schema.integer("1–3600")], required: ["task_id", "agent_id"])
    ) { arguments, call in
        let (id, body) = try MCPJSON.task(arguments)
        return try await call.store.heartbeat(id, try HeartbeatRequest.read(body), by: call.caller).jsonBytes()
    }

    static let reportProgress = MCPTool(
        "report_progress", scope: .write,
        "Records a step of a task the agent holds (a `task.progress` event); answers the event.",
        schema: Schema.object(
            [
                "task_id": taskID, "agent_id": agentID,
                "message": Schema.string("What happened"),
                "percent": .object(["type": "number", "description": "0–100"]),
                "data": Schema.anyObject("Details"),
            ], required: ["task_id", "agent_id"])
    ) { arguments, call in
        let (id, body) = try MCPJSON.task(arguments)
        return try await call.store.reportProgress(id, try ProgressRequest.read(body), by: call.caller).jsonBytes()
    }

    static let completeTask = MCPTool(
        "complete_task", scope: .write, "Completes a task the agent holds, with its outputs; dependents become ready.",
        schema: Schema.object(
            ["task_id": taskID, "agent_id": agentID, "outputs": Schema.anyObject("The task's results")], required: ["task_id", "agent_id"])
    ) { arguments, call in
        let (id, body) = try MCPJSON.task(arguments)
        return MCPJSON.outcome(try await call.store.completeTask(id, try CompleteRequest.read(body), by: call.caller))
    }

    static let failTask = MCPTool(
        "fail_task", scope: .write,
        "Records a failed attempt of a task the agent holds; with `retryable` and attempts left it returns to the queue.",
        schema: Schema.object(
            [
                "task_id": taskID, "agent_id": agentID,
                "error": Schema.anyObject("What went wrong, e.g. {\"message\": \"…\"}"),
                "retryable": Schema.boolean("Whether another attempt may succeed"),
            ], required: ["task_id", "agent_id"])
    ) { arguments, call in
        let (id, body) = try MCPJSON.task(arguments)
        return MCPJSON.outcome(try await call.store.failTask(id, try FailRequest.read(body), by: call.caller))
    }

    static let requestApproval = MCPTool(
        "request_approval", scope: .write,
        """
        Asks a person before going on with a task the agent holds: the lease is given back (the attempt does not count) \
        and the task waits in `awaiting_approval` until a person's approve key approves it (it can be claimed again) or \
        rejects it (it fails). Answers the task.
        """,
        schema: Schema.object(
            [
                "task_id": taskID, "agent_id": agentID,
                "question": Schema.string("What the person should decide, 1–10,000 characters"),
                "data": Schema.anyObject("What the person needs to decide"),
            ], required: ["task_id", "agent_id", "question"])
    ) { arguments, call in
        let (id, body) = try MCPJSON.task(arguments)
        return try await call.store.requestApproval(id, try ApprovalQuestion.read(body), by: call.caller).jsonBytes()
    }

    static let waitForEvents = MCPTool(
        "wait_for_events", scope: .read,
        """
        Events of the log after `after`, oldest first; waits up to `wait_seconds` (at most 30) until one arrives. \
        Answers `{data: [events], next_after}`: pass `next_after` as `after` next time.
        """,
        schema: Schema.object([
            "after": Schema.integer("An event id; 0 (the default) for the start"),
            "types": Schema.string("A comma list of event types or prefixes ending in `.` (`task.`)"),
            "resource_id": Schema.uuid("Only events about this resource"),
            "limit": Schema.integer("1–1000, default 100"),
            "wait_seconds": Schema.integer("0–30, default 10"),
        ])
    ) { arguments, call in
        let query = try EventWait.read(arguments)
        return try await call.store.eventFeed.events(
            after: query.after, filter: query.filter, limit: query.limit, tenant: call.tenant, timeout: .seconds(query.wait),
            store: call.store
        ).jsonBytes()
    }
}

/// The arguments of `wait_for_events`: those of `GET /events`, with the wait bounded the same way.
struct EventWait {
    var after: Int64 = 0
    var filter = EventFilter()
    var limit = 100
    var wait = 10

    static let maxWaitSeconds = 30

    static func read(_ arguments: JSONValue) throws(AgenticError) -> EventWait {
        var query = EventWait()
        var errors: [FieldError] = []
        for (key, value) in arguments.objectValue ?? [:] {
            switch key.string {
            case "after":
                if let n = value.intValue, n >= 0 { query.after = n } else { errors.append(FieldError(field: "after", message: "must be an integer ≥ 0")) }
            case "types":
                switch value.stringValue.map(EventTypeFilter.parse) {
                case .success(let types): query.filter.types = types
                case .failure(let problem): errors.append(FieldError(field: "types", message: problem.message))
                case nil: errors.append(FieldError(field: "types", message: "must be a string"))
                }
            case "resource_id":
                if let id = value.stringValue.flatMap(UUID.init(uuidString:)) { query.filter.resourceID = id } else {
                    errors.append(FieldError(field: "resource_id", message: "must be a UUID"))
                }
            case "limit":
                if let n = value.intValue, (1...1000).contains(n) { query.limit = Int(n) } else {
                    errors.append(FieldError(field: "limit", message: "must be an integer between 1 and 1000"))
                }
            case "wait_seconds":
                if let n = value.intValue, (0...Int64(maxWaitSeconds)).contains(n) { query.wait = Int(n) } else {
                    errors.append(FieldError(field: "wait_seconds", message: "must be whole seconds between 0 and \(maxWaitSeconds)"))
                }
            default:
                errors.append(FieldError(field: key.string, message: "is not an argument of wait_for_events"))
            }
        }
        if !errors.isEmpty { throw AgenticError.validation(errors) }
        return query
    }
}
