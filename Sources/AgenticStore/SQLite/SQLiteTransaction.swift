import AgenticCore
import Foundation
import SQLiteNIO

/// The row primitives on one SQLite connection. On the write connection every call runs inside the
/// store's single write transaction, so `lock` needs no SQL: nobody else can write meanwhile. Every
/// statement names the tenant: resources are keyed by `(tenant, id)`.
public struct SQLiteTransaction: StoreTransaction {
    let connection: SQLiteConnection
    public let rollups: RollupQueue

    init(connection: SQLiteConnection, rollups: RollupQueue = RollupQueue()) {
        self.connection = connection
        self.rollups = rollups
    }

    @discardableResult
    func run(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        do {
            return try await connection.query(sql, binds)
        } catch let error as SQLiteError {
            throw SQLiteErrors.map(error)
        }
    }

    /// Inserts a described row with its statements.
    func insert<Object>(_ object: Object, with statements: RowStatements<Object>) async throws {
        try await run(statements.insert, statements.insertValues(object).map { SQLiteData($0.value) })
    }

    /// Writes every changeable column of a described row with its statements.
    func update<Object>(_ object: Object, with statements: RowStatements<Object>) async throws {
        try await run(statements.update, statements.updateValues(object).map { SQLiteData($0.value) })
    }

    // MARK: agents

    public func agent(_ id: UUID, tenant: String, lock: RowLock) async throws -> Agent? {
        try await run(SQLiteStatements.agent.selectByID, [.uuid(id), .text(tenant)])
            .first.map(SQLiteColumns.row)
    }

    public func insertAgent(_ a: Agent) async throws {
        try await insert(a, with: SQLiteStatements.agent)
    }

    public func updateAgent(_ a: Agent) async throws {
        try await update(a, with: SQLiteStatements.agent)
    }

    public func deleteAgent(_ id: UUID, tenant: String) async throws {
        try await run(SQLiteStatements.agent.delete, [.text(tenant), .uuid(id)])
    }

    public func agents(_ query: ListQuery, tenant: String) async throws -> [Agent] {
        let (sql, binds) = SQLiteListing.agents.sql(query, tenant: tenant)
        return try await run(sql, binds).map(SQLiteColumns.row)
    }

    public func detachAgent(_ id: UUID, tenant: String, at now: Timestamp) async throws -> (goals: [Goal], plans: [Plan], tasks: [PlanTask]) {
        let binds: [SQLiteData] = [.uuid(id), .time(now), .text(tenant)]
        let tasks: [PlanTask] = try await run(
            SQLiteStatements.task.detaching("agent_id", id: "?1", now: "?2", tenant: "?3"), binds
        ).map(SQLiteColumns.row)
        var plans: [Plan] = try await run(
            SQLiteStatements.plan.detaching("agent_id", id: "?1", now: "?2", tenant: "?3"), binds
        ).map(SQLiteColumns.row)
        let counts = try await taskCounts(ofPlans: plans.map(\.id), tenant: tenant)
        for index in plans.indices { plans[index].taskCounts = counts[plans[index].id] ?? TaskCounts() }
        let goals: [Goal] = try await run(
            SQLiteStatements.goal.detaching("agent_id", id: "?1", now: "?2", tenant: "?3"), binds
        ).map(SQLiteColumns.row)
        return (goals, plans, tasks)
    }

    // MARK: goals

    public func goal(_ id: UUID, tenant: String, lock: RowLock) async throws -> Goal? {
        try await run(SQLiteStatements.goal.selectByID, [.uuid(id), .text(tenant)])
            .first.map(SQLiteColumns.row)
    }

