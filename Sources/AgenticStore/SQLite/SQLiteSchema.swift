import AgenticCore

/// The embedded store's schema, as numbered migrations applied in order and recorded in
/// `schema_migrations`. A migration is never edited once released: changes go in a new one, and
/// none may drop or rewrite user data.
///
/// Ids are lowercase UUID text, timestamps integer microseconds since 1970, JSON canonical text.
enum SQLiteSchema {
    static let migrations: [(version: Int, statements: [String])] = [
        (1, version1),
        (2, version2),
        (3, version3),
        (4, version4),
        (5, version5),
        (6, version6),
        (7, version7),
        (8, version8),
        (9, version9),
        (10, version10),
        (11, version11),
        (12, version12),
        (13, version13),
        (14, version14),
        (15, version15),
        (16, version16),
        (17, version17),
    ]

    static var latestVersion: Int { migrations.last!.version }

    private static let version1 = [
        """
        CREATE TABLE tenants (
            name TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE api_keys (
            key_id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL REFERENCES tenants(name),
            name TEXT NOT NULL,
            scope TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            expires_at INTEGER,
            rate_rps REAL,
            rate_burst INTEGER,
            unlimited INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER
        )
        """,
        "CREATE INDEX api_keys_by_tenant ON api_keys(tenant, created_at)",
        """
        CREATE TABLE agents (
            agent_id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            did TEXT NOT NULL,
            name TEXT NOT NULL,
            agent_type TEXT NOT NULL,
            status TEXT NOT NULL,
            configuration TEXT NOT NULL,
            metadata TEXT NOT NULL,
            resource_limits TEXT NOT NULL,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX agents_did ON agents(tenant, did)",
        "CREATE INDEX agents_list ON agents(tenant, created_at, agent_id)",
        "CREATE INDEX agents_by_status ON agents(tenant, status, created_at, agent_id)",
        "CREATE INDEX agents_by_type ON agents(tenant, agent_type, created_at, agent_id)",
        """
        CREATE TABLE goals (
            goal_id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            agent_id TEXT REFERENCES agents(agent_id) ON DELETE SET NULL,
            agent_did TEXT,
            goal_text TEXT NOT NULL,
            goal_type TEXT NOT NULL,
            status TEXT NOT NULL,
            priority INTEGER NOT NULL,
            constraints TEXT NOT NULL,
            success_criteria TEXT NOT NULL,
            parent_goal_id TEXT REFERENCES goals(goal_id) ON DELETE CASCADE,
            metadata TEXT NOT NULL,
            completed_at INTEGER,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX goals_list ON goals(tenant, created_at, goal_id)",
        "CREATE INDEX goals_by_status ON goals(tenant, status, created_at, goal_id)",
        "CREATE INDEX goals_by_agent ON goals(agent_id, created_at, goal_id)",
        "CREATE INDEX goals_by_parent ON goals(parent_goal_id)",
        """
        CREATE TABLE plans (
            plan_id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            goal_id TEXT NOT NULL REFERENCES goals(goal_id) ON DELETE CASCADE,
            agent_id TEXT REFERENCES agents(agent_id) ON DELETE SET NULL,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            resource_budget TEXT NOT NULL,
            metadata TEXT NOT NULL,
            started_at INTEGER,
            completed_at INTEGER,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX plans_list ON plans(tenant, created_at, plan_id)",
        "CREATE INDEX plans_by_status ON plans(tenant, status, created_at, plan_id)",
        "CREATE INDEX plans_by_agent ON plans(agent_id, created_at, plan_id)",
        "CREATE INDEX plans_by_goal ON plans(goal_id, created_at, plan_id)",
        """
        CREATE TABLE tasks (
            task_id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            plan_id TEXT NOT NULL REFERENCES plans(plan_id) ON DELETE CASCADE,
            agent_id TEXT REFERENCES agents(agent_id) ON DELETE SET NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            task_type TEXT NOT NULL,
            status TEXT NOT NULL,
            inputs TEXT NOT NULL,
            outputs TEXT NOT NULL,
            depends_on TEXT NOT NULL,
            unmet_dependencies INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            timeout_seconds INTEGER NOT NULL,
            max_attempts INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            lease_expires_at INTEGER,
            error TEXT,
            tool_name TEXT,
            started_at INTEGER,
            completed_at INTEGER,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX tasks_list ON tasks(tenant, created_at, task_id)",
        "CREATE INDEX tasks_by_status ON tasks(tenant, status, created_at, task_id)",
        "CREATE INDEX tasks_by_agent ON tasks(agent_id, created_at, task_id)",
        "CREATE INDEX tasks_by_plan ON tasks(plan_id, created_at, task_id)",
        "CREATE INDEX tasks_by_plan_status ON tasks(plan_id, status)",
        """
        CREATE INDEX tasks_ready ON tasks(tenant, priority DESC, created_at, task_id)
            WHERE status = 'pending' AND unmet_dependencies = 0
        """,
        "CREATE INDEX tasks_leases ON tasks(lease_expires_at) WHERE status = 'running'",
        """
        CREATE TABLE task_dependencies (
            task_id TEXT NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
            depends_on TEXT NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
            PRIMARY KEY (task_id, depends_on)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX task_dependencies_reverse ON task_dependencies(depends_on)",
        """
        CREATE TABLE events (
            event_id INTEGER PRIMARY KEY AUTOINCREMENT,
            tenant TEXT NOT NULL,
            type TEXT NOT NULL,
            resource_id TEXT,
            data TEXT NOT NULL,
            actor TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX events_by_tenant ON events(tenant, event_id)",
        "CREATE INDEX events_by_age ON events(created_at)",
        """
        CREATE TABLE idempotency_keys (
            tenant TEXT NOT NULL,
            key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            state TEXT NOT NULL,
            status INTEGER,
            headers TEXT,
            body BLOB,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (tenant, key)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX idempotency_by_expiry ON idempotency_keys(expires_at)",
    ]

    /// Resources keyed by `(tenant, id)`: an id taken in one tenant is free in every other. SQLite
    /// cannot change a primary key in place, so the four resource tables and the dependency edges are
    /// rebuilt (rows copied unchanged, the edges given their tenant) with foreign keys off, as its
    /// documentation prescribes; the runner checks every reference before it commits. References to
    /// agents take no action on delete (deleting an agent first detaches what names it).
    /// Idempotency reservations get a token.
    private static let version2 = [
        """
        CREATE TABLE agents_v2 (
            agent_id TEXT NOT NULL,
            tenant TEXT NOT NULL,
            did TEXT NOT NULL,
            name TEXT NOT NULL,
            agent_type TEXT NOT NULL,
            status TEXT NOT NULL,
            configuration TEXT NOT NULL,
            metadata TEXT NOT NULL,
            resource_limits TEXT NOT NULL,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (tenant, agent_id)
        )
        """,
        "INSERT INTO agents_v2 SELECT * FROM agents",
        """
        CREATE TABLE goals_v2 (
            goal_id TEXT NOT NULL,
            tenant TEXT NOT NULL,
            agent_id TEXT,
            agent_did TEXT,
            goal_text TEXT NOT NULL,
            goal_type TEXT NOT NULL,
            status TEXT NOT NULL,
            priority INTEGER NOT NULL,
            constraints TEXT NOT NULL,
            success_criteria TEXT NOT NULL,
            parent_goal_id TEXT,
            metadata TEXT NOT NULL,
            completed_at INTEGER,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (tenant, goal_id),
            FOREIGN KEY (tenant, agent_id) REFERENCES agents (tenant, agent_id),
            FOREIGN KEY (tenant, parent_goal_id) REFERENCES goals (tenant, goal_id) ON DELETE CASCADE
        )
        """,
        "INSERT INTO goals_v2 SELECT * FROM goals",
        """
        CREATE TABLE plans_v2 (
            plan_id TEXT NOT NULL,
            tenant TEXT NOT NULL,
            goal_id TEXT NOT NULL,
            agent_id TEXT,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            resource_budget TEXT NOT NULL,
            metadata TEXT NOT NULL,
            started_at INTEGER,
            completed_at INTEGER,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (tenant, plan_id),
            FOREIGN KEY (tenant, goal_id) REFERENCES goals (tenant, goal_id) ON DELETE CASCADE,
            FOREIGN KEY (tenant, agent_id) REFERENCES agents (tenant, agent_id)
        )
        """,
        "INSERT INTO plans_v2 SELECT * FROM plans",
        """
        CREATE TABLE tasks_v2 (
            task_id TEXT NOT NULL,
            tenant TEXT NOT NULL,
            plan_id TEXT NOT NULL,
            agent_id TEXT,
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            task_type TEXT NOT NULL,
            status TEXT NOT NULL,
            inputs TEXT NOT NULL,
            outputs TEXT NOT NULL,
            depends_on TEXT NOT NULL,
            unmet_dependencies INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            timeout_seconds INTEGER NOT NULL,
            max_attempts INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            lease_expires_at INTEGER,
            error TEXT,
            tool_name TEXT,
            started_at INTEGER,
            completed_at INTEGER,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (tenant, task_id),
            FOREIGN KEY (tenant, plan_id) REFERENCES plans (tenant, plan_id) ON DELETE CASCADE,
            FOREIGN KEY (tenant, agent_id) REFERENCES agents (tenant, agent_id)
        )
        """,
        "INSERT INTO tasks_v2 SELECT * FROM tasks",
        """
        CREATE TABLE task_dependencies_v2 (
            tenant TEXT NOT NULL,
            task_id TEXT NOT NULL,
            depends_on TEXT NOT NULL,
            PRIMARY KEY (tenant, task_id, depends_on),
            FOREIGN KEY (tenant, task_id) REFERENCES tasks (tenant, task_id) ON DELETE CASCADE,
            FOREIGN KEY (tenant, depends_on) REFERENCES tasks (tenant, task_id) ON DELETE CASCADE
        ) WITHOUT ROWID
        """,
        """
        INSERT INTO task_dependencies_v2 (tenant, task_id, depends_on)
        SELECT t.tenant, d.task_id, d.depends_on FROM task_dependencies d JOIN tasks t ON t.task_id = d.task_id
        """,
        "DROP TABLE task_dependencies",
        "DROP TABLE tasks",
        "DROP TABLE plans",
        "DROP TABLE goals",
        "DROP TABLE agents",
        "ALTER TABLE agents_v2 RENAME TO agents",
        "ALTER TABLE goals_v2 RENAME TO goals",
        "ALTER TABLE plans_v2 RENAME TO plans",
        "ALTER TABLE tasks_v2 RENAME TO tasks",
        "ALTER TABLE task_dependencies_v2 RENAME TO task_dependencies",
        "CREATE UNIQUE INDEX agents_did ON agents(tenant, did)",
        "CREATE INDEX agents_list ON agents(tenant, created_at, agent_id)",
        "CREATE INDEX agents_by_status ON agents(tenant, status, created_at, agent_id)",
        "CREATE INDEX agents_by_type ON agents(tenant, agent_type, created_at, agent_id)",
        "CREATE INDEX goals_list ON goals(tenant, created_at, goal_id)",
        "CREATE INDEX goals_by_status ON goals(tenant, status, created_at, goal_id)",
        "CREATE INDEX goals_by_agent ON goals(tenant, agent_id, created_at, goal_id)",
        "CREATE INDEX goals_by_parent ON goals(tenant, parent_goal_id)",
        "CREATE INDEX plans_list ON plans(tenant, created_at, plan_id)",
        "CREATE INDEX plans_by_status ON plans(tenant, status, created_at, plan_id)",
        "CREATE INDEX plans_by_agent ON plans(tenant, agent_id, created_at, plan_id)",
        "CREATE INDEX plans_by_goal ON plans(tenant, goal_id, created_at, plan_id)",
        "CREATE INDEX tasks_list ON tasks(tenant, created_at, task_id)",
        "CREATE INDEX tasks_by_status ON tasks(tenant, status, created_at, task_id)",
        "CREATE INDEX tasks_by_agent ON tasks(tenant, agent_id, created_at, task_id)",
        "CREATE INDEX tasks_by_plan ON tasks(tenant, plan_id, created_at, task_id)",
        "CREATE INDEX tasks_by_plan_status ON tasks(tenant, plan_id, status)",
        """
        CREATE INDEX tasks_ready ON tasks(tenant, priority DESC, created_at, task_id)
            WHERE status = 'pending' AND unmet_dependencies = 0
        """,
        "CREATE INDEX tasks_leases ON tasks(lease_expires_at) WHERE status = 'running'",
        "CREATE INDEX task_dependencies_reverse ON task_dependencies(tenant, depends_on)",
        "ALTER TABLE idempotency_keys ADD COLUMN token TEXT",
    ]

    private static let version3 = [
        "ALTER TABLE tasks ADD COLUMN concurrency_key TEXT",
    ]

    /// A name's key in its prefix-search index: its first `ListQuery.maxNamePrefix` characters
    /// (BINARY collation compares bytes).
    static func nameKey(_ column: String) -> String { "substr(\(column), 1, \(ListQuery.maxNamePrefix))" }

    private static func ready(_ row: String) -> String { "(\(row).status = 'pending' AND \(row).unmet_dependencies = 0)" }

    /// Prefix search by name; a resource's history; counts for `/stats` kept by triggers (see the
    /// PostgreSQL schema's version 4: the same counters, one slot, written by `SQLiteCounters`).
    private static let version4 = [
        "CREATE INDEX agents_by_name ON agents(tenant, \(nameKey("name")), created_at, agent_id)",
        "CREATE INDEX goals_by_name ON goals(tenant, \(nameKey("goal_text")), created_at, goal_id)",
        "CREATE INDEX plans_by_name ON plans(tenant, \(nameKey("name")), created_at, plan_id)",
        "CREATE INDEX events_by_resource ON events(tenant, resource_id, event_id)",
        """
        CREATE TABLE counters (
            tenant TEXT NOT NULL,
            name TEXT NOT NULL,
            bucket INTEGER NOT NULL,
            slot INTEGER NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (tenant, name, bucket, slot)
        ) WITHOUT ROWID
        """,
        // The triggers report to `agentic_count` (see `SQLiteCounters`), which the store installs
        // on its writer: whoever changes these tables outside Agentic needs that function too.
        """
        CREATE TRIGGER tasks_counted_insert AFTER INSERT ON tasks BEGIN
            SELECT agentic_count('task', NEW.tenant, NULL, NEW.status, 0, \(ready("NEW")));
        END
        """,
        """
        CREATE TRIGGER tasks_counted_delete AFTER DELETE ON tasks BEGIN
            SELECT agentic_count('task', OLD.tenant, OLD.status, NULL, \(ready("OLD")), 0);
        END
        """,
        """
        CREATE TRIGGER tasks_counted_update AFTER UPDATE ON tasks
            WHEN OLD.status <> NEW.status OR \(ready("OLD")) <> \(ready("NEW"))
        BEGIN
            SELECT agentic_count('task', NEW.tenant, OLD.status, NEW.status, \(ready("OLD")), \(ready("NEW")));
        END
        """,
        """
        CREATE TRIGGER agents_counted_insert AFTER INSERT ON agents BEGIN
            SELECT agentic_count('agent', NEW.tenant, NULL, NEW.status, 0, 0);
        END
        """,
        """
        CREATE TRIGGER agents_counted_delete AFTER DELETE ON agents BEGIN
            SELECT agentic_count('agent', OLD.tenant, OLD.status, NULL, 0, 0);
        END
        """,
        """
        CREATE TRIGGER agents_counted_update AFTER UPDATE ON agents WHEN OLD.status <> NEW.status BEGIN
            SELECT agentic_count('agent', NEW.tenant, OLD.status, NEW.status, 0, 0);
        END
        """,
        "INSERT INTO counters SELECT tenant, 'task.' || status, 0, 0, count(*) FROM tasks GROUP BY tenant, status",
        """
        INSERT INTO counters SELECT tenant, 'task.ready', 0, 0, count(*) FROM tasks
        WHERE status = 'pending' AND unmet_dependencies = 0 GROUP BY tenant
        """,
        "INSERT INTO counters SELECT tenant, 'agent.' || status, 0, 0, count(*) FROM agents GROUP BY tenant, status",
    ]

    /// A plan's `plan_type` (the seed's planners send it).
    private static let version5 = [
        "ALTER TABLE plans ADD COLUMN plan_type TEXT",
    ]

    /// Delays and backoff: `not_before`, a task's `retry_policy`, and `deferred` — set while
    /// `not_before` is ahead, when it also counts as one unmet dependency (see `setDeferred`) — with
    /// the index the release sweep reads.
    private static let version6 = [
        "ALTER TABLE tasks ADD COLUMN not_before INTEGER",
        "ALTER TABLE tasks ADD COLUMN retry_policy TEXT",
        "ALTER TABLE tasks ADD COLUMN deferred INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX tasks_deferred ON tasks(not_before) WHERE deferred = 1",
    ]

    /// Concurrency limits by `concurrency_key`, and the index that counts a key's running tasks.
    private static let version7 = [
        """
        CREATE TABLE concurrency_limits (
            tenant TEXT NOT NULL,
            key TEXT NOT NULL,
            max_running INTEGER NOT NULL CHECK (max_running > 0),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (tenant, key)
        )
        """,
        "CREATE INDEX tasks_running_by_key ON tasks(tenant, concurrency_key) WHERE status = 'running' AND concurrency_key IS NOT NULL",
    ]

    /// When a goal's time is up (`Goal.refreshDerived`), derived for goals that already had a
    /// deadline or a longest execution time (to the millisecond, SQLite's `subsec`), and the index
    /// the expiry sweep reads.
    private static let version8 = [
        "ALTER TABLE goals ADD COLUMN expires_at INTEGER",
        """
        UPDATE goals SET expires_at = (
            SELECT min(t) FROM (
                SELECT CAST(round(unixepoch(json_extract(constraints, '$.deadline'), 'subsec') * 1000000) AS INTEGER) AS t
                UNION ALL
                SELECT created_at + json_extract(constraints, '$.max_execution_time_sec') * 1000000))
        WHERE json_extract(constraints, '$.deadline') IS NOT NULL OR json_extract(constraints, '$.max_execution_time_sec') IS NOT NULL
        """,
        "CREATE INDEX goals_expiring ON goals(expires_at) WHERE status IN (\(SQLDomain.openGoalStatuses)) AND expires_at IS NOT NULL",
    ]

    /// A tenant's own defaults (`TenantSettings`, kept as one JSON document: a new setting needs no
    /// migration).
    private static let version9 = [
        """
        CREATE TABLE tenant_settings (
            tenant TEXT PRIMARY KEY,
            settings TEXT NOT NULL
        )
        """,
    ]

    /// Rate limits by task type: a token bucket per type (`RateLimit`); `taken` holds what the last
    /// take got, for its RETURNING.
    private static let version10 = [
        """
        CREATE TABLE rate_limits (
            tenant TEXT NOT NULL,
            task_type TEXT NOT NULL,
            per_second REAL NOT NULL CHECK (per_second > 0),
            burst REAL NOT NULL CHECK (burst >= 1),
            tokens REAL NOT NULL,
            taken INTEGER NOT NULL,
            refilled_at INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (tenant, task_type)
        )
        """,
    ]

    /// `schedule_to_start_seconds`, when a task last became due (`ready_at`), and the index the
    /// sweep that fails tasks nobody claimed in time reads.
    private static let version11 = [
        "ALTER TABLE tasks ADD COLUMN schedule_to_start_seconds INTEGER",
        "ALTER TABLE tasks ADD COLUMN ready_at INTEGER",
        "CREATE INDEX tasks_waiting_to_start ON tasks(ready_at) WHERE status = 'pending' AND schedule_to_start_seconds IS NOT NULL",
    ]

    /// Usage and budgets: what each task cost, the totals of plans, goals and agents (one row each,
    /// which completions add to without touching the resource's row), the flags that make claims
    /// pass over work whose budget is used up, and an agent's `max_concurrent_tasks` in a column of
    /// its own (taken from its `resource_limits` where that already holds a valid one).
    private static let version12 = [
        """
        ALTER TABLE tasks ADD COLUMN usage TEXT NOT NULL DEFAULT '{"input_tokens":0,"output_tokens":0,"cost_usd":0}'
        """,
        """
        CREATE TABLE usage_totals (
            tenant TEXT NOT NULL,
            kind TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cost_usd REAL NOT NULL,
            PRIMARY KEY (tenant, kind, resource_id)
        ) WITHOUT ROWID
        """,
        "ALTER TABLE agents ADD COLUMN budget_exhausted INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE goals ADD COLUMN budget_exhausted INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE plans ADD COLUMN budget_exhausted INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE agents ADD COLUMN max_concurrent_tasks INTEGER",
        """
        UPDATE agents SET max_concurrent_tasks = json_extract(resource_limits, '$.max_concurrent_tasks')
        WHERE json_type(resource_limits, '$.max_concurrent_tasks') = 'integer'
          AND json_extract(resource_limits, '$.max_concurrent_tasks') BETWEEN 1 AND 10000
        """,
    ]

    /// The goals, plans and agents whose budget is used up, for the metrics to count.
    private static let version13 = [
        "CREATE INDEX agents_budget_exhausted ON agents(tenant) WHERE budget_exhausted",
        "CREATE INDEX goals_budget_exhausted ON goals(tenant) WHERE budget_exhausted",
        "CREATE INDEX plans_budget_exhausted ON plans(tenant) WHERE budget_exhausted",
    ]

    /// A goal's `max_parallelism` and whether it restricts agent types, in columns a claim reads
    /// (`Goal.refreshDerived`) instead of the constraints' JSON for every candidate.
    private static let version14 = [
        "ALTER TABLE goals ADD COLUMN parallelism_cap INTEGER",
        "ALTER TABLE goals ADD COLUMN restricts_agent_types INTEGER NOT NULL DEFAULT 0",
        """
        UPDATE goals SET parallelism_cap = json_extract(constraints, '$.max_parallelism'),
            restricts_agent_types = coalesce(json_array_length(constraints, '$.allowed_agent_types'), 0) > 0
        """,
    ]

    /// Schedules: recurring goals with their plans; the sweep reads the partial index of unpaused
    /// schedules by next run.
    private static let version15 = [
        """
        CREATE TABLE schedules (
            schedule_id TEXT NOT NULL,
            tenant TEXT NOT NULL,
            name TEXT NOT NULL,
            cron TEXT NOT NULL,
            time_zone TEXT NOT NULL,
            goal_template TEXT NOT NULL,
            plan_template TEXT NOT NULL,
            paused INTEGER NOT NULL,
            next_run_at INTEGER,
            last_run_at INTEGER,
            last_goal_id TEXT,
            last_plan_id TEXT,
            run_count INTEGER NOT NULL,
            version INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (tenant, schedule_id)
        )
        """,
        "CREATE INDEX schedules_list ON schedules(tenant, created_at, schedule_id)",
        "CREATE INDEX schedules_due ON schedules(next_run_at) WHERE NOT paused AND next_run_at IS NOT NULL",
    ]

    /// Approvals: whether a task needs approval, the question and decision, and the key that
    /// created it (which may not approve it). Statuses and scopes are not constrained here.
    private static let version16 = [
        "ALTER TABLE tasks ADD COLUMN requires_approval INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE tasks ADD COLUMN approval TEXT",
        "ALTER TABLE tasks ADD COLUMN created_by TEXT",
    ]

    /// Webhooks and their outbox: a delivery row per (webhook, event), written with the event.
    /// `resource_key` is the event's resource id, or '' for events about none (one queue of their
    /// own per webhook); the claim reads the partial index of pending deliveries by due time, and
    /// the order check the one by webhook, resource and event.
    private static let version17 = [
        """
        CREATE TABLE webhooks (
            webhook_id TEXT NOT NULL PRIMARY KEY,
            tenant TEXT NOT NULL,
            url TEXT NOT NULL,
            types TEXT NOT NULL,
            secret TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )
        """,
        "CREATE INDEX webhooks_by_tenant ON webhooks(tenant, created_at)",
        """
        CREATE TABLE webhook_allowed_hosts (
            tenant TEXT NOT NULL PRIMARY KEY,
            hosts TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE webhook_deliveries (
            delivery_id TEXT NOT NULL PRIMARY KEY,
            tenant TEXT NOT NULL,
            webhook_id TEXT NOT NULL REFERENCES webhooks(webhook_id) ON DELETE CASCADE,
            event_id INTEGER NOT NULL,
            event_type TEXT NOT NULL,
            resource_key TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at INTEGER,
            last_attempt_at INTEGER,
            last_status INTEGER,
            last_error TEXT,
            delivered_at INTEGER,
            expires_at INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            claim TEXT,
            claimed_until INTEGER
        )
        """,
        "CREATE INDEX webhook_deliveries_list ON webhook_deliveries(webhook_id, created_at, delivery_id)",
        "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending'",
        "CREATE INDEX webhook_deliveries_order ON webhook_deliveries(webhook_id, resource_key, event_id) WHERE state = 'pending'",
    ]
}
