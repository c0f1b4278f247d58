import Foundation

// Decoding the JSON the resources write (`write(to:)`), for the Swift client and snapshot import.
// The tenant is not part of a resource's JSON; callers supply it.

extension Agent {
    public init(json: JSONValue, tenant: String = ApiKey.defaultTenant) throws(JSONShapeError) {
        let f = try JSONFields(json)
        self.init(
            id: try f.uuid("agent_id"), tenant: tenant, did: try f.string("did"), name: try f.string("name"),
            agentType: try f.string("agent_type"), status: try f.enumeration("status", AgentStatus.self),
            configuration: try f.object("configuration"), metadata: try f.object("metadata"),
            resourceLimits: try f.object("resource_limits"), version: try f.int("version"),
            createdAt: try f.timestamp("created_at"), updatedAt: try f.timestamp("updated_at"))
    }
}

extension GoalConstraints {
    public init(json: JSONValue) throws(JSONShapeError) {
        let f = try JSONFields(json, path: "constraints")
        self.init()
        maxTokenBudget = try f.optionalInt("max_token_budget")
        maxExecutionTimeSec = try f.optionalInt("max_execution_time_sec")
        maxParallelism = try f.int("max_parallelism")
        deadline = try f.optionalTimestamp("deadline")
        requireApproval = try f.bool("require_approval")
        allowedAgentTypes = try f.strings("allowed_agent_types")
        forbiddenTools = try f.strings("forbidden_tools")
        costLimitUSD = try f.optionalDouble("cost_limit_usd")
    }
}

extension Goal {
    public init(json: JSONValue, tenant: String = ApiKey.defaultTenant) throws(JSONShapeError) {
        let f = try JSONFields(json)
        self.init(
            id: try f.uuid("goal_id"), tenant: tenant, agentID: try f.optionalUUID("agent_id"),
            agentDID: try f.optionalString("agent_did"), goalText: try f.string("goal_text"), goalType: try f.string("goal_type"),
            status: try f.enumeration("status", GoalStatus.self), priority: try f.int("priority"),
            constraints: try GoalConstraints(json: .object(try f.object("constraints"))),
            successCriteria: try f.strings("success_criteria"), parentGoalID: try f.optionalUUID("parent_goal_id"),
            metadata: try f.object("metadata"), completedAt: try f.optionalTimestamp("completed_at"),
            version: try f.int("version"), createdAt: try f.timestamp("created_at"), updatedAt: try f.timestamp("updated_at"))
    }
}

extension TaskCounts {
    public init(json: JSONValue) throws(JSONShapeError) {
        let f = try JSONFields(json, path: "task_counts")
        var counts: [TaskStatus: Int64] = [:]
        for status in TaskStatus.allCases { counts[status] = try f.optionalInt(status.rawValue) ?? 0 }
        self.init(counts)
    }
}

extension Plan {
    public init(json: JSONValue, tenant: String = ApiKey.defaultTenant) throws(JSONShapeError) {
        let f = try JSONFields(json)
        self.init(
            id: try f.uuid("plan_id"), tenant: tenant, goalID: try f.uuid("goal_id"), agentID: try f.optionalUUID("agent_id"),
            name: try f.string("name"), status: try f.enumeration("status", PlanStatus.self),
            resourceBudget: try f.object("resource_budget"), metadata: try f.object("metadata"),
            taskCounts: try f.optionalObject("task_counts").map { obj throws(JSONShapeError) in try TaskCounts(json: .object(obj)) } ?? TaskCounts(),
            startedAt: try f.optionalTimestamp("started_at"), completedAt: try f.optionalTimestamp("completed_at"),
            version: try f.int("version"), createdAt: try f.timestamp("created_at"), updatedAt: try f.timestamp("updated_at"))
    }
}

extension PlanTask {
    public init(json: JSONValue, tenant: String = ApiKey.defaultTenant) throws(JSONShapeError) {
        let f = try JSONFields(json)
        self.init(
            id: try f.uuid("task_id"), tenant: tenant, planID: try f.uuid("plan_id"), agentID: try f.optionalUUID("agent_id"),
            name: try f.string("name"), description: try f.string("description"), taskType: try f.string("task_type"),
            status: try f.enumeration("status", TaskStatus.self), inputs: try f.object("inputs"), outputs: try f.object("outputs"),
            dependsOn: try f.uuids("depends_on"), priority: try f.int("priority"), timeoutSeconds: try f.int("timeout_seconds"),
            maxAttempts: try f.int("max_attempts"), attempts: try f.int("attempts"),
            leaseExpiresAt: try f.optionalTimestamp("lease_expires_at"), error: try f.optionalObject("error"),
            toolName: try f.optionalString("tool_name"), startedAt: try f.optionalTimestamp("started_at"),
            completedAt: try f.optionalTimestamp("completed_at"), version: try f.int("version"),
            createdAt: try f.timestamp("created_at"), updatedAt: try f.timestamp("updated_at"))
    }
}

extension Event {
    public init(json: JSONValue, tenant: String = ApiKey.defaultTenant) throws(JSONShapeError) {
        let f = try JSONFields(json)
        guard let data = f.object["data"] else { throw JSONShapeError(path: "data", message: "is missing") }
        self.init(
            id: try f.int("event_id"), tenant: tenant, type: try f.string("type"), resourceID: try f.optionalUUID("resource_id"),
            data: Array(data.description.utf8), actor: try f.string("actor"), createdAt: try f.timestamp("created_at"))
    }
}

extension RateLimit {
    public init(json: JSONValue) throws(JSONShapeError) {
        let f = try JSONFields(json, path: "rate_limit")
        guard let rps = try f.optionalDouble("requests_per_second") else {
            throw JSONShapeError(path: "rate_limit.requests_per_second", message: "is missing")
        }
        self.init(requestsPerSecond: rps, burst: try f.int("burst"))
    }
}
