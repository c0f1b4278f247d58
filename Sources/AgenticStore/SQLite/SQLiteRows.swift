import AgenticCore
import Foundation
import SQLiteNIO

/// Decoding rows and encoding values for the embedded schema (see `SQLiteSchema`).
extension SQLiteRow {
    fileprivate func value(_ name: String) throws -> SQLiteData {
        guard let data = column(name) else { throw AgenticError.internal("column \(name) missing from row") }
        return data
    }

    func text(_ name: String) throws -> String {
        guard case .text(let s) = try value(name) else { throw AgenticError.internal("column \(name) is not text") }
        return s
    }

    func optionalText(_ name: String) throws -> String? {
        switch try value(name) {
        case .null: return nil
        case .text(let s): return s
        default: throw AgenticError.internal("column \(name) is not text")
        }
    }

    func int(_ name: String) throws -> Int64 {
        guard case .integer(let i) = try value(name) else { throw AgenticError.internal("column \(name) is not an integer") }
        return Int64(i)
    }

    func optionalInt(_ name: String) throws -> Int64? {
        switch try value(name) {
        case .null: return nil
        case .integer(let i): return Int64(i)
        default: throw AgenticError.internal("column \(name) is not an integer")
        }
    }

    func optionalDouble(_ name: String) throws -> Double? {
        switch try value(name) {
        case .null: return nil
        case .integer(let i): return Double(i)
        case .float(let d): return d
        default: throw AgenticError.internal("column \(name) is not a number")
        }
    }

    func uuid(_ name: String) throws -> UUID {
        guard let id = UUID(uuidString: try text(name)) else { throw AgenticError.internal("column \(name) is not a UUID") }
        return id
    }

    func optionalUUID(_ name: String) throws -> UUID? {
        try optionalText(name).flatMap(UUID.init(uuidString:))
    }

    func timestamp(_ name: String) throws -> Timestamp { Timestamp(microseconds: try int(name)) }

    func optionalTimestamp(_ name: String) throws -> Timestamp? { try optionalInt(name).map(Timestamp.init(microseconds:)) }

    func json(_ name: String) throws -> JSONValue {
        do {
            return try JSONParser.parse(try text(name))
        } catch let error as JSONParser.Error {
            throw AgenticError.internal("column \(name) holds invalid JSON: \(error)")
        }
    }

    func object(_ name: String) throws -> JSONObject {
        guard case .object(let o) = try json(name) else { throw AgenticError.internal("column \(name) is not an object") }
        return o
    }

    func optionalObject(_ name: String) throws -> JSONObject? {
        guard try optionalText(name) != nil else { return nil }
        return try object(name)
    }
}

extension SQLiteData {
    static func uuid(_ id: UUID) -> SQLiteData { .text(id.lowercased) }
    static func uuid(_ id: UUID?) -> SQLiteData { id.map { .text($0.lowercased) } ?? .null }
    static func time(_ t: Timestamp) -> SQLiteData { .integer(SQLiteInt64(t.microseconds)) }
    static func time(_ t: Timestamp?) -> SQLiteData { t.map { .integer(SQLiteInt64($0.microseconds)) } ?? .null }
    static func int(_ i: Int64) -> SQLiteData { .integer(SQLiteInt64(i)) }
    static func text(_ s: String?) -> SQLiteData { s.map { .text($0) } ?? .null }
    static func json(_ object: JSONObject) -> SQLiteData { .text(JSONValue.object(object).description) }
    static func json(_ object: JSONObject?) -> SQLiteData { object.map { .json($0) } ?? .null }
    static func json(_ value: some JSONWritable) -> SQLiteData { .text(value.jsonString) }
    /// A JSON array of ids, for `IN (SELECT value FROM json_each(?))`.
    static func ids(_ ids: [UUID]) -> SQLiteData {
        var w = JSONWriter(capacity: ids.count * 40 + 2)
        w.beginArray()
        for id in ids { w.uuid(id) }
        w.endArray()
        return .text(w.string)
    }
    static func strings(_ values: [String]) -> SQLiteData {
        var w = JSONWriter()
        w.strings(values)
        return .text(w.string)
    }
}

