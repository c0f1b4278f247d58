/// The PostgreSQL schema as numbered migrations, applied in order under an advisory lock (so
/// instances starting together do not race) and recorded in `schema_migrations`. Released
/// migrations are never edited; none may drop or rewrite user data.
enum PostgresSchema {
    static let migrations: [(version: Int, statements: [String])] = [
        (1, version1)
    ]

    static var latestVersion: Int { migrations.last!.version }

    /// Serialises migrations across instances.
    static let advisoryLockKey: Int64 = 0x4147_454E_5449_43

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
}
