import AgenticCore
import Foundation

extension TransactionalStore {
    /// Puts a task that ended without completing (`failed`, `cancelled`, `skipped`) back in the
    /// queue with a fresh attempt count (`task.reopened`), brings back the dependents that were
    /// skipped because of it, and reopens its plan and goal if they had ended (`plan.reopened`,
    /// `goal.reopened`) — the one sanctioned way out of a final status.
    ///
    /// A task whose own dependency ended without completing cannot run: that is a `409` naming the
    /// dependency, to retry first. Locks in the usual order: the task, its dependencies (`FOR
    /// SHARE`: none can end or be retried meanwhile), its dependents, the plan, the goal.
    public func retryTask(_ id: UUID, by caller: Caller) async throws -> PlanTask {
        try await write { tx in
            let now = clock.now()
            let tenant = caller.tenant
            guard let task = try await tx.task(id, tenant: tenant, lock: .update) else {
                throw AgenticError.notFound(.task, id.lowercased)
            }
            guard task.status.endedWithoutCompleting else {
                throw AgenticError.conflict(
                    .invalidTransition,
                    "Task \(id.lowercased) is `\(task.status.rawValue)`; only a failed, cancelled or skipped task can be retried")
            }
            let dependencies = try await tx.tasks(task.dependsOn, tenant: tenant, lock: .share)
            if let ended = dependencies.first(where: { $0.status.endedWithoutCompleting }) {
                throw AgenticError.conflict(
                    .dependenciesNotMet,
                    "Task \(id.lowercased) depends on task \(ended.id.lowercased), which is `\(ended.status.rawValue)`: retry that one first")
            }
            var log = ChangeLog()
            let retried = try await tx.reopen(task, dependencies: dependencies, at: now, log: &log)
            try await tx.reopenSkippedDependents(of: retried, tenant: tenant, at: now, log: &log)
            try await tx.reopenPlanAndGoal(of: retried, at: now, log: &log)
            try await tx.commit(log, by: caller, at: now)
            return retried
        }
    }
}

extension TransactionalStore {
    /// Cancels or retries every task the filter matches, at most `BulkTaskRequest.maxTasks`: the
    /// matches are listed first (in pages), then acted on oldest first — so a dependency is retried
    /// before its dependents — each in a transaction of its own, exactly as `cancelTask` and
    /// `retryTask` would. A task already cancelled, or one a retry refuses, counts as unchanged.
    public func bulkTasks(_ request: BulkTaskRequest, by caller: Caller) async throws -> BulkTaskOutcome {
        var outcome = BulkTaskOutcome(action: request.action)
        var matched: [UUID] = []
        var cursor: Cursor?
        listing: repeat {
            let page = try await listTasks(request.listQuery(limit: Limits.maxPageSize, cursor: cursor), tenant: caller.tenant)
            for task in page.items where request.matches(task) {
                guard matched.count < BulkTaskRequest.maxTasks else {
                    outcome.truncated = true
                    break listing
                }
                matched.append(task.id)
            }
            cursor = page.nextCursor
        } while cursor != nil
        outcome.matched = matched.count
        for id in matched.reversed() {
            do {
                switch request.action {
                case .cancel:
                    if try await cancel(id, by: caller).changed { outcome.changed += 1 }
                case .retry:
                    _ = try await retryTask(id, by: caller)
                    outcome.changed += 1
                }
            } catch let error as AgenticError where error.status == 404 || error.status == 409 {
                // Gone meanwhile, or not retryable: left as it is, and said why.
                if outcome.problems.count < BulkTaskOutcome.maxProblems { outcome.problems.append((id, error)) }
            }
        }
        return outcome
    }
}

extension StoreTransaction {
    /// `pending` again (`PlanTask.reopen`), waiting for the dependencies not completed yet.
    fileprivate func reopen(_ task: PlanTask, dependencies: [PlanTask], at now: Timestamp, log: inout ChangeLog) async throws -> PlanTask {
        var task = task
        task.reopen(at: now)
        task.bumpVersion(at: now)
        try await updateTask(task)
        // Its delay is gone, so is the flag that held it back; then the count of what it waits for.
        try await setDeferred(task.id, tenant: task.tenant, false)
        let unmet = dependencies.filter { $0.status != .completed }.count
        try await setDependencies(of: task.id, tenant: task.tenant, to: task.dependsOn, unmetDependencies: unmet)
        log.record(EventType.taskReopened, task)
        return task
    }

    /// The dependents skipped because `task` ended, and theirs in turn, once none of their
    /// dependencies is still failed, cancelled or skipped.
    fileprivate func reopenSkippedDependents(of task: PlanTask, tenant: String, at now: Timestamp, log: inout ChangeLog) async throws {
        var frontier = [task.id]
        var reopened: Set<UUID> = [task.id]
        while !frontier.isEmpty {
            var next: [UUID] = []
            for dependent in try await dependents(of: frontier, tenant: tenant, lock: .update)
            where dependent.status == .skipped && !reopened.contains(dependent.id) {
                let dependencies = try await tasks(dependent.dependsOn, tenant: tenant, lock: .share)
                let blocked = dependencies.contains { $0.status.endedWithoutCompleting && !reopened.contains($0.id) }
                if blocked { continue }
                _ = try await reopen(dependent, dependencies: dependencies, at: now, log: &log)
                reopened.insert(dependent.id)
                next.append(dependent.id)
            }
            frontier = next
        }
    }

    /// The task's plan and goal, `active` again if they had ended.
    fileprivate func reopenPlanAndGoal(of task: PlanTask, at now: Timestamp, log: inout ChangeLog) async throws {
        guard var plan = try await plan(task.planID, tenant: task.tenant, lock: .update), plan.status.isTerminal else { return }
        plan.reopen(at: now)
        plan.bumpVersion(at: now)
        plan.taskCounts = try await taskCounts(ofPlans: [plan.id], tenant: task.tenant)[plan.id] ?? TaskCounts()
        try await updatePlan(plan)
        log.record(EventType.planReopened, plan)
        guard var goal = try await goal(plan.goalID, tenant: task.tenant, lock: .update), goal.status.isTerminal else { return }
        goal.reopen()
        goal.bumpVersion(at: now)
        try await updateGoal(goal)
        log.record(EventType.goalReopened, goal)
    }
}
