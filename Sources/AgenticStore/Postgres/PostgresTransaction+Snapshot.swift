import AgenticCore
import Foundation
import PostgresNIO

extension PostgresTransaction: SnapshotTransaction {
    public func snapshotTenants() async throws -> [(name: String, createdAt: Timestamp)] {
        try await rows("SELECT name, created_at FROM tenants ORDER BY name").map { (try $0.get("name"), try $0.get("created_at")) }
    }

    public func snapshotKeys() async throws -> [ApiKey] {
        try await rows("SELECT \(unescaped: PostgresColumns.key) FROM api_keys ORDER BY key_id").map(PostgresColumns.keyRow)
    }

    public func snapshotAgents(after: RowPosition?, limit: Int) async throws -> [Agent] {
        try await page(PostgresStatements.agent, after, limit)
    }

    public func snapshotGoals(after: RowPosition?, limit: Int) async throws -> [Goal] {
        try await page(PostgresStatements.goal, after, limit)
    }

    public func snapshotPlans(after: RowPosition?, limit: Int) async throws -> [Plan] {
        try await page(PostgresStatements.plan, after, limit)
    }

    public func snapshotTasks(after: RowPosition?, limit: Int) async throws -> [PlanTask] {
        try await page(PostgresStatements.task, after, limit)
    }

    public func snapshotSchedules(after: RowPosition?, limit: Int) async throws -> [Schedule] {
        try await page(PostgresStatements.schedule, after, limit)
    }

    public func snapshotDeliveries(after: RowPosition?, limit: Int) async throws -> [WebhookDelivery] {
        try await page(PostgresStatements.delivery, after, limit)
    }

    public func importRow<Object: DescribedObject>(_ object: Object) async throws {
        let (sql, values) = SnapshotInsert.statement(object, placeholder: { "$\($0)" })
        try await run(PostgresQuery(unsafeSQL: sql, binds: try PostgresBindings(values)))
    }

    public func importRateLimit(_ limit: TaskRateLimit) async throws {
        let (sql, values) = SnapshotInsert.statement(SnapshotInsert.full(limit), placeholder: { "$\($0)" }, extra: SnapshotInsert.untaken)
        try await run(PostgresQuery(unsafeSQL: sql, binds: try PostgresBindings(values)))
    }

    private func page<Object>(_ statements: RowStatements<Object>, _ after: RowPosition?, _ limit: Int) async throws -> [Object] {
        let (table, id, columns) = (statements.table, statements.idColumn, statements.columns)
        var binds = PostgresBindings()
        binds.append(after?.tenant)
        binds.append(after?.id)
        binds.append(Int64(limit))
        return try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(columns) FROM \(table) WHERE $1::text IS NULL OR (tenant, \(id)) > ($1, $2::uuid)
                    ORDER BY tenant, \(id) LIMIT $3
                    """,
                binds: binds)
        ).map(PostgresColumns.row)
    }

    public func snapshotEvents(after: Int64, limit: Int) async throws -> [Event] {
        try await events(after: after, limit: limit, onlyVisible: false)
    }

    /// Events of every tenant after `after`, oldest first. `onlyVisible` keeps to what readers may see:
    /// events of transactions older than every running one (see `PostgresStore.events`).
    func events(after: Int64, limit: Int, onlyVisible: Bool) async throws -> [Event] {
        try await rows(
            """
            SELECT \(unescaped: PostgresColumns.event) FROM events
            WHERE event_id > \(after) AND (NOT \(onlyVisible) OR tx < pg_snapshot_xmin(pg_current_snapshot()))
            ORDER BY event_id LIMIT \(Int64(limit))
            """
        ).map(PostgresColumns.eventRow)
    }

    public func isEmpty() async throws -> Bool {
        let occupied = try await rows(
            """
            SELECT EXISTS (SELECT 1 FROM tenants) OR EXISTS (SELECT 1 FROM api_keys) OR EXISTS (SELECT 1 FROM agents)
                OR EXISTS (SELECT 1 FROM goals) OR EXISTS (SELECT 1 FROM plans) OR EXISTS (SELECT 1 FROM tasks)
                OR EXISTS (SELECT 1 FROM events) AS occupied
            """
        ).first?.get("occupied", as: Bool.self)
        return occupied == false
    }

    public func ensureTenant(name: String, createdAt: Timestamp) async throws {
        try await run("INSERT INTO tenants (name, created_at) VALUES (\(name), \(createdAt)) ON CONFLICT (name) DO NOTHING")
    }

    public func insertKey(_ key: ApiKey) async throws {
        try await run(
            """
            INSERT INTO api_keys (\(unescaped: PostgresColumns.key)) VALUES (\(key.id), \(key.tenant), \(key.name),
                \(key.scope.rawValue), \(key.hash), \(key.prefix), \(key.expiresAt), \(key.rateLimit?.requestsPerSecond),
                \(key.rateLimit?.burst), \(key.unlimited), \(key.createdAt), \(key.revokedAt))
            """)
    }

    public func importTask(_ task: PlanTask) async throws {
        try await insertTaskRow(task, unmetDependencies: 0)
    }

    /// Keeps the exported id; the transaction id column records this import's transaction, so the
    /// events become visible to readers together when it commits.
    public func importEvent(_ event: Event) async throws {
        try await run(
            """
            INSERT INTO events (\(unescaped: TableColumns.event))
            VALUES (\(event.id), \(event.tenant), \(event.type), \(event.resourceID),
                    \(String(decoding: event.data, as: UTF8.self))::json, \(event.actor), \(event.createdAt))
            """)
    }

    public func setParent(ofGoal goal: UUID, tenant: String, to parent: UUID) async throws {
        try await run("UPDATE goals SET parent_goal_id = \(parent) WHERE tenant = \(tenant) AND goal_id = \(goal)")
    }

    public func rebuildDependencies() async throws {
        try await run(
            "INSERT INTO task_dependencies (tenant, task_id, depends_on) SELECT tenant, task_id, unnest(depends_on) FROM tasks")
        try await run(
            """
            UPDATE tasks SET deferred = not_before IS NOT NULL, unmet_dependencies = (
                SELECT count(*) FROM task_dependencies d JOIN tasks x ON x.tenant = d.tenant AND x.task_id = d.depends_on
                WHERE d.tenant = tasks.tenant AND d.task_id = tasks.task_id AND x.status <> \(unescaped: SQLDomain.done))
                + (CASE WHEN not_before IS NOT NULL THEN 1 ELSE 0 END)
            """)
    }
}
