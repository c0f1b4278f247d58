import AgenticCore
import Foundation

extension TransactionalStore {
    public func createPlan(_ draft: PlanDraft, by caller: Caller) async throws -> Plan {
        try await write { tx in
            let now = Timestamp.now()
            var errors: [FieldError] = []
            let goal = try await tx.goal(draft.goalID, tenant: caller.tenant, lock: false)
            if goal == nil { errors.append(FieldError(field: "goal_id", message: "does not name a goal")) }
            if let agentID = draft.agentID, try await tx.agent(agentID, tenant: caller.tenant, lock: false) == nil {
                errors.append(FieldError(field: "agent_id", message: "does not name an agent"))
            }
            if !errors.isEmpty { throw AgenticError.validation(errors) }
            if let goal, goal.status.isTerminal {
                throw AgenticError.conflict(
                    .invalidTransition, "Goal \(goal.id.lowercased) is `\(goal.status.rawValue)`; a final goal takes no new plans")
            }
            let plan = draft.make(tenant: caller.tenant, now: now)
            try await tx.insertPlan(plan)
            var log = ChangeLog()
            log.record(EventType.created(.plan), plan)
            if plan.status == .active { try await tx.settleGoals([plan.goalID], at: now, log: &log) }
            try await tx.commit(log, by: caller, at: now)
            return plan
        }
    }

    public func plan(_ id: UUID, tenant: String) async throws -> Plan {
        try await read { tx in
            guard var plan = try await tx.plan(id, tenant: tenant, lock: false) else {
                throw AgenticError.notFound(.plan, id.lowercased)
            }
            plan.taskCounts = try await tx.taskCounts(ofPlans: [id])[id] ?? TaskCounts()
            return plan
        }
    }

    /// Updates a plan. Moving it to a final status cancels its open tasks; `completed` is only
    /// accepted once every task has completed.
    public func updatePlan(_ id: UUID, _ patch: PlanPatch, ifVersion: Int64?, by caller: Caller) async throws -> Plan {
        try await write { tx in
            let now = Timestamp.now()
            guard let current = try await tx.plan(id, tenant: caller.tenant, lock: false) else {
                throw AgenticError.notFound(.plan, id.lowercased)
            }
            try Precondition.check(ifVersion, against: current.version)
            if let status = patch.status, !current.status.canMove(to: status) {
                throw AgenticError.invalidTransition(.plan, from: current.status, to: status)
            }
            if case .some(.some(let agentID)) = patch.agentID,
                try await tx.agent(agentID, tenant: caller.tenant, lock: false) == nil
            {
                throw AgenticError.validation(field: "agent_id", "does not name an agent")
            }
            var log = ChangeLog()
            if let status = patch.status, status.isTerminal, status != current.status {
                if status == .completed {
                    let counts = try await tx.taskCounts(ofPlans: [id])[id] ?? TaskCounts()
                    guard counts[.completed] == counts.total else {
                        throw AgenticError.conflict(
                            .invalidTransition,
                            "Plan \(id.lowercased) cannot be `completed`: \(counts.total - counts[.completed]) of its tasks have not completed")
                    }
                }
                try await tx.cancelTasks(ofPlans: [id], at: now, log: &log)
            }
            guard var plan = try await tx.plans([id], lock: true).first else {
                throw AgenticError.notFound(.plan, id.lowercased)
            }
            var changed = patch.apply(to: &plan)
            if let status = patch.status, status != plan.status {
                try plan.move(to: status, at: now)
                changed = true
            }
            plan.taskCounts = try await tx.taskCounts(ofPlans: [id])[id] ?? TaskCounts()
            if changed {
                plan.version += 1
                plan.updatedAt = now
                try await tx.updatePlan(plan)
                log.events.insert(EventDraft(EventType.updated(.plan), plan), at: 0)
                if patch.status != nil { try await tx.settleGoals([plan.goalID], at: now, log: &log) }
            }
            try await tx.commit(log, by: caller, at: now)
            return plan
        }
    }

    public func deletePlan(_ id: UUID, ifVersion: Int64?, by caller: Caller) async throws {
        try await write { tx in
            let now = Timestamp.now()
            guard let current = try await tx.plan(id, tenant: caller.tenant, lock: false) else {
                throw AgenticError.notFound(.plan, id.lowercased)
            }
            try Precondition.check(ifVersion, against: current.version)
            let tasks = try await tx.tasks(ofPlans: [id], statuses: nil, lock: true)
            guard let plan = try await tx.plans([id], lock: true).first else { throw AgenticError.notFound(.plan, id.lowercased) }
            try await tx.deletePlan(id)
            var log = ChangeLog()
            for task in tasks { log.record(EventType.deleted(.task), task) }
            log.record(EventType.deleted(.plan), plan)
            try await tx.settleGoals([plan.goalID], at: now, log: &log)
            try await tx.commit(log, by: caller, at: now)
        }
    }

    public func listPlans(_ query: ListQuery, tenant: String) async throws -> Page<Plan> {
        let rows = try await read { tx in
            var plans = try await tx.plans(query, tenant: tenant)
            let counts = try await tx.taskCounts(ofPlans: plans.map(\.id))
            for index in plans.indices { plans[index].taskCounts = counts[plans[index].id] ?? TaskCounts() }
            return plans
        }
        return Page(fetched: rows, limit: query.limit) { Cursor(createdAt: $0.createdAt, id: $0.id) }
    }

    /// Cancels the plan and its open tasks. A plan already final is returned unchanged.
    public func cancelPlan(_ id: UUID, by caller: Caller) async throws -> Plan {
        try await write { tx in
            let now = Timestamp.now()
            guard var plan = try await tx.plan(id, tenant: caller.tenant, lock: false) else {
                throw AgenticError.notFound(.plan, id.lowercased)
            }
            if !plan.status.isTerminal {
                var log = ChangeLog()
                try await tx.cancelPlans([id], at: now, log: &log)
                plan = try await tx.plans([id], lock: false).first ?? plan
                try await tx.settleGoals([plan.goalID], at: now, log: &log)
                try await tx.commit(log, by: caller, at: now)
            }
            plan.taskCounts = try await tx.taskCounts(ofPlans: [id])[id] ?? TaskCounts()
            return plan
        }
    }
}

extension StoreTransaction {
    /// Cancels the open tasks of the plans (their dependents are in the same plans, so nothing is
    /// left to skip).
    func cancelTasks(ofPlans planIDs: [UUID], at now: Timestamp, log: inout ChangeLog) async throws {
        guard !planIDs.isEmpty else { return }
        let open = try await tasks(ofPlans: planIDs, statuses: TaskStatus.openStatuses, lock: true)
        for var task in open {
            try task.move(to: .cancelled, at: now)
            task.version += 1
            task.updatedAt = now
            try await updateTask(task)
            log.record(EventType.taskCancelled, task)
        }
    }

    /// Cancels open plans and their open tasks, tasks first (the lock order).
    func cancelPlans(_ planIDs: [UUID], at now: Timestamp, log: inout ChangeLog) async throws {
        guard !planIDs.isEmpty else { return }
        try await cancelTasks(ofPlans: planIDs, at: now, log: &log)
        let counts = try await taskCounts(ofPlans: planIDs)
        for var plan in try await plans(planIDs, lock: true) where !plan.status.isTerminal {
            try plan.move(to: .cancelled, at: now)
            plan.version += 1
            plan.updatedAt = now
            plan.taskCounts = counts[plan.id] ?? TaskCounts()
            try await updatePlan(plan)
            log.record(EventType.status(.plan, PlanStatus.cancelled), plan)
        }
    }
}
