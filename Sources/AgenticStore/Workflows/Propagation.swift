import AgenticCore
import Foundation

extension StoreTransaction {
    /// Carries the consequences of tasks that changed status through the graph, in this transaction:
    ///
    /// - a task that completed satisfies one dependency of each dependent;
    /// - a task that ended `failed`, `cancelled` or `skipped` makes its open dependents `skipped`
    ///   (recursively), since they can never run;
    /// - a plan becomes `active` when one of its tasks starts, and final once none is open;
    /// - a goal follows its plans.
    ///
    /// `alsoPlans` names plans to re-evaluate even though none of their tasks moved (a task was deleted).
    func settle(moved: [PlanTask], alsoPlans: [UUID] = [], tenant: String, at now: Timestamp, log: inout ChangeLog) async throws {
        var queue = moved[...]
        var touched = Set(alsoPlans)
        var started = Set<UUID>()
        while let task = queue.popFirst() {
            touched.insert(task.planID)
            switch task.status {
            case .running:
                started.insert(task.planID)
            case .completed:
                try await dependencyCompleted(task.id, tenant: tenant)
            case .failed, .cancelled, .skipped:
                for var dependent in try await dependents(of: [task.id], tenant: tenant, lock: .update) where !dependent.status.isTerminal {
                    try dependent.move(to: .skipped, at: now)
                    dependent.bumpVersion(at: now)
                    try await updateTask(dependent)
                    log.record(EventType.taskSkipped, dependent)
                    queue.append(dependent)
                }
            case .pending, .blocked:
                break
            }
        }
        try await settlePlans(Array(touched), started: started, tenant: tenant, at: now, log: &log)
    }

    /// Moves plans on from their tasks: `draft` → `active` when one started, and to a final status
    /// when no task is open any more; then their goals follow.
    func settlePlans(_ planIDs: [UUID], started: Set<UUID> = [], tenant: String, at now: Timestamp, log: inout ChangeLog) async throws {
        guard !planIDs.isEmpty else { return }
        let sorted = planIDs.sorted { $0.uuidString < $1.uuidString }
        var goals: [UUID] = []
        for var plan in try await plans(sorted, tenant: tenant, lock: .update) where !plan.status.isTerminal {
            let counts = try await taskCounts(ofPlans: [plan.id], tenant: tenant)[plan.id] ?? TaskCounts()
            var moved: PlanStatus?
            if started.contains(plan.id), plan.status == .draft {
                try plan.move(to: .active, at: now)
                moved = .active
            }
            if let final = Rollup.planStatus(for: counts) {
                try plan.move(to: final, at: now)
                moved = final
            }
            guard let moved else { continue }
            plan.bumpVersion(at: now)
            plan.taskCounts = counts
            try await updatePlan(plan)
            log.record(EventType.status(.plan, moved), plan)
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
