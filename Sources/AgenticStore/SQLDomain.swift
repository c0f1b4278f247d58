import AgenticCore

/// The domain's rules as the statements of both stores need them: statuses as SQL literals taken
/// from `AgenticCore`'s own enums (a statement never spells a status itself, nor takes one from
/// user text), and the SQL twin of `Versioned.bumpVersion`.
enum SQLDomain {
    static func literal<Status: RawRepresentable>(_ status: Status) -> String where Status.RawValue == String {
        "'\(status.rawValue)'"
    }

    /// A task waiting in the queue (claimable once its dependencies completed).
    static let queued = literal(TaskStatus.pending)
    /// A task under a lease.
    static let leased = literal(TaskStatus.running)
    /// A dependency that no longer holds its dependents back.
    static let done = literal(TaskStatus.completed)
    /// Tasks that still hold their plan open: `'pending', 'blocked', 'running'`.
    static let openTaskStatuses = TaskStatus.openStatuses.map { literal($0) }.joined(separator: ", ")
    /// Plans not final yet.
    static let openPlanStatuses = PlanStatus.openStatuses.map { literal($0) }.joined(separator: ", ")
    /// Goals not final yet.
    static let openGoalStatuses = GoalStatus.openStatuses.map { literal($0) }.joined(separator: ", ")
    /// Agents that may claim work.
    static let workingAgentStatuses = AgentStatus.allCases.filter(\.canTakeWork).map { literal($0) }.joined(separator: ", ")
    /// `'completed', 'failed', 'cancelled'`.
    static let terminalPlanStatuses = PlanStatus.terminalStatuses.map { literal($0) }.joined(separator: ", ")

    /// Plans of any tenant still open that have tasks, none of them open (a lost roll-up), at most
    /// `limit` (a placeholder) of them.
    static func finishedOpenPlans(limit: String) -> String {
        """
        SELECT p.tenant, p.plan_id FROM plans p
        WHERE p.status IN (\(openPlanStatuses))
          AND EXISTS (SELECT 1 FROM tasks t WHERE t.tenant = p.tenant AND t.plan_id = p.plan_id)
          AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.tenant = p.tenant AND t.plan_id = p.plan_id
                          AND t.status IN (\(openTaskStatuses)))
        LIMIT \(limit)
        """
    }

    /// The select expression of a derived field of `table`'s rows (see `DerivedColumn`).
    static func derived(_ column: DerivedColumn, table: String, idColumn: String, jsonObject: String) -> String {
        switch column {
        case .usageTotals:
            // The totals row's kind is the resource's table; a resource nothing was reported for has none.
            """
            COALESCE((SELECT \(jsonObject)('input_tokens', u.input_tokens, 'output_tokens', u.output_tokens, 'cost_usd', u.cost_usd) \
            FROM usage_totals u WHERE u.tenant = \(table).tenant AND u.kind = '\(table)' AND u.resource_id = \(table).\(idColumn)), \
            \(jsonObject)('input_tokens', 0, 'output_tokens', 0, 'cost_usd', 0))
            """
        }
    }

    /// The usage totals whose agent, goal or plan was deleted (a delete leaves its totals row, so
    /// that deletes stay as they were; the maintenance sweep removes them).
    static let orphanUsageTotals = """
        DELETE FROM usage_totals WHERE NOT CASE kind
            WHEN 'agents' THEN EXISTS (SELECT 1 FROM agents r WHERE r.tenant = usage_totals.tenant AND r.agent_id = usage_totals.resource_id)
            WHEN 'goals' THEN EXISTS (SELECT 1 FROM goals r WHERE r.tenant = usage_totals.tenant AND r.goal_id = usage_totals.resource_id)
            WHEN 'plans' THEN EXISTS (SELECT 1 FROM plans r WHERE r.tenant = usage_totals.tenant AND r.plan_id = usage_totals.resource_id)
            ELSE true END
        """

    /// How many goals, plans and agents of each tenant have used up their budget (each table's
    /// partial index of them answers), as `tenant, kind, n`.
    static let exhaustedBudgets = ["agents", "goals", "plans"].map {
        "SELECT tenant, '\($0)' AS kind, count(*) AS n FROM \($0) WHERE budget_exhausted GROUP BY tenant"
    }.joined(separator: " UNION ALL ")

    /// One more version, stamped `now` (a placeholder): what `Versioned.bumpVersion` does in Swift.
    static func bumpVersion(now: String) -> String { "version = version + 1, updated_at = \(now)" }
}

extension RowStatements {
    /// Clears `column` on every row of a tenant that names `id` there — a change, so with a new
    /// version — and returns the rows. Placeholders as the store spells them.
    func detaching(_ column: String, id: String, now: String, tenant: String) -> String {
        """
        UPDATE \(table) SET \(column) = NULL, \(SQLDomain.bumpVersion(now: now)) WHERE tenant = \(tenant) AND \(column) = \(id) \
        RETURNING \(columns)
        """
    }
}

extension TenantSettings {
    /// Settings as a store keeps them: their JSON document, as `write` made it.
    static func stored(_ text: String) throws -> TenantSettings {
        do {
            return try TenantSettings.fields.parse(try JSONParser.parse(text))
        } catch {
            throw AgenticError.internal("stored tenant settings do not read back: \(error)")
        }
    }
}