/// Column lists and row decoders, one per resource.
enum SQLiteColumns {
    static let agent = ColumnList.agent
    static let goal = ColumnList.goal
    static let plan = ColumnList.plan
    static let task = ColumnList.task
    static let key = ColumnList.key

    /// `'completed', 'failed', 'cancelled'`: from the domain's own list, never from user text.
    static let terminalPlanStatuses = PlanStatus.terminalStatuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    static func agentRow(_ r: SQLiteRow) throws -> Agent {
        guard let status = AgentStatus(rawValue: try r.text("status")) else { throw AgenticError.internal("bad agent status") }
        return Agent(
            id: try r.uuid("agent_id"), tenant: try r.text("tenant"), did: try r.text("did"), name: try r.text("name"),
            agentType: try r.text("agent_type"), status: status, configuration: try r.object("configuration"),
            metadata: try r.object("metadata"), resourceLimits: try r.object("resource_limits"),
            version: try r.int("version"), createdAt: try r.timestamp("created_at"), updatedAt: try r.timestamp("updated_at"))
    }

    static func goalRow(_ r: SQLiteRow) throws -> Goal {
        guard let status = GoalStatus(rawValue: try r.text("status")) else { throw AgenticError.internal("bad goal status") }
        let constraints = try GoalConstraints(json: try r.json("constraints"))
        let criteria = try r.json("success_criteria").arrayValue?.compactMap(\.stringValue) ?? []
        return Goal(
            id: try r.uuid("goal_id"), tenant: try r.text("tenant"), agentID: try r.optionalUUID("agent_id"),
            agentDID: try r.optionalText("agent_did"), goalText: try r.text("goal_text"), goalType: try r.text("goal_type"),
            status: status, priority: try r.int("priority"), constraints: constraints, successCriteria: criteria,
            parentGoalID: try r.optionalUUID("parent_goal_id"), metadata: try r.object("metadata"),
            completedAt: try r.optionalTimestamp("completed_at"), version: try r.int("version"),
            createdAt: try r.timestamp("created_at"), updatedAt: try r.timestamp("updated_at"))
    }

    static func planRow(_ r: SQLiteRow) throws -> Plan {
        guard let status = PlanStatus(rawValue: try r.text("status")) else { throw AgenticError.internal("bad plan status") }
        return Plan(
            id: try r.uuid("plan_id"), tenant: try r.text("tenant"), goalID: try r.uuid("goal_id"),
            agentID: try r.optionalUUID("agent_id"), name: try r.text("name"), status: status,
            resourceBudget: try r.object("resource_budget"), metadata: try r.object("metadata"),
            startedAt: try r.optionalTimestamp("started_at"), completedAt: try r.optionalTimestamp("completed_at"),
            version: try r.int("version"), createdAt: try r.timestamp("created_at"), updatedAt: try r.timestamp("updated_at"))
    }

    static func taskRow(_ r: SQLiteRow) throws -> PlanTask {
        guard let status = TaskStatus(rawValue: try r.text("status")) else { throw AgenticError.internal("bad task status") }
        let dependsOn = try r.json("depends_on").arrayValue?.compactMap { $0.stringValue.flatMap(UUID.init(uuidString:)) } ?? []
        return PlanTask(
            id: try r.uuid("task_id"), tenant: try r.text("tenant"), planID: try r.uuid("plan_id"),
            agentID: try r.optionalUUID("agent_id"), name: try r.text("name"), description: try r.text("description"),
            taskType: try r.text("task_type"), status: status, inputs: try r.object("inputs"), outputs: try r.object("outputs"),
            dependsOn: dependsOn, priority: try r.int("priority"), timeoutSeconds: try r.int("timeout_seconds"),
            maxAttempts: try r.int("max_attempts"), attempts: try r.int("attempts"),
            leaseExpiresAt: try r.optionalTimestamp("lease_expires_at"), error: try r.optionalObject("error"),
            toolName: try r.optionalText("tool_name"), startedAt: try r.optionalTimestamp("started_at"),
            completedAt: try r.optionalTimestamp("completed_at"), version: try r.int("version"),
            createdAt: try r.timestamp("created_at"), updatedAt: try r.timestamp("updated_at"))
    }

