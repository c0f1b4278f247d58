import AgenticCore

/// The PostgreSQL schema as numbered migrations, applied in order under an advisory lock (so
/// instances starting together do not race) and recorded in `schema_migrations`. Released
/// migrations are never edited; none may drop or rewrite user data.
enum PostgresSchema {
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

    /// Serialises migrations across instances.
    static let advisoryLockKey: Int64 = 0x4147_454E_5449_43
    /// Serialises the folding of `/stats` counters across instances.
    static let countersLockKey: Int64 = 0x4147_454E_5449_44

    private static let version1 = [
        """
        CREATE TABLE tenants (
            name text PRIMARY KEY,
            created_at timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE api_keys (
            key_id uuid PRIMARY KEY,
            tenant text NOT NULL REFERENCES tenants(name),
            name text NOT NULL,
            scope text NOT NULL CHECK (scope IN ('admin', 'write', 'read')),
            key_hash text NOT NULL UNIQUE,
            prefix text NOT NULL,
            expires_at timestamptz,
            rate_rps double precision,
            rate_burst bigint,
            unlimited boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL,
            revoked_at timestamptz
        )
        """,
        "CREATE INDEX api_keys_by_tenant ON api_keys (tenant, created_at)",
        """
        CREATE TABLE agents (
            agent_id uuid PRIMARY KEY,
            tenant text NOT NULL,
            did text NOT NULL,
            name text NOT NULL,
            agent_type text NOT NULL,
            status text NOT NULL CHECK (status IN ('created', 'active', 'idle', 'busy', 'suspended', 'terminated', 'error')),
            configuration jsonb NOT NULL,
            metadata jsonb NOT NULL,
            resource_limits jsonb NOT NULL,
            version bigint NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            CONSTRAINT agents_did UNIQUE (tenant, did)
        )
        """,
        "CREATE INDEX agents_list ON agents (tenant, created_at, agent_id)",
        "CREATE INDEX agents_by_status ON agents (tenant, status, created_at, agent_id)",
        "CREATE INDEX agents_by_type ON agents (tenant, agent_type, created_at, agent_id)",
        """
        CREATE TABLE goals (
            goal_id uuid PRIMARY KEY,
            tenant text NOT NULL,
            agent_id uuid REFERENCES agents(agent_id) ON DELETE SET NULL,
            agent_did text,
            goal_text text NOT NULL,
            goal_type text NOT NULL,
            status text NOT NULL CHECK (status IN ('pending', 'active', 'completed', 'failed', 'cancelled')),
            priority integer NOT NULL,
            constraints jsonb NOT NULL,
            success_criteria jsonb NOT NULL,
            parent_goal_id uuid REFERENCES goals(goal_id) ON DELETE CASCADE,
            metadata jsonb NOT NULL,
            completed_at timestamptz,
            version bigint NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX goals_list ON goals (tenant, created_at, goal_id)",
        "CREATE INDEX goals_by_status ON goals (tenant, status, created_at, goal_id)",
        "CREATE INDEX goals_by_agent ON goals (agent_id, created_at, goal_id)",
        "CREATE INDEX goals_by_parent ON goals (parent_goal_id)",
        """
        CREATE TABLE plans (
            plan_id uuid PRIMARY KEY,
            tenant text NOT NULL,
            goal_id uuid NOT NULL REFERENCES goals(goal_id) ON DELETE CASCADE,
            agent_id uuid REFERENCES agents(agent_id) ON DELETE SET NULL,
            name text NOT NULL,
            status text NOT NULL CHECK (status IN ('draft', 'active', 'completed', 'failed', 'cancelled')),
            resource_budget jsonb NOT NULL,
            metadata jsonb NOT NULL,
            started_at timestamptz,
            completed_at timestamptz,
            version bigint NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX plans_list ON plans (tenant, created_at, plan_id)",
        "CREATE INDEX plans_by_status ON plans (tenant, status, created_at, plan_id)",
        "CREATE INDEX plans_by_agent ON plans (agent_id, created_at, plan_id)",
        "CREATE INDEX plans_by_goal ON plans (goal_id, created_at, plan_id)",
        """
        CREATE TABLE tasks (
            task_id uuid PRIMARY KEY,
            tenant text NOT NULL,
            plan_id uuid NOT NULL REFERENCES plans(plan_id) ON DELETE CASCADE,
            agent_id uuid REFERENCES agents(agent_id) ON DELETE SET NULL,
            name text NOT NULL,
            description text NOT NULL,
            task_type text NOT NULL,
            status text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'blocked', 'skipped', 'cancelled')),
            inputs jsonb NOT NULL,
            outputs jsonb NOT NULL,
            depends_on uuid[] NOT NULL,
            unmet_dependencies integer NOT NULL,
            priority integer NOT NULL,
            timeout_seconds integer NOT NULL,
            max_attempts integer NOT NULL,
            attempts integer NOT NULL,
            lease_expires_at timestamptz,
            error jsonb,
            tool_name text,
            started_at timestamptz,
            completed_at timestamptz,
            version bigint NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX tasks_list ON tasks (tenant, created_at, task_id)",
        "CREATE INDEX tasks_by_status ON tasks (tenant, status, created_at, task_id)",
        "CREATE INDEX tasks_by_agent ON tasks (agent_id, created_at, task_id)",
        "CREATE INDEX tasks_by_plan ON tasks (plan_id, created_at, task_id)",
        "CREATE INDEX tasks_by_plan_status ON tasks (plan_id, status)",
        """
        CREATE INDEX tasks_ready ON tasks (tenant, priority DESC, created_at, task_id)
            WHERE status = 'pending' AND unmet_dependencies = 0
        """,
        "CREATE INDEX tasks_leases ON tasks (lease_expires_at) WHERE status = 'running'",
        """
        CREATE TABLE task_dependencies (
            task_id uuid NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
            depends_on uuid NOT NULL REFERENCES tasks(task_id) ON DELETE CASCADE,
            PRIMARY KEY (task_id, depends_on)
        )
        """,
        "CREATE INDEX task_dependencies_reverse ON task_dependencies (depends_on)",
        // `data` is `json`, not `jsonb`: the log keeps the exact document recorded, byte for byte.
        // event_id = (transaction id << 20) + position in the transaction; readers only return events of
        // transactions older than every running one (`tx < xmin`), so a reader can never skip an event
        // that commits later (see PostgresTransaction.appendEvents).
        """
        CREATE TABLE events (
            event_id bigint PRIMARY KEY,
            tenant text NOT NULL,
            type text NOT NULL,
            resource_id uuid,
            data json NOT NULL,
            actor text NOT NULL,
            created_at timestamptz NOT NULL,
            tx xid8 NOT NULL DEFAULT pg_current_xact_id()
        )
        """,
        "CREATE INDEX events_by_tenant ON events (tenant, event_id)",
        "CREATE INDEX events_by_age ON events (created_at)",
        """
        CREATE TABLE idempotency_keys (
            tenant text NOT NULL,
            key text NOT NULL,
            request_hash text NOT NULL,
            state text NOT NULL CHECK (state IN ('running', 'done')),
            status integer,
            headers jsonb,
            body bytea,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (tenant, key)
        )
        """,
        "CREATE INDEX idempotency_by_expiry ON idempotency_keys (expires_at)",
    ]

    /// Resources keyed by `(tenant, id)`: an id taken in one tenant is free in every other, so a
    /// create can no longer reveal that another tenant uses an id. Every reference between resources
    /// carries the tenant. References to agents take no action on delete: deleting an agent first
    /// detaches everything naming it (see `AgentWorkflows`). Idempotency reservations get a token.
    private static let version2 = [
        "ALTER TABLE goals DROP CONSTRAINT goals_agent_id_fkey, DROP CONSTRAINT goals_parent_goal_id_fkey",
        "ALTER TABLE plans DROP CONSTRAINT plans_goal_id_fkey, DROP CONSTRAINT plans_agent_id_fkey",
        "ALTER TABLE tasks DROP CONSTRAINT tasks_plan_id_fkey, DROP CONSTRAINT tasks_agent_id_fkey",
        """
        ALTER TABLE task_dependencies DROP CONSTRAINT task_dependencies_task_id_fkey,
            DROP CONSTRAINT task_dependencies_depends_on_fkey, DROP CONSTRAINT task_dependencies_pkey
        """,
        "ALTER TABLE agents DROP CONSTRAINT agents_pkey, ADD CONSTRAINT agents_pkey PRIMARY KEY (tenant, agent_id)",
        "ALTER TABLE goals DROP CONSTRAINT goals_pkey, ADD CONSTRAINT goals_pkey PRIMARY KEY (tenant, goal_id)",
        "ALTER TABLE plans DROP CONSTRAINT plans_pkey, ADD CONSTRAINT plans_pkey PRIMARY KEY (tenant, plan_id)",
        "ALTER TABLE tasks DROP CONSTRAINT tasks_pkey, ADD CONSTRAINT tasks_pkey PRIMARY KEY (tenant, task_id)",
        "ALTER TABLE task_dependencies ADD COLUMN tenant text",
        "UPDATE task_dependencies d SET tenant = t.tenant FROM tasks t WHERE t.task_id = d.task_id",
        """
        ALTER TABLE task_dependencies ALTER COLUMN tenant SET NOT NULL,
            ADD CONSTRAINT task_dependencies_pkey PRIMARY KEY (tenant, task_id, depends_on)
        """,
        """
        ALTER TABLE goals
            ADD CONSTRAINT goals_agent FOREIGN KEY (tenant, agent_id) REFERENCES agents (tenant, agent_id),
            ADD CONSTRAINT goals_parent FOREIGN KEY (tenant, parent_goal_id) REFERENCES goals (tenant, goal_id) ON DELETE CASCADE
        """,
        """
        ALTER TABLE plans
            ADD CONSTRAINT plans_goal FOREIGN KEY (tenant, goal_id) REFERENCES goals (tenant, goal_id) ON DELETE CASCADE,
            ADD CONSTRAINT plans_agent FOREIGN KEY (tenant, agent_id) REFERENCES agents (tenant, agent_id)
        """,
        """
        ALTER TABLE tasks
            ADD CONSTRAINT tasks_plan FOREIGN KEY (tenant, plan_id) REFERENCES plans (tenant, plan_id) ON DELETE CASCADE,
            ADD CONSTRAINT tasks_agent FOREIGN KEY (tenant, agent_id) REFERENCES agents (tenant, agent_id)
        """,
        """
        ALTER TABLE task_dependencies
            ADD CONSTRAINT task_dependencies_task FOREIGN KEY (tenant, task_id) REFERENCES tasks (tenant, task_id) ON DELETE CASCADE,
            ADD CONSTRAINT task_dependencies_dependency FOREIGN KEY (tenant, depends_on) REFERENCES tasks (tenant, task_id)
                ON DELETE CASCADE
        """,
        "DROP INDEX goals_by_agent",
        "CREATE INDEX goals_by_agent ON goals (tenant, agent_id, created_at, goal_id)",
        "DROP INDEX goals_by_parent",
        "CREATE INDEX goals_by_parent ON goals (tenant, parent_goal_id)",
        "DROP INDEX plans_by_agent",
        "CREATE INDEX plans_by_agent ON plans (tenant, agent_id, created_at, plan_id)",
        "DROP INDEX plans_by_goal",
        "CREATE INDEX plans_by_goal ON plans (tenant, goal_id, created_at, plan_id)",
        "DROP INDEX tasks_by_agent",
        "CREATE INDEX tasks_by_agent ON tasks (tenant, agent_id, created_at, task_id)",
        "DROP INDEX tasks_by_plan",
        "CREATE INDEX tasks_by_plan ON tasks (tenant, plan_id, created_at, task_id)",
        "DROP INDEX tasks_by_plan_status",
        "CREATE INDEX tasks_by_plan_status ON tasks (tenant, plan_id, status)",
        "DROP INDEX task_dependencies_reverse",
        "CREATE INDEX task_dependencies_reverse ON task_dependencies (tenant, depends_on)",
        "ALTER TABLE idempotency_keys ADD COLUMN token text",
    ]

    private static let version3 = [
        "ALTER TABLE tasks ADD COLUMN concurrency_key text",
    ]

    /// A name's key in its prefix-search index: the first `ListQuery.maxNamePrefix` characters in
    /// byte order (a goal's text may be longer than a B-tree entry can hold).
    static func nameKey(_ column: String) -> String { "left(\(column), \(ListQuery.maxNamePrefix)) COLLATE \"C\"" }

    /// Prefix search by name; a resource's history; counts for `/stats` kept by triggers.
    ///
    /// `counters` holds, per tenant, how many tasks and agents are in each status (`bucket` 0) and
    /// how many claims, completions and failed attempts each 10-second bucket saw. Each connection
    /// adds to rows of its own (`slot` = its backend pid), so concurrent transactions never wait
    /// for one another on a counter; the maintenance sweep folds the slots together
    /// (`Maintenance.foldCounters`) and drops buckets older than an hour.
    private static let version4 = [
        "CREATE INDEX agents_by_name ON agents (tenant, (left(name, \(ListQuery.maxNamePrefix))) COLLATE \"C\", created_at, agent_id)",
        "CREATE INDEX goals_by_name ON goals (tenant, (left(goal_text, \(ListQuery.maxNamePrefix))) COLLATE \"C\", created_at, goal_id)",
        "CREATE INDEX plans_by_name ON plans (tenant, (left(name, \(ListQuery.maxNamePrefix))) COLLATE \"C\", created_at, plan_id)",
        "CREATE INDEX events_by_resource ON events (tenant, resource_id, event_id)",
        """
        CREATE TABLE counters (
            tenant text NOT NULL,
            name text NOT NULL,
            bucket bigint NOT NULL,
            slot integer NOT NULL,
            n bigint NOT NULL,
            PRIMARY KEY (tenant, name, bucket, slot)
        )
        """,
        // One statement per changed row, whatever moved: the status left and entered, readiness,
        // and the attempt's start or end in the current bucket (the row's tenant never changes).
        """
        CREATE FUNCTION agentic_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            kind text := TG_ARGV[0];
            row_tenant text;
            left_status text;
            entered_status text;
            was_ready boolean := false;
            is_ready boolean := false;
            activity text;
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                row_tenant := OLD.tenant;
                left_status := kind || '.' || OLD.status;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                row_tenant := NEW.tenant;
                entered_status := kind || '.' || NEW.status;
            END IF;
            IF kind = 'task' THEN
                IF TG_OP <> 'INSERT' THEN was_ready := OLD.status = 'pending' AND OLD.unmet_dependencies = 0; END IF;
                IF TG_OP <> 'DELETE' THEN is_ready := NEW.status = 'pending' AND NEW.unmet_dependencies = 0; END IF;
                IF TG_OP = 'UPDATE' AND OLD.status <> NEW.status THEN
                    IF NEW.status = 'running' THEN
                        activity := 'claims';
                    ELSIF OLD.status = 'running' AND NEW.status = 'completed' THEN
                        activity := 'completions';
                    ELSIF OLD.status = 'running' AND NEW.status IN ('pending', 'failed') THEN
                        activity := 'failures';
                    END IF;
                END IF;
            END IF;
            INSERT INTO counters AS c (tenant, name, bucket, slot, n)
            SELECT row_tenant, v.name, v.bucket, pg_backend_pid(), sum(v.delta)
            FROM (VALUES
                (left_status, 0::bigint, -1::bigint),
                (entered_status, 0, 1),
                (CASE WHEN was_ready THEN 'task.ready' END, 0, -1),
                (CASE WHEN is_ready THEN 'task.ready' END, 0, 1),
                (activity, floor(extract(epoch FROM now()) / 10)::bigint, 1)
            ) AS v(name, bucket, delta)
            WHERE v.name IS NOT NULL
            GROUP BY v.name, v.bucket HAVING sum(v.delta) <> 0
            ON CONFLICT (tenant, name, bucket, slot) DO UPDATE SET n = c.n + excluded.n;
            RETURN NULL;
        END
        $$
        """,
        "CREATE TRIGGER tasks_counted_insert AFTER INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION agentic_count_rows('task')",
        "CREATE TRIGGER tasks_counted_delete AFTER DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION agentic_count_rows('task')",
        """
        CREATE TRIGGER tasks_counted_update AFTER UPDATE ON tasks FOR EACH ROW
            WHEN (OLD.status <> NEW.status OR (OLD.unmet_dependencies = 0) <> (NEW.unmet_dependencies = 0))
            EXECUTE FUNCTION agentic_count_rows('task')
        """,
        "CREATE TRIGGER agents_counted_insert AFTER INSERT ON agents FOR EACH ROW EXECUTE FUNCTION agentic_count_rows('agent')",
        "CREATE TRIGGER agents_counted_delete AFTER DELETE ON agents FOR EACH ROW EXECUTE FUNCTION agentic_count_rows('agent')",
        """
        CREATE TRIGGER agents_counted_update AFTER UPDATE ON agents FOR EACH ROW WHEN (OLD.status <> NEW.status)
            EXECUTE FUNCTION agentic_count_rows('agent')
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
        "ALTER TABLE plans ADD COLUMN plan_type text CHECK (plan_type IN ('sequential', 'parallel'))",
    ]

    /// Delays and backoff: `not_before`, a task's `retry_policy`, and `deferred` — set while
    /// `not_before` is ahead, when it also counts as one unmet dependency (see `setDeferred`) — with
    /// the index the release sweep reads.
    private static let version6 = [
        "ALTER TABLE tasks ADD COLUMN not_before timestamptz, ADD COLUMN retry_policy jsonb, ADD COLUMN deferred boolean NOT NULL DEFAULT false",
        "CREATE INDEX tasks_deferred ON tasks (not_before) WHERE deferred",
    ]

    /// Concurrency limits by `concurrency_key`, and the index that counts a key's running tasks.
    private static let version7 = [
        """
        CREATE TABLE concurrency_limits (
            tenant text NOT NULL,
            key text NOT NULL,
            max_running integer NOT NULL CHECK (max_running > 0),
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (tenant, key)
        )
        """,
        "CREATE INDEX tasks_running_by_key ON tasks (tenant, concurrency_key) WHERE status = 'running' AND concurrency_key IS NOT NULL",
    ]

    /// When a goal's time is up (`Goal.refreshDerived`: the earlier of `constraints.deadline` and
    /// `max_execution_time_sec` after creation), derived for goals that already had either, and
    /// the index the expiry sweep reads.
    private static let version8 = [
        "ALTER TABLE goals ADD COLUMN expires_at timestamptz",
        """
        UPDATE goals SET expires_at = LEAST(
            (constraints->>'deadline')::timestamptz,
            created_at + (constraints->>'max_execution_time_sec')::bigint * interval '1 second')
        WHERE constraints->>'deadline' IS NOT NULL OR constraints->>'max_execution_time_sec' IS NOT NULL
        """,
        "CREATE INDEX goals_expiring ON goals (expires_at) WHERE status IN (\(SQLDomain.openGoalStatuses)) AND expires_at IS NOT NULL",
    ]

    /// A tenant's own defaults (`TenantSettings`, kept as one JSON document: a new setting needs no
    /// migration).
    private static let version9 = [
        """
        CREATE TABLE tenant_settings (
            tenant text PRIMARY KEY,
            settings jsonb NOT NULL
        )
        """,
    ]

    /// Rate limits by task type: a token bucket per type (`RateLimit`); `taken` holds what the last
    /// take got, for its RETURNING.
    private static let version10 = [
        """
        CREATE TABLE rate_limits (
            tenant text NOT NULL,
            task_type text NOT NULL,
            per_second double precision NOT NULL CHECK (per_second > 0),
            burst double precision NOT NULL CHECK (burst >= 1),
            tokens double precision NOT NULL,
            taken integer NOT NULL,
            refilled_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (tenant, task_type)
        )
        """,
    ]

    /// `schedule_to_start_seconds`, when a task last became due (`ready_at`), and the index the
    /// sweep that fails tasks nobody claimed in time reads.
    private static let version11 = [
        "ALTER TABLE tasks ADD COLUMN schedule_to_start_seconds integer, ADD COLUMN ready_at timestamptz",
        "CREATE INDEX tasks_waiting_to_start ON tasks (ready_at) WHERE status = 'pending' AND schedule_to_start_seconds IS NOT NULL",
    ]

    /// Usage and budgets: what each task cost, the totals of plans, goals and agents (one row each,
    /// which completions add to without touching the resource's row), the flags that make claims
    /// pass over work whose budget is used up, and an agent's `max_concurrent_tasks` in a column of
    /// its own (taken from its `resource_limits` where that already holds a valid one).
    private static let version12 = [
        """
        ALTER TABLE tasks ADD COLUMN usage jsonb NOT NULL DEFAULT '{"input_tokens":0,"output_tokens":0,"cost_usd":0}'
        """,
        """
        CREATE TABLE usage_totals (
            tenant text NOT NULL,
            kind text NOT NULL,
            resource_id uuid NOT NULL,
            input_tokens bigint NOT NULL,
            output_tokens bigint NOT NULL,
            cost_usd double precision NOT NULL,
            PRIMARY KEY (tenant, kind, resource_id)
        )
        """,
        "ALTER TABLE agents ADD COLUMN budget_exhausted boolean NOT NULL DEFAULT false, ADD COLUMN max_concurrent_tasks integer",
        "ALTER TABLE goals ADD COLUMN budget_exhausted boolean NOT NULL DEFAULT false",
        "ALTER TABLE plans ADD COLUMN budget_exhausted boolean NOT NULL DEFAULT false",
        """
        UPDATE agents SET max_concurrent_tasks = (resource_limits->>'max_concurrent_tasks')::integer
        WHERE CASE WHEN jsonb_typeof(resource_limits->'max_concurrent_tasks') = 'number'
                        AND resource_limits->>'max_concurrent_tasks' ~ '^[0-9]{1,5}$'
                   THEN (resource_limits->>'max_concurrent_tasks')::integer BETWEEN 1 AND 10000 ELSE false END
        """,
    ]

    /// The goals, plans and agents whose budget is used up, for the metrics to count.
    private static let version13 = [
        "CREATE INDEX agents_budget_exhausted ON agents (tenant) WHERE budget_exhausted",
        "CREATE INDEX goals_budget_exhausted ON goals (tenant) WHERE budget_exhausted",
        "CREATE INDEX plans_budget_exhausted ON plans (tenant) WHERE budget_exhausted",
    ]

    /// A goal's `max_parallelism` and whether it restricts agent types, in columns a claim reads
    /// (`Goal.refreshDerived`) instead of the constraints' JSON for every candidate.
    private static let version14 = [
        "ALTER TABLE goals ADD COLUMN parallelism_cap integer, ADD COLUMN restricts_agent_types boolean NOT NULL DEFAULT false",
        """
        UPDATE goals SET parallelism_cap = (constraints->>'max_parallelism')::integer,
            restricts_agent_types = coalesce(jsonb_array_length(constraints->'allowed_agent_types'), 0) > 0
        """,
    ]

    /// Schedules: recurring goals with their plans. A run is claimed by locking the row and moving
    /// `next_run_at`; the sweep reads the partial index of unpaused schedules by next run.
    private static let version15 = [
        """
        CREATE TABLE schedules (
            schedule_id uuid PRIMARY KEY,
            tenant text NOT NULL,
            name text NOT NULL,
            cron text NOT NULL,
            time_zone text NOT NULL,
            goal_template jsonb NOT NULL,
            plan_template jsonb NOT NULL,
            paused boolean NOT NULL,
            next_run_at timestamptz,
            last_run_at timestamptz,
            last_goal_id uuid,
            last_plan_id uuid,
            run_count bigint NOT NULL,
            version bigint NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX schedules_list ON schedules (tenant, created_at, schedule_id)",
        "CREATE INDEX schedules_due ON schedules (next_run_at) WHERE NOT paused AND next_run_at IS NOT NULL",
    ]

    /// Approvals: tasks may wait in `awaiting_approval`, keys may have the `approve` scope, and a
    /// task keeps whether it needs approval, the question and decision, and the key that created it
    /// (which may not approve it).
    private static let version16 = [
        """
        ALTER TABLE tasks DROP CONSTRAINT tasks_status_check, ADD CONSTRAINT tasks_status_check
            CHECK (status IN ('pending', 'running', 'completed', 'failed', 'blocked', 'skipped', 'cancelled', 'awaiting_approval'))
        """,
        """
        ALTER TABLE api_keys DROP CONSTRAINT api_keys_scope_check, ADD CONSTRAINT api_keys_scope_check
            CHECK (scope IN ('admin', 'approve', 'write', 'read'))
        """,
        "ALTER TABLE tasks ADD COLUMN requires_approval boolean NOT NULL DEFAULT false, ADD COLUMN approval jsonb, ADD COLUMN created_by text",
    ]

    /// Webhooks and their outbox: a delivery row per (webhook, event), written with the event (see
    /// `Prepared.EnqueueDeliveries`). `resource_key` is the event's resource id as text, or '' for
    /// events about none; the claim reads the partial index of pending deliveries by due time, and
    /// the order check the one by webhook, resource and event.
    private static let version17 = [
        """
        CREATE TABLE webhooks (
            webhook_id uuid PRIMARY KEY,
            tenant text NOT NULL,
            url text NOT NULL,
            types text[] NOT NULL,
            secret text NOT NULL,
            created_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX webhooks_by_tenant ON webhooks (tenant, created_at)",
        """
        CREATE TABLE webhook_allowed_hosts (
            tenant text PRIMARY KEY,
            hosts text[] NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE webhook_deliveries (
            delivery_id uuid PRIMARY KEY,
            tenant text NOT NULL,
            webhook_id uuid NOT NULL REFERENCES webhooks(webhook_id) ON DELETE CASCADE,
            event_id bigint NOT NULL,
            event_type text NOT NULL,
            resource_key text NOT NULL,
            state text NOT NULL,
            attempts bigint NOT NULL,
            next_attempt_at timestamptz,
            last_attempt_at timestamptz,
            last_status bigint,
            last_error text,
            delivered_at timestamptz,
            expires_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL,
            claim uuid,
            claimed_until timestamptz
        )
        """,
        "CREATE INDEX webhook_deliveries_list ON webhook_deliveries (webhook_id, created_at, delivery_id)",
        "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending'",
        "CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, resource_key, event_id) WHERE state = 'pending'",
    ]
}
