import AgenticCore
import Foundation
import SQLiteNIO

/// The row primitives on one SQLite connection. On the write connection every call runs inside the
/// store's single write transaction, so `lock` needs no SQL: nobody else can write meanwhile. Every
/// statement names the tenant: resources are keyed by `(tenant, id)`.
public struct SQLiteTransaction: StoreTransaction {
    let connection: SQLiteConnection

    @discardableResult
    func run(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        do {
            return try await connection.query(sql, binds)
        } catch let error as SQLiteError {
            throw SQLiteErrors.map(error)
        }
    }

    // MARK: agents

    public func agent(_ id: UUID, tenant: String, lock: RowLock) async throws -> Agent? {
        try await run("SELECT \(SQLiteColumns.agent) FROM agents WHERE agent_id = ?1 AND tenant = ?2", [.uuid(id), .text(tenant)])
            .first.map(SQLiteColumns.agentRow)
    }

    public func insertAgent(_ a: Agent) async throws {
        try await run(
            "INSERT INTO agents (\(SQLiteColumns.agent)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            [
                .uuid(a.id), .text(a.tenant), .text(a.did), .text(a.name), .text(a.agentType), .text(a.status.rawValue),
                .json(a.configuration), .json(a.metadata), .json(a.resourceLimits), .int(a.version), .time(a.createdAt),
                .time(a.updatedAt),
            ])
    }

    public func updateAgent(_ a: Agent) async throws {
        try await run(
            """
            UPDATE agents SET did = ?2, name = ?3, agent_type = ?4, status = ?5, configuration = ?6, metadata = ?7,
                resource_limits = ?8, version = ?9, updated_at = ?10 WHERE agent_id = ?1 AND tenant = ?11
            """,
            [
                .uuid(a.id), .text(a.did), .text(a.name), .text(a.agentType), .text(a.status.rawValue), .json(a.configuration),
                .json(a.metadata), .json(a.resourceLimits), .int(a.version), .time(a.updatedAt), .text(a.tenant),
            ])
    }

    public func deleteAgent(_ id: UUID, tenant: String) async throws {
        try await run("DELETE FROM agents WHERE tenant = ?1 AND agent_id = ?2", [.text(tenant), .uuid(id)])
    }

    public func agents(_ query: ListQuery, tenant: String) async throws -> [Agent] {
        let (sql, binds) = SQLiteListing.agents.sql(query, tenant: tenant)
        return try await run(sql, binds).map(SQLiteColumns.agentRow)
    }

    public func detachAgent(_ id: UUID, tenant: String, at now: Timestamp) async throws -> (goals: [Goal], plans: [Plan], tasks: [PlanTask]) {
        let binds: [SQLiteData] = [.uuid(id), .time(now), .text(tenant)]
        let tasks = try await run(
            """
            UPDATE tasks SET agent_id = NULL, version = version + 1, updated_at = ?2 WHERE tenant = ?3 AND agent_id = ?1
            RETURNING \(SQLiteColumns.task)
            """, binds
        ).map(SQLiteColumns.taskRow)
        var plans = try await run(
            """
            UPDATE plans SET agent_id = NULL, version = version + 1, updated_at = ?2 WHERE tenant = ?3 AND agent_id = ?1
            RETURNING \(SQLiteColumns.plan)
            """, binds
        ).map(SQLiteColumns.planRow)
        let counts = try await taskCounts(ofPlans: plans.map(\.id), tenant: tenant)
        for index in plans.indices { plans[index].taskCounts = counts[plans[index].id] ?? TaskCounts() }
        let goals = try await run(
            """
            UPDATE goals SET agent_id = NULL, version = version + 1, updated_at = ?2 WHERE tenant = ?3 AND agent_id = ?1
            RETURNING \(SQLiteColumns.goal)
            """, binds
        ).map(SQLiteColumns.goalRow)
        return (goals, plans, tasks)
    }

    // MARK: goals

    public func goal(_ id: UUID, tenant: String, lock: RowLock) async throws -> Goal? {
        try await run("SELECT \(SQLiteColumns.goal) FROM goals WHERE goal_id = ?1 AND tenant = ?2", [.uuid(id), .text(tenant)])
            .first.map(SQLiteColumns.goalRow)
    }

    public func goals(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [Goal] {
        guard !ids.isEmpty else { return [] }
        return try await run(
            "SELECT \(SQLiteColumns.goal) FROM goals WHERE tenant = ?2 AND goal_id IN (SELECT value FROM json_each(?1)) ORDER BY goal_id",
            [.ids(ids), .text(tenant)]
        ).map(SQLiteColumns.goalRow)
    }

    public func insertGoal(_ g: Goal) async throws {
        try await run(
            "INSERT INTO goals (\(SQLiteColumns.goal)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            [
                .uuid(g.id), .text(g.tenant), .uuid(g.agentID), .text(g.agentDID), .text(g.goalText), .text(g.goalType),
                .text(g.status.rawValue), .int(g.priority), .json(g.constraints), .strings(g.successCriteria),
                .uuid(g.parentGoalID), .json(g.metadata), .time(g.completedAt), .int(g.version), .time(g.createdAt),
                .time(g.updatedAt),
            ])
    }

    public func updateGoal(_ g: Goal) async throws {
        try await run(
            """
            UPDATE goals SET agent_id = ?2, agent_did = ?3, goal_text = ?4, goal_type = ?5, status = ?6, priority = ?7,
                constraints = ?8, success_criteria = ?9, parent_goal_id = ?10, metadata = ?11, completed_at = ?12,
                version = ?13, updated_at = ?14 WHERE goal_id = ?1 AND tenant = ?15
            """,
            [
                .uuid(g.id), .uuid(g.agentID), .text(g.agentDID), .text(g.goalText), .text(g.goalType), .text(g.status.rawValue),
                .int(g.priority), .json(g.constraints), .strings(g.successCriteria), .uuid(g.parentGoalID), .json(g.metadata),
                .time(g.completedAt), .int(g.version), .time(g.updatedAt), .text(g.tenant),
            ])
    }

    public func deleteGoal(_ id: UUID, tenant: String) async throws {
        try await run("DELETE FROM goals WHERE tenant = ?1 AND goal_id = ?2", [.text(tenant), .uuid(id)])
    }

    public func goals(_ query: ListQuery, tenant: String) async throws -> [Goal] {
        let (sql, binds) = SQLiteListing.goals.sql(query, tenant: tenant)
        return try await run(sql, binds).map(SQLiteColumns.goalRow)
    }

    public func subgoalIDs(of ids: [UUID], tenant: String) async throws -> [UUID] {
        guard !ids.isEmpty else { return [] }
        return try await run(
            "SELECT goal_id FROM goals WHERE tenant = ?2 AND parent_goal_id IN (SELECT value FROM json_each(?1))", [.ids(ids), .text(tenant)]
        ).map { try $0.uuid("goal_id") }
    }

    // MARK: plans

    public func plan(_ id: UUID, tenant: String, lock: RowLock) async throws -> Plan? {
        try await run("SELECT \(SQLiteColumns.plan) FROM plans WHERE plan_id = ?1 AND tenant = ?2", [.uuid(id), .text(tenant)])
            .first.map(SQLiteColumns.planRow)
    }

    public func plans(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [Plan] {
        guard !ids.isEmpty else { return [] }
        return try await run(
            "SELECT \(SQLiteColumns.plan) FROM plans WHERE tenant = ?2 AND plan_id IN (SELECT value FROM json_each(?1)) ORDER BY plan_id",
            [.ids(ids), .text(tenant)]
        ).map(SQLiteColumns.planRow)
    }

    public func plans(ofGoals goalIDs: [UUID], tenant: String, lock: RowLock) async throws -> [Plan] {
        guard !goalIDs.isEmpty else { return [] }
        return try await run(
            """
            SELECT \(SQLiteColumns.plan) FROM plans WHERE tenant = ?2 AND goal_id IN (SELECT value FROM json_each(?1))
            ORDER BY created_at, plan_id
            """,
            [.ids(goalIDs), .text(tenant)]
        ).map(SQLiteColumns.planRow)
    }

    public func insertPlan(_ p: Plan) async throws {
        try await run(
            "INSERT INTO plans (\(SQLiteColumns.plan)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            [
                .uuid(p.id), .text(p.tenant), .uuid(p.goalID), .uuid(p.agentID), .text(p.name), .text(p.status.rawValue),
                .json(p.resourceBudget), .json(p.metadata), .time(p.startedAt), .time(p.completedAt), .int(p.version),
                .time(p.createdAt), .time(p.updatedAt),
            ])
    }

    public func updatePlan(_ p: Plan) async throws {
        try await run(
            """
            UPDATE plans SET agent_id = ?2, name = ?3, status = ?4, resource_budget = ?5, metadata = ?6, started_at = ?7,
                completed_at = ?8, version = ?9, updated_at = ?10 WHERE plan_id = ?1 AND tenant = ?11
            """,
            [
                .uuid(p.id), .uuid(p.agentID), .text(p.name), .text(p.status.rawValue), .json(p.resourceBudget),
                .json(p.metadata), .time(p.startedAt), .time(p.completedAt), .int(p.version), .time(p.updatedAt), .text(p.tenant),
            ])
    }

    public func deletePlan(_ id: UUID, tenant: String) async throws {
        try await run("DELETE FROM plans WHERE tenant = ?1 AND plan_id = ?2", [.text(tenant), .uuid(id)])
    }

    public func plans(_ query: ListQuery, tenant: String) async throws -> [Plan] {
        let (sql, binds) = SQLiteListing.plans.sql(query, tenant: tenant)
        return try await run(sql, binds).map(SQLiteColumns.planRow)
    }

    public func taskCounts(ofPlans ids: [UUID], tenant: String) async throws -> [UUID: TaskCounts] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await run(
            """
            SELECT plan_id, status, count(*) AS n FROM tasks INDEXED BY tasks_by_plan_status
            WHERE tenant = ?2 AND plan_id IN (SELECT value FROM json_each(?1)) GROUP BY plan_id, status
            """, [.ids(ids), .text(tenant)])
        var counts: [UUID: TaskCounts] = [:]
        for row in rows {
            guard let status = TaskStatus(rawValue: try row.text("status")) else { continue }
            counts[try row.uuid("plan_id"), default: TaskCounts()][status] = try row.int("n")
        }
        return counts
    }

    // MARK: tasks

    public func task(_ id: UUID, tenant: String, lock: RowLock) async throws -> PlanTask? {
        try await run("SELECT \(SQLiteColumns.task) FROM tasks WHERE task_id = ?1 AND tenant = ?2", [.uuid(id), .text(tenant)])
            .first.map(SQLiteColumns.taskRow)
    }

    public func tasks(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [PlanTask] {
        guard !ids.isEmpty else { return [] }
        return try await run(
            "SELECT \(SQLiteColumns.task) FROM tasks WHERE tenant = ?2 AND task_id IN (SELECT value FROM json_each(?1)) ORDER BY task_id",
            [.ids(ids), .text(tenant)]
        ).map(SQLiteColumns.taskRow)
    }

    public func tasks(ofPlans planIDs: [UUID], tenant: String, statuses: [TaskStatus]?, lock: RowLock) async throws -> [PlanTask] {
        guard !planIDs.isEmpty else { return [] }
        let statuses = (statuses ?? TaskStatus.allCases).map(\.rawValue)
        return try await run(
            """
            SELECT \(SQLiteColumns.task) FROM tasks WHERE tenant = ?3 AND plan_id IN (SELECT value FROM json_each(?1))
            AND status IN (SELECT value FROM json_each(?2)) ORDER BY created_at, task_id
            """, [.ids(planIDs), .strings(statuses), .text(tenant)]
        ).map(SQLiteColumns.taskRow)
    }

    public func tasks(leasedBy agent: UUID, tenant: String, lock: RowLock) async throws -> [PlanTask] {
        try await run(
            "SELECT \(SQLiteColumns.task) FROM tasks WHERE tenant = ?2 AND agent_id = ?1 AND status = 'running'",
            [.uuid(agent), .text(tenant)]
        ).map(SQLiteColumns.taskRow)
    }

    public func dependents(of ids: [UUID], tenant: String, lock: RowLock) async throws -> [PlanTask] {
        guard !ids.isEmpty else { return [] }
        return try await run(
            """
            SELECT \(SQLiteColumns.task) FROM tasks WHERE tenant = ?2 AND task_id IN (
                SELECT task_id FROM task_dependencies WHERE tenant = ?2 AND depends_on IN (SELECT value FROM json_each(?1)))
            ORDER BY created_at, task_id
            """, [.ids(ids), .text(tenant)]
        ).map(SQLiteColumns.taskRow)
    }

    public func insertTask(_ t: PlanTask, unmetDependencies: Int) async throws {
        try await insertTaskRow(t, unmetDependencies: unmetDependencies)
        if !t.dependsOn.isEmpty {
            try await run(
                "INSERT INTO task_dependencies (tenant, task_id, depends_on) SELECT ?3, ?1, value FROM json_each(?2)",
                [.uuid(t.id), .ids(t.dependsOn), .text(t.tenant)])
        }
    }

    func insertTaskRow(_ t: PlanTask, unmetDependencies: Int) async throws {
        try await run(
            """
            INSERT INTO tasks (\(SQLiteColumns.task), unmet_dependencies) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
                ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)
            """,
            [
                .uuid(t.id), .text(t.tenant), .uuid(t.planID), .uuid(t.agentID), .text(t.name), .text(t.description),
                .text(t.taskType), .text(t.status.rawValue), .json(t.inputs), .json(t.outputs), .ids(t.dependsOn),
                .int(t.priority), .int(t.timeoutSeconds), .int(t.maxAttempts), .int(t.attempts), .time(t.leaseExpiresAt),
                .json(t.error), .text(t.toolName), .time(t.startedAt), .time(t.completedAt), .int(t.version),
                .time(t.createdAt), .time(t.updatedAt), .int(Int64(unmetDependencies)),
            ])
    }

    public func updateTask(_ t: PlanTask) async throws {
        try await run(
            """
            UPDATE tasks SET agent_id = ?2, name = ?3, description = ?4, task_type = ?5, status = ?6, inputs = ?7,
                outputs = ?8, depends_on = ?9, priority = ?10, timeout_seconds = ?11, max_attempts = ?12, attempts = ?13,
                lease_expires_at = ?14, error = ?15, tool_name = ?16, started_at = ?17, completed_at = ?18, version = ?19,
                updated_at = ?20 WHERE task_id = ?1 AND tenant = ?21
            """,
            [
                .uuid(t.id), .uuid(t.agentID), .text(t.name), .text(t.description), .text(t.taskType), .text(t.status.rawValue),
                .json(t.inputs), .json(t.outputs), .ids(t.dependsOn), .int(t.priority), .int(t.timeoutSeconds),
                .int(t.maxAttempts), .int(t.attempts), .time(t.leaseExpiresAt), .json(t.error), .text(t.toolName),
                .time(t.startedAt), .time(t.completedAt), .int(t.version), .time(t.updatedAt), .text(t.tenant),
            ])
    }

    public func deleteTask(_ id: UUID, tenant: String) async throws {
        try await run("DELETE FROM tasks WHERE tenant = ?1 AND task_id = ?2", [.text(tenant), .uuid(id)])
    }

    public func tasks(_ query: ListQuery, tenant: String) async throws -> [PlanTask] {
        let (sql, binds) = SQLiteListing.tasks.sql(query, tenant: tenant)
        return try await run(sql, binds).map(SQLiteColumns.taskRow)
    }

    public func setDependencies(of task: UUID, tenant: String, to dependencies: [UUID], unmetDependencies: Int) async throws {
        try await run("DELETE FROM task_dependencies WHERE tenant = ?2 AND task_id = ?1", [.uuid(task), .text(tenant)])
        if !dependencies.isEmpty {
            try await run(
                "INSERT INTO task_dependencies (tenant, task_id, depends_on) SELECT ?3, ?1, value FROM json_each(?2)",
                [.uuid(task), .ids(dependencies), .text(tenant)])
        }
        try await run(
            "UPDATE tasks SET unmet_dependencies = ?2 WHERE tenant = ?3 AND task_id = ?1",
            [.uuid(task), .int(Int64(unmetDependencies)), .text(tenant)])
    }

    public func dependencyCompleted(_ completed: UUID, tenant: String) async throws {
        try await run(
            """
            UPDATE tasks SET unmet_dependencies = unmet_dependencies - 1
            WHERE tenant = ?2 AND task_id IN (SELECT task_id FROM task_dependencies WHERE tenant = ?2 AND depends_on = ?1)
            """, [.uuid(completed), .text(tenant)])
    }

    public func dependencyEdges(ofPlan planID: UUID, tenant: String) async throws -> [(UUID, UUID)] {
        try await run(
            """
            SELECT d.task_id, d.depends_on FROM task_dependencies d JOIN tasks t ON t.tenant = d.tenant AND t.task_id = d.task_id
            WHERE t.tenant = ?2 AND t.plan_id = ?1
            """, [.uuid(planID), .text(tenant)]
        ).map { (try $0.uuid("task_id"), try $0.uuid("depends_on")) }
    }

    public func claimable(_ request: ClaimRequest, tenant: String) async throws -> [PlanTask] {
        var conditions = ["tenant = ?1", "status = 'pending'", "unmet_dependencies = 0"]
        var binds: [SQLiteData] = [.text(tenant)]
        if let planID = request.planID {
            binds.append(.uuid(planID))
            conditions.append("plan_id = ?\(binds.count)")
        }
        if let types = request.taskTypes {
            binds.append(.strings(types))
            conditions.append("task_type IN (SELECT value FROM json_each(?\(binds.count)))")
        }
        conditions.append(
            """
            NOT EXISTS (SELECT 1 FROM plans p WHERE p.tenant = tasks.tenant AND p.plan_id = tasks.plan_id
                AND p.status IN (\(SQLiteColumns.terminalPlanStatuses)))
            """)
        binds.append(.integer(SQLiteInt64(request.limit)))
        return try await run(
            """
            SELECT \(SQLiteColumns.task) FROM tasks WHERE \(conditions.joined(separator: " AND "))
            ORDER BY priority DESC, created_at, task_id LIMIT ?\(binds.count)
            """, binds
        ).map(SQLiteColumns.taskRow)
    }

    public func expiredLeases(at now: Timestamp, limit: Int) async throws -> [PlanTask] {
        try await run(
            """
            SELECT \(SQLiteColumns.task) FROM tasks INDEXED BY tasks_leases
            WHERE status = 'running' AND lease_expires_at <= ?1 ORDER BY lease_expires_at LIMIT ?2
            """, [.time(now), .integer(SQLiteInt64(limit))]
        ).map(SQLiteColumns.taskRow)
    }

    // MARK: serialisation

    /// The single writer already runs every write transaction alone.
    public func serialize(_ scope: SerialScope) async throws {}

    // MARK: idempotency

    public func finishIdempotentRequest(_ claim: IdempotencyClaim, response: StoredResponse) async throws -> Bool {
        try await run(
            """
            UPDATE idempotency_keys SET state = 'done', status = ?4, headers = ?5, body = ?6
            WHERE tenant = ?1 AND key = ?2 AND token = ?3 AND state = 'running' RETURNING key
            """,
            [
                .text(claim.tenant), .text(claim.key), .text(claim.token), .integer(SQLiteInt64(response.status)),
                .text(response.headersJSON), .blob(ByteBuffer(bytes: response.body)),
            ]
        ).count == 1
    }

    // MARK: events

    public func appendEvents(_ drafts: [EventDraft], tenant: String, actor: String, at now: Timestamp) async throws {
        for draft in drafts {
            try await run(
                "INSERT INTO events (tenant, type, resource_id, data, actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                [.text(tenant), .text(draft.type), .uuid(draft.resourceID), .text(String(decoding: draft.data, as: UTF8.self)),
                 .text(actor), .time(now)])
        }
    }
}

enum SQLiteErrors {
    /// Constraint violations become the API errors they mean; anything else stays an internal error.
    static func map(_ error: SQLiteError) -> any Error {
        switch error.reason {
        case .constraintUniqueFailed, .constraintPrimaryKeyFailed:
            if error.message.contains("agents.tenant, agents.did") {
                return AgenticError.conflict(.alreadyExists, "An agent with this did already exists")
            }
            for kind in ResourceKind.allCases where error.message.contains("\(kind.plural).\(kind.idField)") {
                return AgenticError.conflict(.alreadyExists, "A \(kind.rawValue) with this \(kind.idField) already exists")
            }
            return AgenticError.conflict(.alreadyExists, "The resource already exists")
        case .constraintForeignKeyFailed:
            return AgenticError(code: .validationFailed, status: 422, detail: "A referenced resource no longer exists")
        default:
            return error
        }
    }
}
