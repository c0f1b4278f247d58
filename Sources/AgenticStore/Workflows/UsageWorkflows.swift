import AgenticCore
import Foundation

/// How a change of a budget moved its resource's `budget_exhausted`.
enum BudgetMove {
    case unchanged, exhausted, resumed
}

extension StoreTransaction {
    /// Adds what an attempt cost to its task (the caller stores the task) and to the totals of the
    /// task's plan, its goal and the reporting agent. A budget the new totals reach is marked
    /// exhausted (`<kind>.budget_exhausted`), so claims pass its work over from this commit on.
    ///
    /// The totals rows are locked until the commit, and a change of a budget locks them before it
    /// reads them (`refreshBudget(of:…)`): whichever of the two commits second sees the other's
    /// effect, so a budget reached while it is being changed is not missed.
    func recordUsage(_ usage: Usage, task: inout PlanTask, agent agentID: UUID, at now: Timestamp, log: inout ChangeLog) async throws {
        guard !usage.isZero else { return }
        task.usage = task.usage + usage
        let tenant = task.tenant
        guard let plan = try await plan(task.planID, tenant: tenant, lock: .none) else { return }
        let totals = try await addUsage(
            usage, to: [(Agent.fields.table!, agentID), (Goal.fields.table!, plan.goalID), (Plan.fields.table!, plan.id)], tenant: tenant)
        if let agent = try await agent(agentID, tenant: tenant, lock: .none), reaches(agent, totals) {
            try await markExhausted(
                read: { try await self.agent(agentID, tenant: tenant, lock: .update) }, update: updateAgent, at: now, log: &log)
        }
        if let goal = try await goal(plan.goalID, tenant: tenant, lock: .none), reaches(goal, totals) {
            try await markExhausted(
                read: { try await self.goal(plan.goalID, tenant: tenant, lock: .update) }, update: updateGoal, at: now, log: &log)
        }
        if reaches(plan, totals) {
            try await markExhausted(read: { try await self.plan(plan.id, tenant: tenant, lock: .update) }, update: updatePlan, at: now, log: &log)
        }
    }

    /// Whether `totals` newly reach the resource's budget.
    private func reaches<R: Budgeted & DescribedResource>(_ resource: R, _ totals: [String: Usage]) -> Bool {
        guard !resource.budgetExhausted, let total = totals[R.fields.table ?? ""] else { return false }
        return resource.budget.isExhausted(by: total)
    }

    private func markExhausted<R: Budgeted & DescribedResource & Identified>(
        read: () async throws -> R?, update: (R) async throws -> Void, at now: Timestamp, log: inout ChangeLog
    ) async throws {
        // Locked and read again: another report may have marked it meanwhile.
        guard var resource = try await read(), !resource.budgetExhausted else { return }
        resource.budgetExhausted = true
        resource.bumpVersion(at: now)
        try await update(resource)
        log.record(R.budgetExhaustedEvent, resource)
    }

    /// After a change that may have moved the resource's budget: its totals, locked, decide
    /// `budget_exhausted` — raised past the usage, its work is claimable again. The caller holds the
    /// resource's row and stores it if the flag moved, recording `<kind>.budget_exhausted` after its
    /// own event when the change used the budget up.
    func refreshBudget<R: Budgeted & DescribedResource>(of resource: inout R) async throws -> BudgetMove {
        resource.usage = try await lockUsageTotals(kind: R.fields.table ?? "", id: resource.id, tenant: resource.tenant)
        guard resource.refreshBudget() else { return .unchanged }
        return resource.budgetExhausted ? .exhausted : .resumed
    }

    /// An imported resource's usage (exported with it) goes back into the totals.
    func restoreUsage<R: Budgeted & DescribedResource>(of resource: R) async throws {
        guard !resource.usage.isZero else { return }
        _ = try await addUsage(resource.usage, to: [(R.fields.table ?? "", resource.id)], tenant: resource.tenant)
    }
}

extension TransactionalStore {
    public func pruneUsageTotals() async throws -> Int {
        try await write { tx in try await tx.pruneOrphanUsageTotals() }
    }
}
