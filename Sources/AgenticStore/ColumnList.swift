/// The column order of each table, shared by both schemas (the SQL types differ, the names do not).
enum ColumnList {
    static let agent = """
        agent_id, tenant, did, name, agent_type, status, configuration, metadata, resource_limits, \
        version, created_at, updated_at
        """
    static let goal = """
        goal_id, tenant, agent_id, agent_did, goal_text, goal_type, status, priority, constraints, \
        success_criteria, parent_goal_id, metadata, completed_at, version, created_at, updated_at
        """
    static let plan = """
        plan_id, tenant, goal_id, agent_id, name, status, resource_budget, metadata, started_at, completed_at, \
        version, created_at, updated_at
        """
    static let task = """
        task_id, tenant, plan_id, agent_id, name, description, task_type, status, inputs, outputs, depends_on, \
        priority, timeout_seconds, max_attempts, attempts, lease_expires_at, error, tool_name, started_at, \
        completed_at, version, created_at, updated_at
        """
    static let key = """
        key_id, tenant, name, scope, key_hash, prefix, expires_at, rate_rps, rate_burst, unlimited, created_at, revoked_at
        """
}
