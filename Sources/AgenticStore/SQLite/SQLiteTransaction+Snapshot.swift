import AgenticCore
import Foundation
import SQLiteNIO

extension SQLiteTransaction: SnapshotTransaction {
    public func snapshotTenants() async throws -> [(name: String, createdAt: Timestamp)] {
        try await run("SELECT name, created_at FROM tenants ORDER BY name").map { (try $0.text("name"), try $0.timestamp("created_at")) }
    }

    public func snapshotKeys() async throws -> [ApiKey] {
        try await run("SELECT \(SQLiteColumns.key) FROM api_keys ORDER BY key_id").map(SQLiteColumns.keyRow)
    }

    public func snapshotAgents(after: RowPosition?, limit: Int) async throws -> [Agent] {
        try await page(SQLiteStatements.agent, after, limit)
    }

    public func snapshotGoals(after: RowPosition?, limit: Int) async throws -> [Goal] {
        try await page(SQLiteStatements.goal, after, limit)
    }

    public func snapshotPlans(after: RowPosition?, limit: Int) async throws -> [Plan] {
        try await page(SQLiteStatements.plan, after, limit)
    }

    public func snapshotTasks(after: RowPosition?, limit: Int) async throws -> [PlanTask] {
        try await page(SQLiteStatements.task, after, limit)
    }

    public func snapshotSchedules(after: RowPosition?, limit: Int) async throws -> [Schedule] {
        try await page(SQLiteStatements.schedule, after, limit)
    }

    public func snapshotDeliveries(after: RowPosition?, limit: Int) async throws -> [WebhookDelivery] {
        try await page(SQLiteStatements.delivery, after, limit)
    }

    private func page<Object>(_ statements: RowStatements<Object>, _ after: RowPosition?, _ limit: Int) async throws -> [Object] {
        let (table, id) = (statements.table, statements.idColumn)
        return try await run(
            "SELECT \(statements.columns) FROM \(table) WHERE ?1 IS NULL OR (tenant, \(id)) > (?1, ?2) ORDER BY tenant, \(id) LIMIT ?3",
            [.text(after?.tenant), .uuid(after?.id), .integer(SQLiteInt64(limit))]
        ).map(SQLiteColumns.row)
    }

    public func snapshotEvents(after: Int64, limit: Int) async throws -> [Event] {
        try await run(
            "SELECT \(TableColumns.event) FROM events WHERE event_id > ?1 ORDER BY event_id LIMIT ?2",
            [.int(after), .integer(SQLiteInt64(limit))]
        ).map(SQLiteColumns.eventRow)
    }

    public func isEmpty() async throws -> Bool {
        let row = try await run(
            """
            SELECT EXISTS (SELECT 1 FROM tenants) OR EXISTS (SELECT 1 FROM api_keys) OR EXISTS (SELECT 1 FROM agents)
                OR EXISTS (SELECT 1 FROM goals) OR EXISTS (SELECT 1 FROM plans) OR EXISTS (SELECT 1 FROM tasks)
                OR EXISTS (SELECT 1 FROM events) AS occupied
            """)
        return try row.first?.int("occupied") == 0
    }

    public func ensureTenant(name: String, createdAt: Timestamp) async throws {
        try await run("INSERT INTO tenants (name, created_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING", [.text(name), .time(createdAt)])
    }

    public func insertKey(_ key: ApiKey) async throws {
        try await run(
            "INSERT INTO api_keys (\(SQLiteColumns.key)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            [
                .uuid(key.id), .text(key.tenant), .text(key.name), .text(key.scope.rawValue), .text(key.hash), .text(key.prefix),
                .time(key.expiresAt), key.rateLimit.map { .float($0.requestsPerSecond) } ?? .null,
                key.rateLimit.map { .int($0.burst) } ?? .null, .integer(key.unlimited ? 1 : 0), .time(key.createdAt),
                .time(key.revokedAt),
            ])
    }

    public func importTask(_ task: PlanTask) async throws {
        try await insertTaskRow(task, unmetDependencies: 0)
    }

    public func importRow<Object: DescribedObject>(_ object: Object) async throws {
        let (sql, values) = SnapshotInsert.statement(object, placeholder: { "?\($0)" })
        try await run(sql, values.map { SQLiteData($0.value) })
    }

    public func importRateLimit(_ limit: TaskRateLimit) async throws {
        let (sql, values) = SnapshotInsert.statement(SnapshotInsert.full(limit), placeholder: { "?\($0)" }, extra: SnapshotInsert.untaken)
        try await run(sql, values.map { SQLiteData($0.value) })
    }

    public func importEvent(_ event: Event) async throws {
        try await run(
            "INSERT INTO events (\(TableColumns.event)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            [
                .int(event.id), .text(event.tenant), .text(event.type), .uuid(event.resourceID),
                .text(String(decoding: event.data, as: UTF8.self)), .text(event.actor), .time(event.createdAt),
            ])
    }

    public func setParent(ofGoal goal: UUID, tenant: String, to parent: UUID) async throws {
        try await run(
            "UPDATE goals SET parent_goal_id = ?3 WHERE tenant = ?1 AND goal_id = ?2", [.text(tenant), .uuid(goal), .uuid(parent)])
    }

    public func rebuildDependencies() async throws {
        try await run(
            """
            INSERT INTO task_dependencies (tenant, task_id, depends_on)
            SELECT t.tenant, t.task_id, d.value FROM tasks t, json_each(t.depends_on) d
            """)
        try await run(
            """
            UPDATE tasks SET deferred = not_before IS NOT NULL, unmet_dependencies = (
                SELECT count(*) FROM task_dependencies d JOIN tasks x ON x.tenant = d.tenant AND x.task_id = d.depends_on
                WHERE d.tenant = tasks.tenant AND d.task_id = tasks.task_id AND x.status <> \(SQLDomain.done))
                + (not_before IS NOT NULL)
            """)
    }
}
