import AgenticCore
import Foundation

extension StoreTransaction {
    /// Carries the consequences of tasks that changed status through the graph, in this transaction:
    ///
    /// - a task that completed satisfies one dependency of each dependent;
    /// - a task that ended `failed`, `cancelled` or `skipped` makes its open dependents `skipped`
    ///   (recursively), since they can never run;
    /// - a plan becomes `active` when one of its tasks starts.
    ///
    /// A plan none of whose tasks is open any more becomes final, and its goal follows — but after
    /// this transaction commits (see `RollupQueue`): the plans of tasks that ended are queued in
    /// `log` for that. No task change locks its plan.
    func settle(moved: [PlanTask], tenant: String, at now: Timestamp, log: inout ChangeLog) async throws {
        var queue = moved[...]
        var started = Set<UUID>()
        while let task = queue.popFirst() {
            switch task.status {
            case .running:
                started.insert(task.planID)
            case .completed:
                log.rollUp([task.planID])
                try await dependencyCompleted(task.id, tenant: tenant, at: now)
            case .failed, .cancelled, .skipped:
                log.rollUp([task.planID])
                for var dependent in try await dependents(of: [task.id], tenant: tenant, lock: .update) where !dependent.status.isTerminal {
                    try dependent.move(to: .skipped, at: now)
                    dependent.bumpVersion(at: now)
                    try await updateTask(dependent)
                    log.record(EventType.taskSkipped, dependent)
                    queue.append(dependent)
                }
            case .pending, .blocked, .awaitingApproval:
                break
            }
        }
        let drafts = try await plans(Array(started), tenant: tenant, lock: .none).filter { $0.status == .draft }.map(\.id)
        try await activate(Set(drafts), tenant: tenant, at: now, log: &log)
    }

    /// `draft` → `active` for plans one of whose tasks started, checked again on the locked row (two
    /// first claims at once: the second finds it active). Callers pass only plans they saw `draft`
    /// (a claim knows its plans' statuses), so a busy plan's tasks never lock it.
    func activate(_ planIDs: Set<UUID>, tenant: String, at now: Timestamp, log: inout ChangeLog) async throws {
        guard !planIDs.isEmpty else { return }
        var goals: [UUID] = []
        for var plan in try await plans(Array(planIDs), tenant: tenant, lock: .update) where plan.status == .draft {
            try plan.move(to: .active, at: now)
            plan.bumpVersion(at: now)
            plan.taskCounts = try await taskCounts(ofPlans: [plan.id], tenant: tenant)[plan.id] ?? TaskCounts()
            try await updatePlan(plan)
            log.record(EventType.status(.plan, PlanStatus.active), plan)
            goals.append(plan.goalID)
        }
        try await settleGoals(goals, tenant: tenant, at: now, log: &log)
    }

    /// Moves plans to a final status when no task of theirs is open any more; then their goals
    /// follow. Locks the plans: run it where that is rare (the roll-up after a commit, a plan's own
    /// workflows), never for every task.
    func settlePlans(_ planIDs: [UUID], tenant: String, at now: Timestamp, log: inout ChangeLog) async throws {
        guard !planIDs.isEmpty else { return }
        let sorted = planIDs.sorted { $0.uuidString < $1.uuidString }
        var goals: [UUID] = []
        for var plan in try await plans(sorted, tenant: tenant, lock: .update) where !plan.status.isTerminal {
            let counts = try await taskCounts(ofPlans: [plan.id], tenant: tenant)[plan.id] ?? TaskCounts()
            guard let final = Rollup.planStatus(for: counts) else { continue }
            try plan.move(to: final, at: now)
            plan.bumpVersion(at: now)
            plan.taskCounts = counts
            try await updatePlan(plan)
            log.record(EventType.status(.plan, final), plan)
            goals.append(plan.goalID)
        }
        try await settleGoals(goals, tenant: tenant, at: now, log: &log)
    }

    /// Moves goals on from their plans (see `Rollup.goalStatus`).
    func settleGoals(_ goalIDs: [UUID], tenant: String, at now: Timestamp, log: inout ChangeLog) async throws {
        guard !goalIDs.isEmpty else { return }
        let unique = Array(Set(goalIDs)).sorted { $0.uuidString < $1.uuidString }
        for var goal in try await goals(unique, tenant: tenant, lock: .update) {
            let statuses = try await plans(ofGoals: [goal.id], tenant: tenant, lock: .none).map(\.status)
            guard let next = Rollup.goalStatus(current: goal.status, plans: statuses) else { continue }
            try goal.move(to: next, at: now)
            goal.bumpVersion(at: now)
            try await updateGoal(goal)
            log.record(EventType.status(.goal, next), goal)
        }
    }
}
