import AgenticCore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The row primitives on one PostgreSQL connection inside a transaction. Reads lock as asked
/// (`FOR SHARE`, `FOR UPDATE`); queue reads use `FOR UPDATE SKIP LOCKED` so concurrent claimers and
/// sweepers on any number of instances never wait for, or take, each other's rows. Every statement
/// names the tenant: resources are keyed by `(tenant, id)`.
public struct PostgresTransaction: StoreTransaction {
    let connection: PostgresConnection
    let logger: Logger
    /// Events appended so far in this transaction: their position within it.
    let appended: EventCounter
    public let rollups: RollupQueue
    /// Writes waiting to leave together (a write transaction's; nil: every write leaves at once).
    let held: HeldWrites?

    init(
        connection: PostgresConnection, logger: Logger, events: EventCounter = EventCounter(), rollups: RollupQueue = RollupQueue(),
        held: HeldWrites? = nil
    ) {
        self.connection = connection
        self.logger = logger
        self.appended = events
        self.rollups = rollups
        self.held = held
    }

    /// Sends `statement` with the writes held before it, or holds it to go with the next ones (see
    /// `HeldWrites`): a change, the rows it carries along and its events leave in one round trip.
    func later(_ statement: some ComposableWrite, rows written: WrittenRows) async throws {
        guard let held else {
            try await send(statement)
            return
        }
        if let ready = held.hold(statement, rows: written) { try await send(ready) }
    }

    /// Sends what is held (before a read, and before the transaction commits).
    func flush() async throws {
        if let ready = held?.take() { try await send(ready) }
    }

