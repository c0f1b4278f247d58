import AgenticCore
import Foundation
import PostgresNIO

/// Column lists and row decoders for the PostgreSQL schema, one per resource.
enum PostgresColumns {
    static let agent = ColumnList.agent
    static let goal = ColumnList.goal
    static let plan = ColumnList.plan
    static let task = ColumnList.task
    static let key = ColumnList.key

    /// `'completed', 'failed', 'cancelled'`: from the domain's own list, never from user text.
    static let terminalPlanStatuses = PlanStatus.terminalStatuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    static func agentRow(_ r: PostgresRandomAccessRow) throws -> Agent {
        guard let status = AgentStatus(rawValue: try r.get("status")) else { throw AgenticError.internal("bad agent status") }
        return Agent(
            id: try r.get("agent_id"), tenant: try r.get("tenant"), did: try r.get("did"), name: try r.get("name"),
            agentType: try r.get("agent_type"), status: status, configuration: try r.object("configuration"),
            metadata: try r.object("metadata"), resourceLimits: try r.object("resource_limits"), version: try r.get("version"),
            createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"))
    }

    static func goalRow(_ r: PostgresRandomAccessRow) throws -> Goal {
        guard let status = GoalStatus(rawValue: try r.get("status")) else { throw AgenticError.internal("bad goal status") }
        let constraints = try GoalConstraints(json: try r.json("constraints"))
        let criteria = try r.json("success_criteria").arrayValue?.compactMap(\.stringValue) ?? []
        return Goal(
            id: try r.get("goal_id"), tenant: try r.get("tenant"), agentID: try r.get("agent_id"),
            agentDID: try r.get("agent_did"), goalText: try r.get("goal_text"), goalType: try r.get("goal_type"),
            status: status, priority: Int64(try r.get("priority", as: Int32.self)), constraints: constraints,
            successCriteria: criteria, parentGoalID: try r.get("parent_goal_id"), metadata: try r.object("metadata"),
            completedAt: try r.get("completed_at"), version: try r.get("version"), createdAt: try r.get("created_at"),
            updatedAt: try r.get("updated_at"))
    }

    static func planRow(_ r: PostgresRandomAccessRow) throws -> Plan {
        guard let status = PlanStatus(rawValue: try r.get("status")) else { throw AgenticError.internal("bad plan status") }
        return Plan(
            id: try r.get("plan_id"), tenant: try r.get("tenant"), goalID: try r.get("goal_id"), agentID: try r.get("agent_id"),
            name: try r.get("name"), status: status, resourceBudget: try r.object("resource_budget"),
            metadata: try r.object("metadata"), startedAt: try r.get("started_at"), completedAt: try r.get("completed_at"),
            version: try r.get("version"), createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"))
    }

    static func taskRow(_ r: PostgresRandomAccessRow) throws -> PlanTask {
        guard let status = TaskStatus(rawValue: try r.get("status")) else { throw AgenticError.internal("bad task status") }
        return PlanTask(
            id: try r.get("task_id"), tenant: try r.get("tenant"), planID: try r.get("plan_id"), agentID: try r.get("agent_id"),
            name: try r.get("name"), description: try r.get("description"), taskType: try r.get("task_type"), status: status,
            inputs: try r.object("inputs"), outputs: try r.object("outputs"), dependsOn: try r.get("depends_on"),
            priority: Int64(try r.get("priority", as: Int32.self)),
            timeoutSeconds: Int64(try r.get("timeout_seconds", as: Int32.self)),
            maxAttempts: Int64(try r.get("max_attempts", as: Int32.self)), attempts: Int64(try r.get("attempts", as: Int32.self)),
            leaseExpiresAt: try r.get("lease_expires_at"), error: try r.optionalObject("error"), toolName: try r.get("tool_name"),
            startedAt: try r.get("started_at"), completedAt: try r.get("completed_at"), version: try r.get("version"),
            createdAt: try r.get("created_at"), updatedAt: try r.get("updated_at"))
    }

    static let event = "event_id, tenant, type, resource_id, data, actor, created_at"

    static func eventRow(_ r: PostgresRandomAccessRow) throws -> Event {
        Event(
            id: try r.get("event_id"), tenant: try r.get("tenant"), type: try r.get("type"), resourceID: try r.get("resource_id"),
            data: try r.get("data", as: JSONB.self).bytes, actor: try r.get("actor"), createdAt: try r.get("created_at"))
    }

    static func keyRow(_ r: PostgresRandomAccessRow) throws -> ApiKey {
        guard let scope = Scope(rawValue: try r.get("scope")) else { throw AgenticError.internal("bad key scope") }
        var rateLimit: RateLimit?
        if let rps = try r.get("rate_rps", as: Double?.self), let burst = try r.get("rate_burst", as: Int64?.self) {
            rateLimit = RateLimit(requestsPerSecond: rps, burst: burst)
        }
        return ApiKey(
            id: try r.get("key_id"), tenant: try r.get("tenant"), name: try r.get("name"), scope: scope,
            hash: try r.get("key_hash"), prefix: try r.get("prefix"), expiresAt: try r.get("expires_at"), rateLimit: rateLimit,
            unlimited: try r.get("unlimited"), createdAt: try r.get("created_at"), revokedAt: try r.get("revoked_at"))
    }
}

/// Builds a newest-first listing from fixed fragments; only values are bound.
struct PostgresListing {
    let table: String
    let idColumn: String
    let columns: String
    /// The filters this collection accepts, with their column.
    let filters: [(name: String, column: String)]

    func query(_ query: ListQuery, tenant: String) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(tenant)
        var conditions = ["tenant = $1"]
        for filter in filters {
            switch filter.name {
            case "status": if let v = query.status { binds.append(v) } else { continue }
            case "agent_type": if let v = query.agentType { binds.append(v) } else { continue }
            case "agent_id": if let v = query.agentID { binds.append(v) } else { continue }
            case "goal_id": if let v = query.goalID { binds.append(v) } else { continue }
            case "plan_id": if let v = query.planID { binds.append(v) } else { continue }
            default: continue
            }
            conditions.append("\(filter.column) = $\(binds.count)")
        }
        if let cursor = query.cursor {
            binds.append(cursor.createdAt)
            binds.append(cursor.id)
            conditions.append("(created_at, \(idColumn)) < ($\(binds.count - 1), $\(binds.count))")
        }
        binds.append(Int64(query.limit + 1))
        return PostgresQuery(
            unsafeSQL: """
                SELECT \(columns) FROM \(table) WHERE \(conditions.joined(separator: " AND "))
                ORDER BY created_at DESC, \(idColumn) DESC LIMIT $\(binds.count)
                """, binds: binds)
    }

    static let agents = PostgresListing(
        table: "agents", idColumn: "agent_id", columns: PostgresColumns.agent,
        filters: [("status", "status"), ("agent_type", "agent_type")])
    static let goals = PostgresListing(
        table: "goals", idColumn: "goal_id", columns: PostgresColumns.goal, filters: [("agent_id", "agent_id"), ("status", "status")])
    static let plans = PostgresListing(
        table: "plans", idColumn: "plan_id", columns: PostgresColumns.plan,
        filters: [("goal_id", "goal_id"), ("agent_id", "agent_id"), ("status", "status")])
    static let tasks = PostgresListing(
        table: "tasks", idColumn: "task_id", columns: PostgresColumns.task,
        filters: [("plan_id", "plan_id"), ("agent_id", "agent_id"), ("status", "status")])
}
