import AgenticCore
import Foundation

extension TransactionalStore {
    /// Creates a plan. Its goal is read `FOR SHARE`: the goal cannot reach a final status (which
    /// takes it `FOR UPDATE`) until this plan is committed, and a goal already final refuses it.
    public func createPlan(_ draft: PlanDraft, by caller: Caller) async throws -> Plan {
        try await createPlan(PlanCreation(plan: draft), by: caller).plan
    }

    /// Creates a plan with its task graph, all or nothing, in one transaction: the tasks are
    /// inserted dependencies first, each `task.created` event after the plan's.
    public func createPlan(_ creation: PlanCreation, by caller: Caller) async throws -> CreatedPlan {
        try await write { tx in
            let now = clock.now()
            var log = ChangeLog()
            let created = try await tx.addPlan(creation, tenant: caller.tenant, by: caller.keyID, at: now, log: &log)
            try await tx.commit(log, by: caller, at: now)
            return created
        }
    }

    /// The plan with its first `limit` tasks (newest first, as `GET /tasks?plan_id=` lists them) and
    /// the cursor for the rest.
    public func plan(_ id: UUID, withTasks limit: Int, tenant: String) async throws -> (Plan, Page<PlanTask>) {
        let (plan, rows) = try await consistentRead { tx in
            guard var plan = try await tx.plan(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.plan, id.lowercased)
            }
            plan.taskCounts = try await tx.taskCounts(ofPlans: [id], tenant: tenant)[id] ?? TaskCounts()
            return (plan, try await tx.tasks(ListQuery(limit: limit, planID: id), tenant: tenant))
        }
        return (plan, Page(fetched: rows, limit: limit) { Cursor(createdAt: $0.createdAt, id: $0.id) })
    }

    public func plan(_ id: UUID, tenant: String) async throws -> Plan {
        try await read { tx in
            guard var plan = try await tx.plan(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.plan, id.lowercased)
            }
            plan.taskCounts = try await tx.taskCounts(ofPlans: [id], tenant: tenant)[id] ?? TaskCounts()
            return plan
        }
    }

    /// Updates a plan. Moving it to a final status cancels its open tasks; `completed` is only
    /// accepted once every task has completed. The preconditions are checked again on the plan as
    /// locked for the write.
    public func updatePlan(_ id: UUID, _ patch: PlanPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Plan {
        try await write { tx in
            let now = clock.now()
            let tenant = caller.tenant
            guard let current = try await tx.plan(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.plan, id.lowercased)
            }
            try ifMatch.check(current.version)
            if let status = patch.status, !current.status.canMove(to: status) {
                throw AgenticError.invalidTransition(.plan, from: current.status, to: status)
            }
            if case .some(.some(let agentID)) = patch.agentID, try await tx.agent(agentID, tenant: tenant, lock: .none) == nil {
                throw AgenticError.validation(field: "agent_id", "does not name an agent")
            }
            var log = ChangeLog()
            let closing = patch.status.map { $0.isTerminal && $0 != current.status } ?? false
            let plan = try await closing
                ? tx.closePlans([id], tenant: tenant, at: now, log: &log).first
                : tx.plan(id, tenant: tenant, lock: .update)
            guard var plan else { throw AgenticError.notFound(.plan, id.lowercased) }
            try ifMatch.check(plan.version)
            plan.taskCounts = try await tx.taskCounts(ofPlans: [id], tenant: tenant)[id] ?? TaskCounts()
            if patch.status == .completed, plan.status != .completed, !Rollup.canComplete(plan.taskCounts) {
                throw AgenticError.conflict(
                    .invalidTransition,
                    "Plan \(id.lowercased) cannot be `completed`: \(plan.taskCounts.total - plan.taskCounts[.completed]) of its tasks have not completed")
            }
            var changed = patch.apply(to: &plan, except: [\Plan.status])
            if let status = patch.status, status != plan.status {
                try plan.move(to: status, at: now)
                changed = true
            }
            plan.taskCounts = try await tx.taskCounts(ofPlans: [id], tenant: tenant)[id] ?? TaskCounts()
            let move = patch.resourceBudget != nil ? try await tx.refreshBudget(of: &plan) : .unchanged
            if move != .unchanged { changed = true }
            if changed {
                plan.bumpVersion(at: now)
                try await tx.updatePlan(plan)
                log.events.insert(EventDraft(EventType.updated(.plan), plan), at: 0)
                if move == .exhausted { log.events.insert(EventDraft(EventType.planBudgetExhausted, plan), at: 1) }
                if patch.status != nil { try await tx.settleGoals([plan.goalID], tenant: tenant, at: now, log: &log) }
            }
            try await tx.commit(log, by: caller, at: now)
            return plan
        }
    }

    public func deletePlan(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws {
        try await write { tx in
            let now = clock.now()
            let tenant = caller.tenant
            guard let current = try await tx.plan(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.plan, id.lowercased)
            }
            try ifMatch.check(current.version)
            _ = try await tx.tasks(ofPlans: [id], tenant: tenant, statuses: nil, lock: .update)
            guard let plan = try await tx.plan(id, tenant: tenant, lock: .update) else { throw AgenticError.notFound(.plan, id.lowercased) }
            try ifMatch.check(plan.version)
            // With the plan locked no task can be added to it; these are the tasks the delete removes.
            let tasks = try await tx.tasks(ofPlans: [id], tenant: tenant, statuses: nil, lock: .none)
            try await tx.deletePlan(id, tenant: tenant)
            var log = ChangeLog()
            for task in tasks { log.record(EventType.deleted(.task), task) }
            log.record(EventType.deleted(.plan), plan)
            try await tx.settleGoals([plan.goalID], tenant: tenant, at: now, log: &log)
            try await tx.commit(log, by: caller, at: now)
        }
    }

    public func listPlans(_ query: ListQuery, tenant: String) async throws -> Page<Plan> {
        let rows = try await read { tx in
            var plans = try await tx.plans(query, tenant: tenant)
            let counts = try await tx.taskCounts(ofPlans: plans.map(\.id), tenant: tenant)
            for index in plans.indices { plans[index].taskCounts = counts[plans[index].id] ?? TaskCounts() }
            return plans
        }
        return Page(fetched: rows, limit: query.limit) { Cursor(createdAt: $0.createdAt, id: $0.id) }
    }

    /// Cancels the plan and its open tasks. A plan already final is returned unchanged.
    public func cancelPlan(_ id: UUID, by caller: Caller) async throws -> Plan {
        try await write { tx in
            let now = clock.now()
            let tenant = caller.tenant
            guard var plan = try await tx.plan(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.plan, id.lowercased)
            }
            if !plan.status.isTerminal {
                var log = ChangeLog()
                try await tx.cancelPlans([id], tenant: tenant, at: now, log: &log)
                plan = try await tx.plan(id, tenant: tenant, lock: .none) ?? plan
                try await tx.settleGoals([plan.goalID], tenant: tenant, at: now, log: &log)
                try await tx.commit(log, by: caller, at: now)
            }
            plan.taskCounts = try await tx.taskCounts(ofPlans: [id], tenant: tenant)[id] ?? TaskCounts()
            return plan
        }
    }
}