    public func goals(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [Goal] {
        guard !ids.isEmpty else { return [] }
        return try await run(
            "SELECT \(SQLiteStatements.goal.columns) FROM goals WHERE tenant = ?2 AND goal_id IN (SELECT value FROM json_each(?1)) ORDER BY goal_id",
            [.ids(ids), .text(tenant)]
        ).map(SQLiteColumns.row)
    }

    public func insertGoal(_ g: Goal) async throws {
        try await insert(g, with: SQLiteStatements.goal)
    }

    public func updateGoal(_ g: Goal) async throws {
        try await update(g, with: SQLiteStatements.goal)
    }

    public func deleteGoal(_ id: UUID, tenant: String) async throws {
        try await run(SQLiteStatements.goal.delete, [.text(tenant), .uuid(id)])
    }

    public func schedule(_ id: UUID, tenant: String, lock: RowLock) async throws -> Schedule? {
        try await run(SQLiteStatements.schedule.selectByID, [.uuid(id), .text(tenant)]).first.map(SQLiteColumns.row)
    }

    public func insertSchedule(_ s: Schedule) async throws {
        try await insert(s, with: SQLiteStatements.schedule)
    }

    public func updateSchedule(_ s: Schedule) async throws {
        try await update(s, with: SQLiteStatements.schedule)
    }

    public func deleteSchedule(_ id: UUID, tenant: String) async throws {
        try await run(SQLiteStatements.schedule.delete, [.text(tenant), .uuid(id)])
    }

    public func schedules(_ query: ListQuery, tenant: String) async throws -> [Schedule] {
        let (sql, binds) = SQLiteListing.schedules.sql(query, tenant: tenant)
        return try await run(sql, binds).map(SQLiteColumns.row)
    }

    /// The single writer holds the database, so no other sweep can take the same tick meanwhile.
    public func dueSchedule(at now: Timestamp) async throws -> Schedule? {
        try await run(
            """
            SELECT \(SQLiteStatements.schedule.columns) FROM schedules INDEXED BY schedules_due
            WHERE NOT paused AND next_run_at IS NOT NULL AND next_run_at <= ?1 ORDER BY next_run_at LIMIT 1
            """, [.time(now)]
        ).first.map(SQLiteColumns.row)
    }

    public func goals(_ query: ListQuery, tenant: String) async throws -> [Goal] {
        let (sql, binds) = SQLiteListing.goals.sql(query, tenant: tenant)
        return try await run(sql, binds).map(SQLiteColumns.row)
    }

    public func subgoalIDs(of ids: [UUID], tenant: String) async throws -> [UUID] {
        guard !ids.isEmpty else { return [] }
        return try await run(
            "SELECT goal_id FROM goals WHERE tenant = ?2 AND parent_goal_id IN (SELECT value FROM json_each(?1))", [.ids(ids), .text(tenant)]
        ).map { try $0.uuid("goal_id") }
    }

    // MARK: plans

    public func plan(_ id: UUID, tenant: String, lock: RowLock) async throws -> Plan? {
        try await run(SQLiteStatements.plan.selectByID, [.uuid(id), .text(tenant)])
            .first.map(SQLiteColumns.row)
    }

    public func plans(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [Plan] {
        guard !ids.isEmpty else { return [] }
        return try await run(
            "SELECT \(SQLiteStatements.plan.columns) FROM plans WHERE tenant = ?2 AND plan_id IN (SELECT value FROM json_each(?1)) ORDER BY plan_id",
            [.ids(ids), .text(tenant)]
        ).map(SQLiteColumns.row)
    }

    public func plans(ofGoals goalIDs: [UUID], tenant: String, lock: RowLock) async throws -> [Plan] {
        guard !goalIDs.isEmpty else { return [] }
        return try await run(
            """
            SELECT \(SQLiteStatements.plan.columns) FROM plans WHERE tenant = ?2 AND goal_id IN (SELECT value FROM json_each(?1))
            ORDER BY created_at, plan_id
            """,
            [.ids(goalIDs), .text(tenant)]
        ).map(SQLiteColumns.row)
    }

    public func insertPlan(_ p: Plan) async throws {
        try await insert(p, with: SQLiteStatements.plan)
    }

    public func updatePlan(_ p: Plan) async throws {
        try await update(p, with: SQLiteStatements.plan)
    }

    public func deletePlan(_ id: UUID, tenant: String) async throws {
        try await run(SQLiteStatements.plan.delete, [.text(tenant), .uuid(id)])
    }

    public func plans(_ query: ListQuery, tenant: String) async throws -> [Plan] {
        let (sql, binds) = SQLiteListing.plans.sql(query, tenant: tenant)
        return try await run(sql, binds).map(SQLiteColumns.row)
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

    public func hasOpenTasks(plan: UUID, tenant: String) async throws -> Bool {
        try await !run(
            """
            SELECT 1 FROM tasks INDEXED BY tasks_by_plan_status
            WHERE tenant = ?1 AND plan_id = ?2 AND status IN (\(SQLDomain.openTaskStatuses)) LIMIT 1
            """, [.text(tenant), .uuid(plan)]
        ).isEmpty
    }

    public func finishedOpenPlans(limit: Int) async throws -> [(tenant: String, plan: UUID)] {
        try await run(SQLDomain.finishedOpenPlans(limit: "?1"), [.integer(limit)]).map { (try $0.text("tenant"), try $0.uuid("plan_id")) }
    }

    // MARK: tasks

    public func task(_ id: UUID, tenant: String, lock: RowLock) async throws -> PlanTask? {
        try await run(SQLiteStatements.task.selectByID, [.uuid(id), .text(tenant)])
            .first.map(SQLiteColumns.row)
    }

    public func tasks(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [PlanTask] {
        guard !ids.isEmpty else { return [] }
        return try await run(
            "SELECT \(SQLiteStatements.task.columns) FROM tasks WHERE tenant = ?2 AND task_id IN (SELECT value FROM json_each(?1)) ORDER BY task_id",
            [.ids(ids), .text(tenant)]
        ).map(SQLiteColumns.row)
    }

    public func tasks(ofPlans planIDs: [UUID], tenant: String, statuses: [TaskStatus]?, lock: RowLock) async throws -> [PlanTask] {
        guard !planIDs.isEmpty else { return [] }
        let statuses = (statuses ?? TaskStatus.allCases).map(\.rawValue)
        return try await run(
            """
            SELECT \(SQLiteStatements.task.columns) FROM tasks WHERE tenant = ?3 AND plan_id IN (SELECT value FROM json_each(?1))
            AND status IN (SELECT value FROM json_each(?2)) ORDER BY created_at, task_id
            """, [.ids(planIDs), .strings(statuses), .text(tenant)]
        ).map(SQLiteColumns.row)
    }

    public func tasks(leasedBy agent: UUID, tenant: String, lock: RowLock) async throws -> [PlanTask] {
        try await run(
            "SELECT \(SQLiteStatements.task.columns) FROM tasks WHERE tenant = ?2 AND agent_id = ?1 AND status = \(SQLDomain.leased)",
            [.uuid(agent), .text(tenant)]
        ).map(SQLiteColumns.row)
    }

    public func dependents(of ids: [UUID], tenant: String, lock: RowLock) async throws -> [PlanTask] {
        guard !ids.isEmpty else { return [] }
        return try await run(
            """
            SELECT \(SQLiteStatements.task.columns) FROM tasks WHERE tenant = ?2 AND task_id IN (
                SELECT task_id FROM task_dependencies WHERE tenant = ?2 AND depends_on IN (SELECT value FROM json_each(?1)))
            ORDER BY created_at, task_id
            """, [.ids(ids), .text(tenant)]
        ).map(SQLiteColumns.row)
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
        let values = SQLiteStatements.task.insertValues(t).map { SQLiteData($0.value) } + [.int(Int64(unmetDependencies))]
        try await run(SQLiteStatements.task.insert, values)
    }

    public func updateTask(_ t: PlanTask) async throws {
        try await update(t, with: SQLiteStatements.task)
    }

    public func deleteTask(_ id: UUID, tenant: String) async throws {
        try await run(SQLiteStatements.task.delete, [.text(tenant), .uuid(id)])
    }

    public func tasks(_ query: ListQuery, tenant: String) async throws -> [PlanTask] {
        let (sql, binds) = SQLiteListing.tasks.sql(query, tenant: tenant)
        return try await run(sql, binds).map(SQLiteColumns.row)
    }

    public func setDependencies(of task: UUID, tenant: String, to dependencies: [UUID], unmetDependencies: Int) async throws {
        try await run("DELETE FROM task_dependencies WHERE tenant = ?2 AND task_id = ?1", [.uuid(task), .text(tenant)])
        if !dependencies.isEmpty {
            try await run(
                "INSERT INTO task_dependencies (tenant, task_id, depends_on) SELECT ?3, ?1, value FROM json_each(?2)",
                [.uuid(task), .ids(dependencies), .text(tenant)])
        }
        try await run(
            "UPDATE tasks SET unmet_dependencies = ?2 + deferred WHERE tenant = ?3 AND task_id = ?1",
            [.uuid(task), .int(Int64(unmetDependencies)), .text(tenant)])
    }

    public func setDeferred(_ id: UUID, tenant: String, _ deferred: Bool) async throws {
        // SET reads the row as it was: the count moves only when the flag does.
        try await run(
            "UPDATE tasks SET deferred = ?3, unmet_dependencies = unmet_dependencies + ?3 - deferred WHERE tenant = ?2 AND task_id = ?1",
            [.uuid(id), .text(tenant), .int(deferred ? 1 : 0)])
    }

    public func expiredGoals(at now: Timestamp, limit: Int) async throws -> [Goal] {
        try await run(
            """
            SELECT \(SQLiteStatements.goal.columns) FROM goals INDEXED BY goals_expiring
            WHERE status IN (\(SQLDomain.openGoalStatuses)) AND expires_at IS NOT NULL AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2
            """, [.time(now), .integer(SQLiteInt64(limit))]
        ).map(SQLiteColumns.row)
    }

    public func releaseDueTasks(at now: Timestamp, limit: Int) async throws -> Int {
        try await run(
            """
            UPDATE tasks SET deferred = 0, unmet_dependencies = unmet_dependencies - 1
            WHERE task_id IN (SELECT task_id FROM tasks INDEXED BY tasks_deferred WHERE deferred = 1 AND not_before <= ?1
                              ORDER BY not_before LIMIT ?2)
            RETURNING task_id
            """, [.time(now), .integer(SQLiteInt64(limit))]
        ).count
    }

    public func dependencyCompleted(_ completed: UUID, tenant: String, at now: Timestamp) async throws {
        try await run(
            """
            UPDATE tasks SET unmet_dependencies = unmet_dependencies - 1,
                ready_at = ?3
            WHERE tenant = ?2 AND task_id IN (SELECT task_id FROM task_dependencies WHERE tenant = ?2 AND depends_on = ?1)
            """, [.uuid(completed), .text(tenant), .time(now)])
    }

    public func dependencyEdges(ofPlan planID: UUID, tenant: String) async throws -> [(UUID, UUID)] {
        try await run(
            """
            SELECT d.task_id, d.depends_on FROM task_dependencies d JOIN tasks t ON t.tenant = d.tenant AND t.task_id = d.task_id
            WHERE t.tenant = ?2 AND t.plan_id = ?1
            """, [.uuid(planID), .text(tenant)]
        ).map { (try $0.uuid("task_id"), try $0.uuid("depends_on")) }
    }

    public func claimable(_ request: ClaimRequest, tenant: String, excluding: ClaimExclusions) async throws -> [ClaimableTask] {
        var conditions = ["t.tenant = ?1", "t.status = \(SQLDomain.queued)", "t.unmet_dependencies = 0"]
        var binds: [SQLiteData] = [.text(tenant), .uuid(request.agentID)]
        if let planID = request.planID {
            binds.append(.uuid(planID))
            conditions.append("t.plan_id = ?\(binds.count)")
        }
        if let types = request.taskTypes {
            binds.append(.strings(types))
            conditions.append("t.task_type IN (SELECT value FROM json_each(?\(binds.count)))")
        }
        conditions.append("p.status NOT IN (\(SQLDomain.terminalPlanStatuses))")
        // Budgets used up: the plan's or the goal's work waits until it is raised.
        conditions.append("NOT p.budget_exhausted AND NOT g.budget_exhausted")
        if !excluding.keys.isEmpty {
            binds.append(.strings(excluding.keys))
            conditions.append("(t.concurrency_key IS NULL OR t.concurrency_key NOT IN (SELECT value FROM json_each(?\(binds.count))))")
        }
        if !excluding.taskTypes.isEmpty {
            binds.append(.strings(excluding.taskTypes))
            conditions.append("t.task_type NOT IN (SELECT value FROM json_each(?\(binds.count)))")
        }
        if !excluding.goals.isEmpty {
            binds.append(.strings(excluding.goals.map(\.lowercased)))
            conditions.append("p.goal_id NOT IN (SELECT value FROM json_each(?\(binds.count)))")
        }
        // The goal's `constraints.allowed_agent_types`, when it names any, must name the worker's type.
        conditions.append(
            """
            (NOT g.restricts_agent_types
             OR EXISTS (SELECT 1 FROM json_each(g.constraints, '$.allowed_agent_types') j, agents a
                        WHERE a.tenant = ?1 AND a.agent_id = ?2 AND j.value = a.agent_type))
            """)
        conditions.append(
            """
            EXISTS (SELECT 1 FROM agents a WHERE a.tenant = ?1 AND a.agent_id = ?2 AND a.status IN (\(SQLDomain.workingAgentStatuses))
                    AND NOT a.budget_exhausted)
            """)
        binds.append(.integer(SQLiteInt64(request.limit)))
        return try await run(
            """
            SELECT \(SQLiteStatements.task.columnsOfT), p.status AS plan_status, p.goal_id AS goal_id,
                   g.parallelism_cap AS goal_cap,
                   (SELECT max_concurrent_tasks FROM agents a WHERE a.tenant = ?1 AND a.agent_id = ?2) AS agent_cap
            FROM tasks t JOIN plans p ON p.tenant = t.tenant AND p.plan_id = t.plan_id
                 JOIN goals g ON g.tenant = p.tenant AND g.goal_id = p.goal_id
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY t.priority DESC, t.created_at, t.task_id LIMIT ?\(binds.count)
            """, binds
        ).map { row in
            try ClaimableTask(
                task: SQLiteColumns.row(row), storedPlanStatus: row.text("plan_status"), goalID: row.uuid("goal_id"),
                goalCap: row.optionalInt("goal_cap"), agentCap: row.optionalInt("agent_cap"))
        }
    }

    public func expiredLeases(at now: Timestamp, limit: Int) async throws -> [PlanTask] {
        try await run(
            """
            SELECT \(SQLiteStatements.task.columns) FROM tasks INDEXED BY tasks_leases
            WHERE status = \(SQLDomain.leased) AND lease_expires_at <= ?1 ORDER BY lease_expires_at LIMIT ?2
            """, [.time(now), .integer(SQLiteInt64(limit))]
        ).map(SQLiteColumns.row)
    }

    public func unstartedPastDeadline(at now: Timestamp, limit: Int) async throws -> [PlanTask] {
        try await run(
            """
            SELECT \(SQLiteStatements.task.columns) FROM tasks INDEXED BY tasks_waiting_to_start
            WHERE status = \(SQLDomain.queued) AND schedule_to_start_seconds IS NOT NULL AND unmet_dependencies = 0
              AND max(coalesce(ready_at, created_at), coalesce(not_before, ready_at, created_at))
                  + schedule_to_start_seconds * 1000000 <= ?1
            LIMIT ?2
            """, [.time(now), .integer(SQLiteInt64(limit))]
        ).map(SQLiteColumns.row)
    }

    public func addUsage(_ usage: Usage, to resources: [(kind: String, id: UUID)], tenant: String) async throws -> [String: Usage] {
        var totals: [String: Usage] = [:]
        for resource in resources {
            let rows = try await run(
                """
                INSERT INTO usage_totals (tenant, kind, resource_id, input_tokens, output_tokens, cost_usd)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                ON CONFLICT (tenant, kind, resource_id) DO UPDATE SET
                    input_tokens = min(input_tokens + excluded.input_tokens, ?7),
                    output_tokens = min(output_tokens + excluded.output_tokens, ?7),
                    cost_usd = min(cost_usd + excluded.cost_usd, ?8)
                RETURNING input_tokens, output_tokens, cost_usd
                """,
                // Totals saturate where a report's range ends (see `Usage.+`); both terms are below
                // 2^53, so the sum cannot overflow first.
                [.text(tenant), .text(resource.kind), .uuid(resource.id), .int(usage.inputTokens), .int(usage.outputTokens),
                 .float(usage.costUSD), .int(Usage.maxTokens), .float(Usage.maxCostUSD)])
            guard let row = rows.first else { throw AgenticError.internal("adding usage returned no row") }
            totals[resource.kind] = try Self.usage(row)
        }
        return totals
    }

    static func usage(_ row: SQLiteRow) throws -> Usage {
        Usage(inputTokens: try row.int("input_tokens"), outputTokens: try row.int("output_tokens"), costUSD: try row.optionalDouble("cost_usd") ?? 0)
    }

    public func lockUsageTotals(kind: String, id: UUID, tenant: String) async throws -> Usage {
        // The single writer holds everything already; the row is made so the shape is the same.
        let rows = try await run(
            """
            INSERT INTO usage_totals (tenant, kind, resource_id, input_tokens, output_tokens, cost_usd) VALUES (?1, ?2, ?3, 0, 0, 0)
            ON CONFLICT (tenant, kind, resource_id) DO UPDATE SET input_tokens = input_tokens
            RETURNING input_tokens, output_tokens, cost_usd
            """, [.text(tenant), .text(kind), .uuid(id)])
        guard let row = rows.first else { throw AgenticError.internal("locking usage totals returned no row") }
        return try Self.usage(row)
    }

    public func pruneOrphanUsageTotals() async throws -> Int {
        try await run(SQLDomain.orphanUsageTotals + " RETURNING kind").count
    }

    public func exhaustedBudgets() async throws -> [(tenant: String, kind: String, count: Int64)] {
        try await run(SQLDomain.exhaustedBudgets).map { (try $0.text("tenant"), try $0.text("kind"), try $0.int("n")) }
    }

    // MARK: rate limits

    public func takeRateTokens(types: [String]?, limit: Int, tenant: String, at now: Timestamp) async throws -> [String: Int] {
        // The single writer makes the read-refill-take one step; refill as `TaskRateLimit.available`.
        let available = "min(burst, tokens + per_second * max(0, ?2 - refilled_at) / 1000000.0)"
        var taken: [String: Int] = [:]
        for row in try await run(
            """
            UPDATE rate_limits
            SET taken = min(CAST(\(available) AS INTEGER), ?3),
                tokens = \(available) - min(CAST(\(available) AS INTEGER), ?3),
                refilled_at = max(refilled_at, ?2)
            WHERE tenant = ?1 AND (?4 IS NULL OR task_type IN (SELECT value FROM json_each(?4)))
            RETURNING task_type, taken
            """, [.text(tenant), .time(now), .integer(SQLiteInt64(limit)), types.map { .strings($0) } ?? .null])
        {
            taken[try row.text("task_type")] = Int(try row.int("taken"))
        }
        return taken
    }

    public func relaxDurability() async throws {}

    public func returnRateTokens(_ unused: [String: Int], tenant: String) async throws {
        for (taskType, count) in unused where count > 0 {
            try await run(
                "UPDATE rate_limits SET tokens = min(burst, tokens + ?3) WHERE tenant = ?1 AND task_type = ?2",
                [.text(tenant), .text(taskType), .integer(SQLiteInt64(count))])
        }
    }

    public func rateLimits(taskType: String?, tenant: String?) async throws -> [TaskRateLimit] {
        try await run(
            """
            SELECT \(TaskRateLimit.fields.columnList) FROM rate_limits
            WHERE (?1 IS NULL OR tenant = ?1) AND (?2 IS NULL OR task_type = ?2) ORDER BY tenant, task_type
            """, [.text(tenant), .text(taskType)]
        ).map(SQLiteColumns.row)
    }

    public func putRateLimit(taskType: String, perSecond: Double, burst: Double, tenant: String, at now: Timestamp) async throws -> Bool {
        let existed = try await run("SELECT 1 FROM rate_limits WHERE tenant = ?1 AND task_type = ?2", [.text(tenant), .text(taskType)]).count == 1
        // A changed limit keeps its bucket's tokens (refilled to now, at most the new burst).
        try await run(
            """
            INSERT INTO rate_limits (tenant, task_type, per_second, burst, tokens, taken, refilled_at, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?4, 0, ?5, ?5, ?5)
            ON CONFLICT (tenant, task_type) DO UPDATE SET
                tokens = min(excluded.burst, tokens + per_second * max(0, excluded.updated_at - refilled_at) / 1000000.0),
                refilled_at = max(refilled_at, excluded.updated_at),
                per_second = excluded.per_second, burst = excluded.burst, updated_at = excluded.updated_at
            """, [.text(tenant), .text(taskType), .float(perSecond), .float(burst), .time(now)])
        return !existed
    }

    public func deleteRateLimit(taskType: String, tenant: String) async throws -> Bool {
        try await run(
            "DELETE FROM rate_limits WHERE tenant = ?1 AND task_type = ?2 RETURNING task_type", [.text(tenant), .text(taskType)]
        ).count == 1
    }

    // MARK: tenant settings

    public func tenantSettings(tenant: String) async throws -> TenantSettings {
        guard let row = try await run("SELECT settings FROM tenant_settings WHERE tenant = ?1", [.text(tenant)]).first else {
            return TenantSettings()
        }
        return try TenantSettings.stored(try row.text("settings"))
    }

    public func putTenantSettings(_ settings: TenantSettings, tenant: String) async throws {
        try await run(
            """
            INSERT INTO tenant_settings (tenant, settings) VALUES (?1, ?2)
            ON CONFLICT (tenant) DO UPDATE SET settings = excluded.settings
            """, [.text(tenant), .text(settings.jsonString)])
    }

    // MARK: concurrency limits

    /// The single writer already runs every write transaction alone: nothing to lock.
    public func runningCounts(ofGoals goals: [UUID], tenant: String) async throws -> [UUID: Int64] {
        var counts: [UUID: Int64] = [:]
        for row in try await run(
            """
            SELECT p.goal_id, count(*) AS running FROM plans p
            JOIN tasks t ON t.tenant = p.tenant AND t.plan_id = p.plan_id AND t.status = \(SQLDomain.leased)
            WHERE p.tenant = ?1 AND p.goal_id IN (SELECT value FROM json_each(?2)) GROUP BY p.goal_id
            """, [.text(tenant), .strings(goals.map(\.lowercased))])
        {
            counts[try row.uuid("goal_id")] = try row.int("running")
        }
        return counts
    }

    public func lockConcurrencyLimits(_ keys: [String], tenant: String) async throws -> [JSONKey: Int64] {
        var limits: [JSONKey: Int64] = [:]
        for row in try await run(
            "SELECT key, max_running FROM concurrency_limits WHERE tenant = ?1 AND key IN (SELECT value FROM json_each(?2))",
            [.text(tenant), .strings(keys)])
        {
            limits[JSONKey(try row.text("key"))] = try row.int("max_running")
        }
        return limits
    }

    public func runningCounts(_ keys: [String], tenant: String) async throws -> [JSONKey: Int64] {
        var counts: [JSONKey: Int64] = [:]
        for row in try await run(
            """
            SELECT concurrency_key AS key, count(*) AS n FROM tasks
            WHERE tenant = ?1 AND concurrency_key IN (SELECT value FROM json_each(?2)) AND status = \(SQLDomain.leased)
            GROUP BY concurrency_key
            """, [.text(tenant), .strings(keys)])
        {
            counts[JSONKey(try row.text("key"))] = try row.int("n")
        }
        return counts
    }

    public func concurrencyLimits(key: String?, tenant: String?) async throws -> [ConcurrencyLimit] {
        try await run(
            """
            SELECT \(ConcurrencyLimit.fields.columnList(of: "l")),
                   (SELECT count(*) FROM tasks r WHERE r.tenant = l.tenant AND r.concurrency_key = l.key
                      AND r.status = \(SQLDomain.leased)) AS running
            FROM concurrency_limits l WHERE (?1 IS NULL OR l.tenant = ?1) AND (?2 IS NULL OR l.key = ?2) ORDER BY l.tenant, l.key
            """, [.text(tenant), .text(key)]
        ).map { row in
            var limit: ConcurrencyLimit = try SQLiteColumns.row(row)
            limit.running = try row.int("running")
            return limit
        }
    }

    public func putConcurrencyLimit(key: String, maxRunning: Int64, tenant: String, at now: Timestamp) async throws -> Bool {
        let existed = try await run("SELECT 1 FROM concurrency_limits WHERE tenant = ?1 AND key = ?2", [.text(tenant), .text(key)]).count == 1
        try await run(
            """
            INSERT INTO concurrency_limits (tenant, key, max_running, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
            ON CONFLICT (tenant, key) DO UPDATE SET max_running = excluded.max_running, updated_at = excluded.updated_at
            """, [.text(tenant), .text(key), .int(maxRunning), .time(now)])
        return !existed
    }

    public func deleteConcurrencyLimit(key: String, tenant: String) async throws -> Bool {
        try await run("DELETE FROM concurrency_limits WHERE tenant = ?1 AND key = ?2 RETURNING key", [.text(tenant), .text(key)]).count == 1
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

    public func events(about id: UUID, after: Int64, limit: Int, tenant: String) async throws -> [Event] {
        try await run(
            """
            SELECT \(TableColumns.event) FROM events INDEXED BY events_by_resource
            WHERE tenant = ?1 AND resource_id = ?2 AND event_id > ?3 ORDER BY event_id LIMIT ?4
            """, [.text(tenant), .uuid(id), .int(after), .int(Int64(limit))]
        ).map(SQLiteColumns.eventRow)
    }

    public func latestEventTimes(about id: UUID, type: String, limit: Int, tenant: String) async throws -> [Timestamp] {
        try await run(
            """
            SELECT created_at FROM events INDEXED BY events_by_resource
            WHERE tenant = ?1 AND resource_id = ?2 AND type = ?3 ORDER BY event_id DESC LIMIT ?4
            """, [.text(tenant), .uuid(id), .text(type), .int(Int64(limit))]
        ).map { try $0.timestamp("created_at") }
    }

    public func appendEvent(_ draft: EventDraft, tenant: String, actor: String, at now: Timestamp) async throws -> Event {
        let rows = try await run(
            """
            INSERT INTO events (tenant, type, resource_id, data, actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            RETURNING \(TableColumns.event)
            """,
            [.text(tenant), .text(draft.type), .uuid(draft.resourceID), .text(String(decoding: draft.data, as: UTF8.self)),
             .text(actor), .time(now)])
        guard let row = rows.first else { throw AgenticError.internal("appending an event returned no row") }
        let event = try SQLiteColumns.eventRow(row)
        let hooks = try await self.webhooks(tenant: tenant)
        if !hooks.isEmpty { try await enqueueDeliveries(for: draft, eventID: event.id, webhooks: hooks, tenant: tenant, at: now) }
        return event
    }

    /// Each event, and a delivery for each of the tenant's webhooks it matches (the outbox): one
    /// indexed read of the webhooks per change, and nothing more for a tenant without any.
    public func appendEvents(_ drafts: [EventDraft], tenant: String, actor: String, at now: Timestamp) async throws {
        guard !drafts.isEmpty else { return }
        let hooks = try await self.webhooks(tenant: tenant)
        for draft in drafts {
            let binds: [SQLiteData] = [
                .text(tenant), .text(draft.type), .uuid(draft.resourceID), .text(String(decoding: draft.data, as: UTF8.self)), .text(actor), .time(now),
            ]
            guard !hooks.isEmpty else {
                try await run("INSERT INTO events (tenant, type, resource_id, data, actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", binds)
                continue
            }
            let rows = try await run(
                "INSERT INTO events (tenant, type, resource_id, data, actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING event_id", binds)
            guard let row = rows.first else { throw AgenticError.internal("appending an event returned no row") }
            try await enqueueDeliveries(for: draft, eventID: try row.int("event_id"), webhooks: hooks, tenant: tenant, at: now)
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