    static func eventRow(_ r: SQLiteRow) throws -> Event {
        Event(
            id: try r.int("event_id"), tenant: try r.text("tenant"), type: try r.text("type"), resourceID: try r.optionalUUID("resource_id"),
            data: Array(try r.text("data").utf8), actor: try r.text("actor"), createdAt: try r.timestamp("created_at"))
    }

    static func keyRow(_ r: SQLiteRow) throws -> ApiKey {
        guard let scope = Scope(rawValue: try r.text("scope")) else { throw AgenticError.internal("bad key scope") }
        var rateLimit: RateLimit?
        if let rps = try r.optionalDouble("rate_rps"), let burst = try r.optionalInt("rate_burst") {
            rateLimit = RateLimit(requestsPerSecond: rps, burst: burst)
        }
        return ApiKey(
            id: try r.uuid("key_id"), tenant: try r.text("tenant"), name: try r.text("name"), scope: scope,
            hash: try r.text("key_hash"), prefix: try r.text("prefix"), expiresAt: try r.optionalTimestamp("expires_at"),
            rateLimit: rateLimit, unlimited: try r.int("unlimited") != 0, createdAt: try r.timestamp("created_at"),
            revokedAt: try r.optionalTimestamp("revoked_at"))
    }
}

/// Builds the SQL of a newest-first listing from fixed fragments; only values are bound.
struct SQLiteListing {
    let table: String
    let idColumn: String
    let columns: String
    /// filter name → (column, index that serves it), in order of preference.
    let filters: [(name: String, column: String, index: String)]
    let defaultIndex: String

    func sql(_ query: ListQuery, tenant: String) -> (String, [SQLiteData]) {
        var conditions = ["tenant = ?1"]
        var binds: [SQLiteData] = [.text(tenant)]
        var index = defaultIndex
        var chosen = false
        for filter in filters {
            let value: SQLiteData?
            switch filter.name {
            case "status": value = query.status.map { .text($0) }
            case "agent_type": value = query.agentType.map { .text($0) }
            case "agent_id": value = query.agentID.map { .uuid($0) }
            case "goal_id": value = query.goalID.map { .uuid($0) }
            case "plan_id": value = query.planID.map { .uuid($0) }
            default: value = nil
            }
            guard let value else { continue }
            binds.append(value)
            conditions.append("\(filter.column) = ?\(binds.count)")
            if !chosen {
                index = filter.index
                chosen = true
            }
        }
        if let cursor = query.cursor {
            binds.append(.time(cursor.createdAt))
            binds.append(.uuid(cursor.id))
            conditions.append("(created_at, \(idColumn)) < (?\(binds.count - 1), ?\(binds.count))")
        }
        binds.append(.integer(SQLiteInt64(query.limit + 1)))
        let sql = """
            SELECT \(columns) FROM \(table) INDEXED BY \(index) WHERE \(conditions.joined(separator: " AND ")) \
            ORDER BY created_at DESC, \(idColumn) DESC LIMIT ?\(binds.count)
            """
        return (sql, binds)
    }

    static let agents = SQLiteListing(
        table: "agents", idColumn: "agent_id", columns: SQLiteColumns.agent,
        filters: [("status", "status", "agents_by_status"), ("agent_type", "agent_type", "agents_by_type")],
        defaultIndex: "agents_list")
    static let goals = SQLiteListing(
        table: "goals", idColumn: "goal_id", columns: SQLiteColumns.goal,
        filters: [("agent_id", "agent_id", "goals_by_agent"), ("status", "status", "goals_by_status")],
        defaultIndex: "goals_list")
    static let plans = SQLiteListing(
        table: "plans", idColumn: "plan_id", columns: SQLiteColumns.plan,
        filters: [
            ("goal_id", "goal_id", "plans_by_goal"), ("agent_id", "agent_id", "plans_by_agent"),
            ("status", "status", "plans_by_status"),
        ],
        defaultIndex: "plans_list")
    static let tasks = SQLiteListing(
        table: "tasks", idColumn: "task_id", columns: SQLiteColumns.task,
        filters: [
            ("plan_id", "plan_id", "tasks_by_plan"), ("agent_id", "agent_id", "tasks_by_agent"),
            ("status", "status", "tasks_by_status"),
        ],
        defaultIndex: "tasks_list")
}