extension StoreTransaction {
    /// Cancels the open tasks of the plans (their dependents are in the same plans, so nothing is
    /// left to skip).
    func cancelTasks(ofPlans planIDs: [UUID], tenant: String, at now: Timestamp, log: inout ChangeLog) async throws {
        guard !planIDs.isEmpty else { return }
        let open = try await tasks(ofPlans: planIDs, tenant: tenant, statuses: TaskStatus.openStatuses, lock: .update)
        for var task in open {
            try task.move(to: .cancelled, at: now)
            task.bumpVersion(at: now)
            try await updateTask(task)
            log.record(EventType.taskCancelled, task)
        }
    }

    /// Gets plans ready to take a final status: cancels their open tasks, locks the plans, and
    /// cancels again the tasks added meanwhile (creating a task holds its plan `FOR SHARE`, so once
    /// the plan is locked none can be added). Returns the locked plans; the caller moves them.
    func closePlans(_ planIDs: [UUID], tenant: String, at now: Timestamp, log: inout ChangeLog) async throws -> [Plan] {
        guard !planIDs.isEmpty else { return [] }
        try await cancelTasks(ofPlans: planIDs, tenant: tenant, at: now, log: &log)
        let locked = try await plans(planIDs, tenant: tenant, lock: .update)
        try await cancelTasks(ofPlans: planIDs, tenant: tenant, at: now, log: &log)
        return locked
    }