    private func send(_ statement: any ComposableWrite) async throws {
        do {
            _ = try await connection.execute(statement, logger: logger)
        } catch {
            throw PostgresErrors.map(error)
        }
    }

    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await flush()
        do {
            var rows: [PostgresRandomAccessRow] = []
            for try await row in try await connection.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
            return rows
        } catch {
            throw PostgresErrors.map(error)
        }
    }

    func run(_ query: PostgresQuery) async throws {
        _ = try await rows(query)
    }

    /// Runs a prepared statement (prepared on this connection the first time it is used).
    func execute<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {
        try await flush()
        do {
            var rows: [Statement.Row] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            return rows
        } catch {
            throw PostgresErrors.map(error)
        }
    }

    /// Deletes one resource (what hangs below it goes by the schema's cascades).
    func deleteRow<Object>(_ statements: RowStatements<Object>, id: UUID, tenant: String) async throws {
        var binds = PostgresBindings(capacity: 2)
        binds.append(tenant)
        binds.append(id)
        try await run(PostgresQuery(unsafeSQL: statements.delete, binds: binds))
    }

    /// One resource by id, through the prepared statement for its lock.
    func byID<Object: PostgresStored>(_ id: UUID, tenant: String, lock: RowLock) async throws -> Object? {
        switch lock {
        case .none: return try await execute(Prepared.ByID<Object, NoRowLock>(id: id, tenant: tenant)).first
        case .share: return try await execute(Prepared.ByID<Object, ShareRowLock>(id: id, tenant: tenant)).first
        case .update: return try await execute(Prepared.ByID<Object, UpdateRowLock>(id: id, tenant: tenant)).first
        }
    }

    /// Several resources by id, in id order, through the prepared statement for its lock.
    func byIDs<Object: PostgresStored>(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [Object] {
        guard !ids.isEmpty else { return [] }
        switch lock {
        case .none: return try await execute(Prepared.ByIDs<Object, NoRowLock>(ids: ids, tenant: tenant))
        case .share: return try await execute(Prepared.ByIDs<Object, ShareRowLock>(ids: ids, tenant: tenant))
        case .update: return try await execute(Prepared.ByIDs<Object, UpdateRowLock>(ids: ids, tenant: tenant))
        }
    }

    static func lockClause(_ lock: RowLock) -> String {
        switch lock {
        case .none: return ""
        case .share: return " FOR SHARE"
        case .update: return " FOR UPDATE"
        }
    }

    // MARK: agents

    public func agent(_ id: UUID, tenant: String, lock: RowLock) async throws -> Agent? {
        try await byID(id, tenant: tenant, lock: lock)
    }

    public func insertAgent(_ a: Agent) async throws {
        try await later(Prepared.Insert(object: a), rows: .row(table: PostgresStatements.agent.table, id: a.id))
    }

    public func updateAgent(_ a: Agent) async throws {
        try await later(Prepared.Update(object: a), rows: .row(table: PostgresStatements.agent.table, id: a.id))
    }

    public func deleteAgent(_ id: UUID, tenant: String) async throws {
        try await deleteRow(PostgresStatements.agent, id: id, tenant: tenant)
    }

    public func agents(_ query: ListQuery, tenant: String) async throws -> [Agent] {
        try await rows(PostgresListing.agents.query(query, tenant: tenant)).map(PostgresColumns.row)
    }

    public func detachAgent(_ id: UUID, tenant: String, at now: Timestamp) async throws -> (goals: [Goal], plans: [Plan], tasks: [PlanTask]) {
        var binds = PostgresBindings(capacity: 3)
        binds.append(id)
        binds.append(now)
        binds.append(tenant)
        // Tasks, plans, goals: the lock order.
        let tasks: [PlanTask] = try await rows(
            PostgresQuery(
                unsafeSQL: PostgresStatements.task.detaching("agent_id", id: "$1", now: "$2", tenant: "$3"), binds: binds)).map(PostgresColumns.row)
        var plans: [Plan] = try await rows(
            PostgresQuery(
                unsafeSQL: PostgresStatements.plan.detaching("agent_id", id: "$1", now: "$2", tenant: "$3"), binds: binds)).map(PostgresColumns.row)
        let counts = try await taskCounts(ofPlans: plans.map(\.id), tenant: tenant)
        for index in plans.indices { plans[index].taskCounts = counts[plans[index].id] ?? TaskCounts() }
        let goals: [Goal] = try await rows(
            PostgresQuery(
                unsafeSQL: PostgresStatements.goal.detaching("agent_id", id: "$1", now: "$2", tenant: "$3"), binds: binds)).map(PostgresColumns.row)
        return (goals, plans, tasks)
    }

    // MARK: goals

    public func goal(_ id: UUID, tenant: String, lock: RowLock) async throws -> Goal? {
        try await byID(id, tenant: tenant, lock: lock)
    }

    public func goals(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [Goal] {
        try await byIDs(ids, tenant: tenant, lock: lock)
    }

    public func insertGoal(_ g: Goal) async throws {
        try await later(Prepared.Insert(object: g), rows: .row(table: PostgresStatements.goal.table, id: g.id))
    }

    public func updateGoal(_ g: Goal) async throws {
        try await later(Prepared.Update(object: g), rows: .row(table: PostgresStatements.goal.table, id: g.id))
    }

    public func deleteGoal(_ id: UUID, tenant: String) async throws {
        try await deleteRow(PostgresStatements.goal, id: id, tenant: tenant)
    }

    public func schedule(_ id: UUID, tenant: String, lock: RowLock) async throws -> Schedule? {
        try await byID(id, tenant: tenant, lock: lock)
    }

    public func insertSchedule(_ s: Schedule) async throws {
        try await later(Prepared.Insert(object: s), rows: .row(table: PostgresStatements.schedule.table, id: s.id))
    }

    public func updateSchedule(_ s: Schedule) async throws {
        try await later(Prepared.Update(object: s), rows: .row(table: PostgresStatements.schedule.table, id: s.id))
    }

    public func deleteSchedule(_ id: UUID, tenant: String) async throws {
        try await deleteRow(PostgresStatements.schedule, id: id, tenant: tenant)
    }

    public func schedules(_ query: ListQuery, tenant: String) async throws -> [Schedule] {
        try await rows(PostgresListing.schedules.query(query, tenant: tenant)).map(PostgresColumns.row)
    }

    public func dueSchedule(at now: Timestamp) async throws -> Schedule? {
        try await rows(
            """
            SELECT \(unescaped: PostgresStatements.schedule.columns) FROM schedules
            WHERE NOT paused AND next_run_at <= \(now) ORDER BY next_run_at LIMIT 1 FOR UPDATE SKIP LOCKED
            """
        ).first.map(PostgresColumns.row)
    }

    public func goals(_ query: ListQuery, tenant: String) async throws -> [Goal] {
        try await rows(PostgresListing.goals.query(query, tenant: tenant)).map(PostgresColumns.row)
    }

    public func subgoalIDs(of ids: [UUID], tenant: String) async throws -> [UUID] {
        guard !ids.isEmpty else { return [] }
        return try await rows("SELECT goal_id FROM goals WHERE tenant = \(tenant) AND parent_goal_id = ANY(\(ids))").map {
            try $0.get("goal_id")
        }
    }

    // MARK: plans

    public func plan(_ id: UUID, tenant: String, lock: RowLock) async throws -> Plan? {
        try await byID(id, tenant: tenant, lock: lock)
    }

    public func plans(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [Plan] {
        try await byIDs(ids, tenant: tenant, lock: lock)
    }

    public func plans(ofGoals goalIDs: [UUID], tenant: String, lock: RowLock) async throws -> [Plan] {
        guard !goalIDs.isEmpty else { return [] }
        return try await rows(
            """
            SELECT \(unescaped: PostgresStatements.plan.columns) FROM plans WHERE tenant = \(tenant) AND goal_id = ANY(\(goalIDs))
            ORDER BY created_at, plan_id\(unescaped: Self.lockClause(lock))
            """
        ).map(PostgresColumns.row)
    }

    public func insertPlan(_ p: Plan) async throws {
        try await later(Prepared.Insert(object: p), rows: .row(table: PostgresStatements.plan.table, id: p.id))
    }

    public func updatePlan(_ p: Plan) async throws {
        try await later(Prepared.Update(object: p), rows: .row(table: PostgresStatements.plan.table, id: p.id))
    }

    public func deletePlan(_ id: UUID, tenant: String) async throws {
        try await deleteRow(PostgresStatements.plan, id: id, tenant: tenant)
    }

    public func plans(_ query: ListQuery, tenant: String) async throws -> [Plan] {
        try await rows(PostgresListing.plans.query(query, tenant: tenant)).map(PostgresColumns.row)
    }

    public func taskCounts(ofPlans ids: [UUID], tenant: String) async throws -> [UUID: TaskCounts] {
        guard !ids.isEmpty else { return [:] }
        var counts: [UUID: TaskCounts] = [:]
        for row in try await rows(
            """
            SELECT plan_id, status, count(*) AS n FROM tasks WHERE tenant = \(tenant) AND plan_id = ANY(\(ids))
            GROUP BY plan_id, status
            """)
        {
            guard let status = TaskStatus(rawValue: try row.get("status")) else { continue }
            counts[try row.get("plan_id", as: UUID.self), default: TaskCounts()][status] = try row.get("n", as: Int64.self)
        }
        return counts
    }

    public func hasOpenTasks(plan: UUID, tenant: String) async throws -> Bool {
        try await execute(Prepared.HasOpenTasks(tenant: tenant, plan: plan)).first ?? false
    }

    public func finishedOpenPlans(limit: Int) async throws -> [(tenant: String, plan: UUID)] {
        var binds = PostgresBindings(capacity: 1)
        binds.append(Int64(limit))
        return try await rows(PostgresQuery(unsafeSQL: SQLDomain.finishedOpenPlans(limit: "$1"), binds: binds)).map { (try $0.get("tenant"), try $0.get("plan_id")) }
    }

    // MARK: tasks

    public func task(_ id: UUID, tenant: String, lock: RowLock) async throws -> PlanTask? {
        try await byID(id, tenant: tenant, lock: lock)
    }

    public func tasks(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [PlanTask] {
        try await byIDs(ids, tenant: tenant, lock: lock)
    }

    public func tasks(ofPlans planIDs: [UUID], tenant: String, statuses: [TaskStatus]?, lock: RowLock) async throws -> [PlanTask] {
        guard !planIDs.isEmpty else { return [] }
        let statuses = (statuses ?? TaskStatus.allCases).map(\.rawValue)
        return try await rows(
            """
            SELECT \(unescaped: PostgresStatements.task.columns) FROM tasks WHERE tenant = \(tenant) AND plan_id = ANY(\(planIDs))
            AND status = ANY(\(statuses)) ORDER BY task_id\(unescaped: Self.lockClause(lock))
            """
        ).map(PostgresColumns.row)
    }

    public func tasks(leasedBy agent: UUID, tenant: String, lock: RowLock) async throws -> [PlanTask] {
        try await rows(
            """
            SELECT \(unescaped: PostgresStatements.task.columns) FROM tasks WHERE tenant = \(tenant) AND agent_id = \(agent) AND status = \(unescaped: SQLDomain.leased)
            ORDER BY task_id\(unescaped: Self.lockClause(lock))
            """
        ).map(PostgresColumns.row)
    }

    public func dependents(of ids: [UUID], tenant: String, lock: RowLock) async throws -> [PlanTask] {
        guard !ids.isEmpty else { return [] }
        return try await rows(
            """
            SELECT \(unescaped: PostgresStatements.task.columns) FROM tasks WHERE tenant = \(tenant) AND task_id IN (
                SELECT task_id FROM task_dependencies WHERE tenant = \(tenant) AND depends_on = ANY(\(ids)))
            ORDER BY task_id\(unescaped: Self.lockClause(lock))
            """
        ).map(PostgresColumns.row)
    }

    public func insertTask(_ t: PlanTask, unmetDependencies: Int) async throws {
        try await insertTaskRow(t, unmetDependencies: unmetDependencies)
        if !t.dependsOn.isEmpty {
            try await run(
                "INSERT INTO task_dependencies (tenant, task_id, depends_on) SELECT \(t.tenant), \(t.id), unnest(\(t.dependsOn))")
        }
    }

    /// The rows leave held together; the edges follow in one statement, once every task exists.
    public func insertNewTasks(_ tasks: [PlanTask]) async throws {
        for task in tasks { try await insertTaskRow(task, unmetDependencies: task.dependsOn.count) }
        var edgeTasks: [UUID] = []
        var edgeDependencies: [UUID] = []
        for task in tasks {
            for dependency in task.dependsOn {
                edgeTasks.append(task.id)
                edgeDependencies.append(dependency)
            }
        }
        guard let tenant = tasks.first?.tenant, !edgeTasks.isEmpty else { return }
        try await run(
            """
            INSERT INTO task_dependencies (tenant, task_id, depends_on)
            SELECT \(tenant), e.task_id, e.depends_on FROM unnest(\(edgeTasks)::uuid[], \(edgeDependencies)::uuid[]) AS e(task_id, depends_on)
            """)
    }

    func insertTaskRow(_ t: PlanTask, unmetDependencies: Int) async throws {
        let unmet = BoundValue(name: "depends_on", value: .integer(Int64(unmetDependencies)), type: .int32)
        try await later(Prepared.Insert(object: t, extra: [unmet]), rows: .row(table: PostgresStatements.task.table, id: t.id))
    }

    public func updateTask(_ t: PlanTask) async throws {
        try await later(Prepared.Update(object: t), rows: .row(table: PostgresStatements.task.table, id: t.id))
    }

    public func deleteTask(_ id: UUID, tenant: String) async throws {
        try await deleteRow(PostgresStatements.task, id: id, tenant: tenant)
    }

    public func tasks(_ query: ListQuery, tenant: String) async throws -> [PlanTask] {
        try await rows(PostgresListing.tasks.query(query, tenant: tenant)).map(PostgresColumns.row)
    }

    public func setDependencies(of task: UUID, tenant: String, to dependencies: [UUID], unmetDependencies: Int) async throws {
        try await run("DELETE FROM task_dependencies WHERE tenant = \(tenant) AND task_id = \(task)")
        if !dependencies.isEmpty {
            try await run(
                "INSERT INTO task_dependencies (tenant, task_id, depends_on) SELECT \(tenant), \(task), unnest(\(dependencies))")
        }
        try await run(
            """
            UPDATE tasks SET unmet_dependencies = \(try Int32(checking: Int64(unmetDependencies), "depends_on"))
                + (CASE WHEN deferred THEN 1 ELSE 0 END)
            WHERE tenant = \(tenant) AND task_id = \(task)
            """)
    }

    public func setDeferred(_ id: UUID, tenant: String, _ deferred: Bool) async throws {
        // SET reads the row as it was: the count moves only when the flag does.
        try await run(
            """
            UPDATE tasks SET deferred = \(deferred),
                unmet_dependencies = unmet_dependencies + (CASE WHEN \(deferred) THEN 1 ELSE 0 END) - (CASE WHEN deferred THEN 1 ELSE 0 END)
            WHERE tenant = \(tenant) AND task_id = \(id)
            """)
    }

    public func expiredGoals(at now: Timestamp, limit: Int) async throws -> [Goal] {
        try await rows(
            """
            SELECT \(unescaped: PostgresStatements.goal.columns) FROM goals
            WHERE status IN (\(unescaped: SQLDomain.openGoalStatuses)) AND expires_at IS NOT NULL AND expires_at <= \(now) ORDER BY expires_at LIMIT \(Int64(limit))
            """
        ).map(PostgresColumns.row)
    }

    public func releaseDueTasks(at now: Timestamp, limit: Int) async throws -> Int {
        try await rows(
            """
            UPDATE tasks SET deferred = false, unmet_dependencies = unmet_dependencies - 1
            WHERE task_id IN (SELECT task_id FROM tasks WHERE deferred AND not_before <= \(now)
                              ORDER BY not_before LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
            RETURNING task_id
            """
        ).count
    }

    public func dependencyCompleted(_ completed: UUID, tenant: String, at now: Timestamp) async throws {
        try await later(Prepared.DependencyCompleted(tenant: tenant, completed: completed, now: now), rows: .dependentsOf(completed))
    }

    public func dependencyEdges(ofPlan planID: UUID, tenant: String) async throws -> [(UUID, UUID)] {
        try await rows(
            """
            SELECT d.task_id, d.depends_on FROM task_dependencies d JOIN tasks t ON t.tenant = d.tenant AND t.task_id = d.task_id
            WHERE t.tenant = \(tenant) AND t.plan_id = \(planID)
            """
        ).map { (try $0.get("task_id"), try $0.get("depends_on")) }
    }

    public func claimable(_ request: ClaimRequest, tenant: String, excluding: ClaimExclusions) async throws -> [ClaimableTask] {
        if !excluding.isEmpty {
            switch (request.planID != nil, request.taskTypes != nil) {
            case (false, false): return try await execute(Prepared.Claimable<Excluding<AnyReadyTask>>(request: request, tenant: tenant, excluded: excluding))
            case (true, false): return try await execute(Prepared.Claimable<Excluding<ReadyTaskOfPlan>>(request: request, tenant: tenant, excluded: excluding))
            case (false, true): return try await execute(Prepared.Claimable<Excluding<ReadyTaskOfTypes>>(request: request, tenant: tenant, excluded: excluding))
            case (true, true):
                return try await execute(Prepared.Claimable<Excluding<ReadyTaskOfPlanAndTypes>>(request: request, tenant: tenant, excluded: excluding))
            }
        }
        switch (request.planID != nil, request.taskTypes != nil) {
        case (false, false): return try await execute(Prepared.Claimable<AnyReadyTask>(request: request, tenant: tenant))
        case (true, false): return try await execute(Prepared.Claimable<ReadyTaskOfPlan>(request: request, tenant: tenant))
        case (false, true): return try await execute(Prepared.Claimable<ReadyTaskOfTypes>(request: request, tenant: tenant))
        case (true, true): return try await execute(Prepared.Claimable<ReadyTaskOfPlanAndTypes>(request: request, tenant: tenant))
        }
    }

    public func expiredLeases(at now: Timestamp, limit: Int) async throws -> [PlanTask] {
        try await rows(
            """
            SELECT \(unescaped: PostgresStatements.task.columns) FROM tasks WHERE status = \(unescaped: SQLDomain.leased) AND lease_expires_at <= \(now)
            ORDER BY lease_expires_at LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED
            """
        ).map(PostgresColumns.row)
    }

    public func unstartedPastDeadline(at now: Timestamp, limit: Int) async throws -> [PlanTask] {
        try await rows(
            """
            SELECT \(unescaped: PostgresStatements.task.columns) FROM tasks
            WHERE status = \(unescaped: SQLDomain.queued) AND schedule_to_start_seconds IS NOT NULL AND unmet_dependencies = 0
              AND greatest(coalesce(ready_at, created_at), not_before) + make_interval(secs => schedule_to_start_seconds) <= \(now)
            LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED
            """
        ).map(PostgresColumns.row)
    }

    public func addUsage(_ usage: Usage, to resources: [(kind: String, id: UUID)], tenant: String) async throws -> [String: Usage] {
        // One statement; rows are inserted, and so locked, in the order given.
        var totals: [String: Usage] = [:]
        for row in try await rows(
            """
            INSERT INTO usage_totals (tenant, kind, resource_id, input_tokens, output_tokens, cost_usd)
            SELECT \(tenant), r.kind, r.id, \(usage.inputTokens), \(usage.outputTokens), \(usage.costUSD)
            FROM unnest(\(resources.map(\.kind))::text[], \(resources.map(\.id))::uuid[]) WITH ORDINALITY AS r(kind, id, n)
            ORDER BY r.n
            ON CONFLICT (tenant, kind, resource_id) DO UPDATE SET
                -- Totals saturate where a report's range ends (see `Usage.+`); both terms are below
                -- 2^53, so the sum cannot overflow first.
                input_tokens = LEAST(usage_totals.input_tokens + excluded.input_tokens, \(Usage.maxTokens)),
                output_tokens = LEAST(usage_totals.output_tokens + excluded.output_tokens, \(Usage.maxTokens)),
                cost_usd = LEAST(usage_totals.cost_usd + excluded.cost_usd, \(Usage.maxCostUSD))
            RETURNING kind, input_tokens, output_tokens, cost_usd
            """)
        {
            totals[try row.get("kind", as: String.self)] = try Self.usage(row)
        }
        return totals
    }

    static func usage(_ row: PostgresRandomAccessRow) throws -> Usage {
        Usage(
            inputTokens: try row.get("input_tokens", as: Int64.self), outputTokens: try row.get("output_tokens", as: Int64.self),
            costUSD: try row.get("cost_usd", as: Double.self))
    }

    public func lockUsageTotals(kind: String, id: UUID, tenant: String) async throws -> Usage {
        try await rows(
            """
            INSERT INTO usage_totals (tenant, kind, resource_id, input_tokens, output_tokens, cost_usd)
            VALUES (\(tenant), \(kind), \(id), 0, 0, 0) ON CONFLICT DO NOTHING
            """)
        guard
            let row = try await rows(
                """
                SELECT input_tokens, output_tokens, cost_usd FROM usage_totals
                WHERE tenant = \(tenant) AND kind = \(kind) AND resource_id = \(id) FOR UPDATE
                """
            ).first
        else { throw AgenticError.internal("locking usage totals found no row") }
        return try Self.usage(row)
    }

    public func pruneOrphanUsageTotals() async throws -> Int {
        try await rows(PostgresQuery(unsafeSQL: SQLDomain.orphanUsageTotals + " RETURNING kind")).count
    }

    public func exhaustedBudgets() async throws -> [(tenant: String, kind: String, count: Int64)] {
        try await rows(PostgresQuery(unsafeSQL: SQLDomain.exhaustedBudgets)).map {
            (try $0.get("tenant", as: String.self), try $0.get("kind", as: String.self), try $0.get("n", as: Int64.self))
        }
    }

    // MARK: rate limits

    public func takeRateTokens(types: [String]?, limit: Int, tenant: String, at now: Timestamp) async throws -> [String: Int] {
        // One statement: the row is locked only while it runs. The SET list reads the row as it is
        // when the statement gets it (after any concurrent take committed), and `taken` is kept on
        // the row so RETURNING can say how many this take got. Refill: `TaskRateLimit.available`.
        let available = "least(r.burst, r.tokens + r.per_second * greatest(0, extract(epoch FROM (c.now - r.refilled_at))))"
        var taken: [String: Int] = [:]
        for row in try await rows(
            """
            UPDATE rate_limits r
            SET taken = least(floor(\(unescaped: available)), c.wanted)::integer,
                tokens = \(unescaped: available) - least(floor(\(unescaped: available)), c.wanted),
                refilled_at = greatest(r.refilled_at, c.now)
            FROM (SELECT \(now)::timestamptz AS now, \(Int64(limit))::bigint AS wanted) AS c
            WHERE r.tenant = \(tenant) AND (\(types)::text[] IS NULL OR r.task_type = ANY(\(types)::text[]))
            RETURNING r.task_type, r.taken
            """)
        {
            taken[try row.get("task_type", as: String.self)] = Int(try row.get("taken", as: Int32.self))
        }
        return taken
    }

    public func relaxDurability() async throws {
        try await run("SET LOCAL synchronous_commit = off")
    }

    public func returnRateTokens(_ unused: [String: Int], tenant: String) async throws {
        let returned = unused.filter { $0.value > 0 }
        guard !returned.isEmpty else { return }
        let types = Array(returned.keys)
        let counts = types.map { Int64(returned[$0]!) }
        try await run(
            """
            UPDATE rate_limits r SET tokens = least(r.burst, r.tokens + u.n)
            FROM unnest(\(types)::text[], \(counts)::bigint[]) AS u(task_type, n)
            WHERE r.tenant = \(tenant) AND r.task_type = u.task_type
            """)
    }

    public func rateLimits(taskType: String?, tenant: String?) async throws -> [TaskRateLimit] {
        try await rows(
            """
            SELECT \(unescaped: TaskRateLimit.fields.columnList) FROM rate_limits
            WHERE (\(tenant)::text IS NULL OR tenant = \(tenant)::text) AND (\(taskType)::text IS NULL OR task_type = \(taskType)::text)
            ORDER BY tenant, task_type
            """
        ).map(PostgresColumns.row)
    }

    public func putRateLimit(taskType: String, perSecond: Double, burst: Double, tenant: String, at now: Timestamp) async throws -> Bool {
        // A changed limit keeps its bucket's tokens (refilled to now, at most the new burst).
        try await rows(
            """
            INSERT INTO rate_limits AS r (tenant, task_type, per_second, burst, tokens, taken, refilled_at, created_at, updated_at)
            VALUES (\(tenant), \(taskType), \(perSecond), \(burst), \(burst), 0, \(now), \(now), \(now))
            ON CONFLICT (tenant, task_type) DO UPDATE SET
                tokens = least(excluded.burst, r.tokens + r.per_second * greatest(0, extract(epoch FROM (excluded.updated_at - r.refilled_at)))),
                refilled_at = greatest(r.refilled_at, excluded.updated_at),
                per_second = excluded.per_second, burst = excluded.burst, updated_at = excluded.updated_at
            RETURNING (xmax = 0) AS inserted
            """
        ).first?.get("inserted", as: Bool.self) ?? false
    }

    public func deleteRateLimit(taskType: String, tenant: String) async throws -> Bool {
        try await rows("DELETE FROM rate_limits WHERE tenant = \(tenant) AND task_type = \(taskType) RETURNING task_type").count == 1
    }

    // MARK: tenant settings

    public func tenantSettings(tenant: String) async throws -> TenantSettings {
        guard let row = try await rows("SELECT settings::text AS settings FROM tenant_settings WHERE tenant = \(tenant)").first else {
            return TenantSettings()
        }
        return try TenantSettings.stored(try row.get("settings", as: String.self))
    }

    public func putTenantSettings(_ settings: TenantSettings, tenant: String) async throws {
        try await run(
            """
            INSERT INTO tenant_settings (tenant, settings) VALUES (\(tenant), \(settings.jsonString)::jsonb)
            ON CONFLICT (tenant) DO UPDATE SET settings = excluded.settings
            """)
    }

    // MARK: concurrency limits

    public func runningCounts(ofGoals goals: [UUID], tenant: String) async throws -> [UUID: Int64] {
        var counts: [UUID: Int64] = [:]
        for row in try await rows(
            """
            SELECT p.goal_id, count(*) AS running FROM plans p
            JOIN tasks t ON t.tenant = p.tenant AND t.plan_id = p.plan_id AND t.status = \(unescaped: SQLDomain.leased)
            WHERE p.tenant = \(tenant) AND p.goal_id = ANY(\(goals)) GROUP BY p.goal_id
            """)
        {
            counts[try row.get("goal_id")] = try row.get("running", as: Int64.self)
        }
        return counts
    }

    public func lockConcurrencyLimits(_ keys: [String], tenant: String) async throws -> [JSONKey: Int64] {
        var limits: [JSONKey: Int64] = [:]
        for row in try await rows(
            "SELECT key, max_running FROM concurrency_limits WHERE tenant = \(tenant) AND key = ANY(\(keys)) ORDER BY key FOR UPDATE")
        {
            limits[JSONKey(try row.get("key"))] = Int64(try row.get("max_running", as: Int32.self))
        }
        return limits
    }

    public func runningCounts(_ keys: [String], tenant: String) async throws -> [JSONKey: Int64] {
        var counts: [JSONKey: Int64] = [:]
        for row in try await rows(
            """
            SELECT concurrency_key AS key, count(*) AS n FROM tasks
            WHERE tenant = \(tenant) AND concurrency_key = ANY(\(keys)) AND status = \(unescaped: SQLDomain.leased) GROUP BY concurrency_key
            """)
        {
            counts[JSONKey(try row.get("key"))] = try row.get("n", as: Int64.self)
        }
        return counts
    }

    public func concurrencyLimits(key: String?, tenant: String?) async throws -> [ConcurrencyLimit] {
        try await rows(
            """
            SELECT \(unescaped: ConcurrencyLimit.fields.columnList(of: "l")),
                   (SELECT count(*) FROM tasks r WHERE r.tenant = l.tenant AND r.concurrency_key = l.key
                      AND r.status = \(unescaped: SQLDomain.leased)) AS running
            FROM concurrency_limits l
            WHERE (\(tenant)::text IS NULL OR l.tenant = \(tenant)::text) AND (\(key)::text IS NULL OR l.key = \(key)) ORDER BY l.tenant, l.key
            """
        ).map { row in
            var limit: ConcurrencyLimit = try PostgresColumns.row(row)
            limit.running = try row.get("running", as: Int64.self)
            return limit
        }
    }

    public func putConcurrencyLimit(key: String, maxRunning: Int64, tenant: String, at now: Timestamp) async throws -> Bool {
        try await rows(
            """
            INSERT INTO concurrency_limits (tenant, key, max_running, created_at, updated_at)
            VALUES (\(tenant), \(key), \(Int32(maxRunning)), \(now), \(now))
            ON CONFLICT (tenant, key) DO UPDATE SET max_running = excluded.max_running, updated_at = excluded.updated_at
            RETURNING (xmax = 0) AS created
            """
        ).first?.get("created", as: Bool.self) ?? false
    }

    public func deleteConcurrencyLimit(key: String, tenant: String) async throws -> Bool {
        try await rows("DELETE FROM concurrency_limits WHERE tenant = \(tenant) AND key = \(key) RETURNING key").count == 1
    }

    // MARK: serialisation

    public func serialize(_ scope: SerialScope) async throws {
        try await run("SELECT pg_advisory_xact_lock(hashtextextended(\(scope.name), 0))")
    }

    // MARK: idempotency

    public func finishIdempotentRequest(_ claim: IdempotencyClaim, response: StoredResponse) async throws -> Bool {
        try await rows(
            """
            UPDATE idempotency_keys SET state = 'done', status = \(Int32(truncatingIfNeeded: response.status)),
                headers = \(JSONB(bytes: Array(response.headersJSON.utf8))), body = \(ByteBuffer(bytes: response.body))
            WHERE tenant = \(claim.tenant) AND key = \(claim.key) AND token = \(claim.token) AND state = 'running'
            RETURNING key
            """
        ).count == 1
    }

    // MARK: events

    public func events(about id: UUID, after: Int64, limit: Int, tenant: String) async throws -> [Event] {
        try await rows(Self.historyQuery(id, after: after, limit: limit, tenant: tenant)).map(PostgresColumns.eventRow)
    }

    static func historyQuery(_ id: UUID, after: Int64, limit: Int, tenant: String) -> PostgresQuery {
        """
        SELECT \(unescaped: PostgresColumns.event) FROM events
        WHERE tenant = \(tenant) AND resource_id = \(id) AND event_id > \(after)
        ORDER BY event_id LIMIT \(Int64(limit))
        """
    }

    public func latestEventTimes(about id: UUID, type: String, limit: Int, tenant: String) async throws -> [Timestamp] {
        try await rows(
            """
            SELECT created_at FROM events
            WHERE tenant = \(tenant) AND resource_id = \(id) AND type = \(type)
            ORDER BY event_id DESC LIMIT \(Int64(limit))
            """
        ).map { try $0.get("created_at", as: Timestamp.self) }
    }

    /// Its position follows the events this transaction appended before it.
    public func appendEvent(_ draft: EventDraft, tenant: String, actor: String, at now: Timestamp) async throws -> Event {
        let position = appended.take(1) + 1
        let rows = try await rows(
            """
            INSERT INTO events (\(unescaped: TableColumns.event))
            VALUES ((pg_current_xact_id()::text::bigint << 20) + \(position), \(tenant), \(draft.type), \(draft.resourceID),
                    \(String(decoding: draft.data, as: UTF8.self))::json, \(actor), \(now))
            RETURNING \(unescaped: PostgresColumns.event)
            """)
        guard let row = rows.first else { throw AgenticError.internal("appending an event returned no row") }
        let event = try PostgresColumns.eventRow(row)
        // The event's position is `position` = base + ordinal 1.
        try await later(
            Prepared.EnqueueDeliveries(
                base: position - 1, tenant: tenant, now: now, types: [draft.type], resources: [draft.resourceID?.lowercased ?? ""]),
            rows: .events)
        return event
    }

    /// Appends in one statement. `event_id` is the transaction id shifted left 20 bits plus the event's
    /// position in the transaction: increasing in an order no reader can overtake (readers only see
    /// transactions older than every running one).
    public func appendEvents(_ drafts: [EventDraft], tenant: String, actor: String, at now: Timestamp) async throws {
        guard !drafts.isEmpty else { return }
        let base = appended.take(Int64(drafts.count))
        guard base + Int64(drafts.count) < 1 << 20 else {
            throw AgenticError.internal("a single change may record at most \(1 << 20) events")
        }
        try await later(
            Prepared.AppendEvents(
                base: base, tenant: tenant, actor: actor, now: now, types: drafts.map(\.type),
                resources: drafts.map { $0.resourceID?.lowercased ?? "" },
                data: drafts.map { String(decoding: $0.data, as: UTF8.self) }),
            rows: .events)
        // The outbox: deliveries for the tenant's webhooks, in the same round trip.
        try await later(
            Prepared.EnqueueDeliveries(
                base: base, tenant: tenant, now: now, types: drafts.map(\.type), resources: drafts.map { $0.resourceID?.lowercased ?? "" }),
            rows: .events)
    }
}

extension Int32 {
    /// A bounded column value: the API's limits keep values far inside `Int32`, but a value that
    /// somehow is not (a hand-edited snapshot) is a 422 naming the field, never a trap.
    init(checking value: Int64, _ field: String) throws {
        guard let narrowed = Int32(exactly: value) else {
            throw AgenticError.validation(field: field, "must be between \(Int32.min) and \(Int32.max)")
        }
        self = narrowed
    }
}

/// Counts the events of one transaction (shared by the copies of its `PostgresTransaction`).
final class EventCounter: Sendable {
    private let count = Mutex<Int64>(0)

    /// Starts again from zero (a retried transaction); returns itself.
    func reset() -> EventCounter {
        count.withLock { $0 = 0 }
        return self
    }

    /// How many were appended.
    var total: Int64 { count.withLock { $0 } }

    /// Reserves `n` positions and returns the first.
    func take(_ n: Int64) -> Int64 {
        count.withLock { count in
            defer { count += n }
            return count
        }
    }
}