    /// Cancels open plans and their open tasks, tasks first (the lock order).
    func cancelPlans(_ planIDs: [UUID], tenant: String, at now: Timestamp, log: inout ChangeLog) async throws {
        let locked = try await closePlans(planIDs, tenant: tenant, at: now, log: &log)
        let counts = try await taskCounts(ofPlans: planIDs, tenant: tenant)
        for var plan in locked where !plan.status.isTerminal {
            try plan.move(to: .cancelled, at: now)
            plan.bumpVersion(at: now)
            plan.taskCounts = counts[plan.id] ?? TaskCounts()
            try await updatePlan(plan)
            log.record(EventType.status(.plan, PlanStatus.cancelled), plan)
        }
    }
}

extension StoreTransaction {
    /// Inserts a plan with its task graph from a create request (or a schedule's template), checking
    /// what it names: the tasks are inserted dependencies first, each `task.created` after the plan's.
    func addPlan(_ creation: PlanCreation, tenant: String, by key: String, at now: Timestamp, log: inout ChangeLog) async throws -> CreatedPlan {
        let draft = creation.plan
        var errors: [FieldError] = []
        let parent = try await self.goal(draft.goalID, tenant: tenant, lock: .share)
        if parent == nil { errors.append(FieldError(field: "goal_id", message: "does not name a goal")) }
        // Each agent named once, by the plan or any of its tasks.
        var agents: [UUID: Bool] = [:]
        func agentExists(_ id: UUID) async throws -> Bool {
            if let known = agents[id] { return known }
            let exists = try await agent(id, tenant: tenant, lock: .none) != nil
            agents[id] = exists
            return exists
        }
        if let agentID = draft.agentID, try await !agentExists(agentID) {
            errors.append(FieldError(field: "agent_id", message: "does not name an agent"))
        }
        for (index, planned) in creation.tasks.enumerated() {
            if let agentID = planned.draft.agentID, try await !agentExists(agentID) {
                errors.append(FieldError(field: "\(creation.member)[\(index)].agent_id", message: "does not name an agent"))
            }
            if let parent, let problem = parent.constraints.problem(withTool: planned.draft.toolName, field: "\(creation.member)[\(index)].tool_name") {
                errors.append(problem)
            }
        }
        if !errors.isEmpty { throw AgenticError.validation(errors) }
        if let parent, !parent.status.acceptsPlans {
            throw AgenticError.conflict(
                .invalidTransition, "Goal \(parent.id.lowercased) is `\(parent.status.rawValue)`; a final goal takes no new plans")
        }
        var plan = draft.make(tenant: tenant, now: now)
        try await insertPlan(plan)
        log.record(EventType.created(.plan), plan)

        var ids = [UUID](repeating: UUID.unset, count: creation.tasks.count)
        var tasks: [PlanTask] = []
        tasks.reserveCapacity(creation.tasks.count)
        for index in creation.insertionOrder {
            let planned = creation.tasks[index]
            var taskDraft = planned.draft
            taskDraft.value.planID = plan.id
            // Dependencies come first in the insertion order, so their ids are known.
            taskDraft.value.dependsOn = planned.dependsOn.map { ids[$0] }
            var task = taskDraft.make(tenant: tenant, now: now)
            task.createdBy = key
            if parent?.constraints.requireApproval == true { task.requireApproval() }
            ids[index] = task.id
            tasks.append(task)
            plan.taskCounts[task.status] += 1
        }
        try await insertNewTasks(tasks)
        for task in tasks where task.isDeferred(at: now) { try await setDeferred(task.id, tenant: task.tenant, true) }
        for task in tasks { log.record(EventType.created(.task), task) }
        if plan.status == .active { try await settleGoals([plan.goalID], tenant: tenant, at: now, log: &log) }
        let refs = creation.listsTasks ? zip(creation.tasks, ids).map { (ref: $0.ref, id: $1) } : nil
        return CreatedPlan(plan: plan, tasks: refs)
    }
}
