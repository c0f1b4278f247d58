import AgenticCore
import Foundation

extension TransactionalStore {
    /// Creates a task. Its dependencies must be tasks of the same plan; a task that depends on one that
    /// already ended without completing is created `skipped`, since it could never run.
    ///
    /// The dependencies, then the plan, are read `FOR SHARE` (tasks before plans: the lock order):
    /// none of them can change status before this task and its dependency edges are committed, so
    /// the unmet-dependency count is right and a plan being cancelled cannot take a new task.
    public func createTask(_ draft: TaskDraft, by caller: Caller) async throws -> PlanTask {
        try await write { tx in
            let now = clock.now()
            let tenant = caller.tenant
            var errors: [FieldError] = []
            let dependencies = try await tx.tasks(draft.dependsOn, tenant: tenant, lock: .share)
            let plan = try await tx.plan(draft.planID, tenant: tenant, lock: .share)
            if plan == nil { errors.append(FieldError(field: "plan_id", message: "does not name a plan")) }
            // Its goal's constraints: forbidden tools, and whether every task needs approval.
            let goal = try await plan.asyncMap { try await tx.goal($0.goalID, tenant: tenant, lock: .share) } ?? nil
            if let problem = goal?.constraints.problem(withTool: draft.toolName, field: "tool_name") { errors.append(problem) }
            if let agentID = draft.agentID, try await tx.agent(agentID, tenant: tenant, lock: .none) == nil {
                errors.append(FieldError(field: "agent_id", message: "does not name an agent"))
            }
            errors += Self.dependencyProblems(draft.dependsOn, found: dependencies, plan: draft.planID)
            if !errors.isEmpty { throw AgenticError.validation(errors) }
            if let plan, !plan.status.acceptsTasks {
                throw AgenticError.conflict(
                    .planClosed, "Plan \(plan.id.lowercased) is `\(plan.status.rawValue)`; a final plan takes no new tasks")
            }
            var task = draft.make(tenant: tenant, now: now)
            task.createdBy = caller.keyID
            if goal?.constraints.requireApproval == true { task.requireApproval() }
            let unmet = dependencies.filter { $0.status != .completed }.count
            let doomed = dependencies.contains { $0.status.isTerminal && $0.status != .completed }
            if doomed { try task.move(to: .skipped, at: now) }
            try await tx.insertTask(task, unmetDependencies: unmet)
            if task.isDeferred(at: now) { try await tx.setDeferred(task.id, tenant: tenant, true) }
            var log = ChangeLog()
            log.record(EventType.created(.task), task)
            if doomed { try await tx.settle(moved: [task], tenant: tenant, at: now, log: &log) }
            try await tx.commit(log, by: caller, at: now)
            return task
        }
    }

    public func task(_ id: UUID, tenant: String) async throws -> PlanTask {
        try await read { tx in
            guard let task = try await tx.task(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.task, id.lowercased)
            }
            return task
        }
    }

    /// Updates a task. `status` follows the lifecycle rules (final stays final; `running` and
    /// `completed` need completed dependencies); `depends_on` may change while the task waits.
    ///
    /// A change of `depends_on` runs under its plan's task-graph lock (taken before any row lock),
    /// so two concurrent changes cannot close a cycle between them; the new dependencies are read
    /// `FOR SHARE` so their statuses hold until this commits.
    public func updateTask(_ id: UUID, _ patch: TaskPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> PlanTask {
        try await write { tx in
            let now = clock.now()
            let tenant = caller.tenant
            if let newDependencies = patch.dependsOn, !newDependencies.isEmpty {
                // A task's plan never changes, so an unlocked read finds the graph to serialise on.
                guard let unlocked = try await tx.task(id, tenant: tenant, lock: .none) else {
                    throw AgenticError.notFound(.task, id.lowercased)
                }
                try await tx.serialize(.taskGraph(tenant: tenant, plan: unlocked.planID))
            }
            guard var task = try await tx.task(id, tenant: tenant, lock: .update) else {
                throw AgenticError.notFound(.task, id.lowercased)
            }
            try ifMatch.check(task.version)
            if let status = patch.status, !task.status.canMove(to: status) {
                throw AgenticError.invalidTransition(.task, from: task.status, to: status)
            }
            if case .some(.some(let agentID)) = patch.agentID, try await tx.agent(agentID, tenant: tenant, lock: .none) == nil {
                throw AgenticError.validation(field: "agent_id", "does not name an agent")
            }
            if case .some(.some(let tool)) = patch.toolName, let plan = try await tx.plan(task.planID, tenant: tenant, lock: .none),
                let problem = try await Self.toolProblem(tool, plan: plan, tx: tx)
            {
                throw AgenticError.validation([problem])
            }
            var changed = patch.apply(to: &task, except: [\PlanTask.status, \PlanTask.dependsOn])
            // Only a status move or a dependency change depends on the dependencies' statuses.
            let needsDependencies = patch.status != nil || patch.dependsOn != nil
            var dependencies = needsDependencies ? try await tx.tasks(task.dependsOn, tenant: tenant, lock: .share) : []
            if let newDependencies = patch.dependsOn, newDependencies != task.dependsOn {
                guard task.status.dependenciesCanChange else {
                    throw AgenticError.conflict(
                        .invalidTransition, "depends_on can only change while the task is pending or blocked, not `\(task.status.rawValue)`")
                }
                dependencies = try await tx.tasks(newDependencies, tenant: tenant, lock: .share)
                var errors = Self.dependencyProblems(newDependencies, found: dependencies, plan: task.planID)
                if newDependencies.contains(id) { errors.append(FieldError(field: "depends_on", message: "a task cannot depend on itself")) }
                if errors.isEmpty, try await tx.wouldCycle(task: id, dependsOn: newDependencies, plan: task.planID, tenant: tenant) {
                    errors.append(FieldError(field: "depends_on", message: "would make a dependency cycle"))
                }
                if !errors.isEmpty { throw AgenticError.validation(errors) }
                let unmet = dependencies.filter { $0.status != .completed }.count
                try await tx.setDependencies(of: id, tenant: tenant, to: newDependencies, unmetDependencies: unmet)
                task.dependsOn = newDependencies
                // Its wait for a worker starts again with its new dependencies.
                task.readyAt = now
                changed = true
            }
            var statusMoved = false
            if let status = patch.status, status != task.status {
                let ready = dependencies.allSatisfy { $0.status == .completed }
                try task.move(to: status, at: now, dependenciesCompleted: ready)
                changed = true
                statusMoved = true
            }
            guard changed else { return task }
            task.bumpVersion(at: now)
            try await tx.updateTask(task)
            if patch.notBefore != nil { try await tx.setDeferred(id, tenant: tenant, task.isDeferred(at: now)) }
            var log = ChangeLog()
            log.record(EventType.updated(.task), task)
            if statusMoved { try await tx.settle(moved: [task], tenant: tenant, at: now, log: &log) }
            try await tx.commit(log, by: caller, at: now)
            return task
        }
    }

    /// Deletes a task. Tasks that depended on it drop it from `depends_on` (and may become ready);
    /// its plan is re-evaluated.
    public func deleteTask(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws {
        try await write { tx in
            let now = clock.now()
            let tenant = caller.tenant
            guard let task = try await tx.task(id, tenant: tenant, lock: .update) else {
                throw AgenticError.notFound(.task, id.lowercased)
            }
            try ifMatch.check(task.version)
            var log = ChangeLog()
            for var dependent in try await tx.dependents(of: [id], tenant: tenant, lock: .update) {
                dependent.dependsOn.removeAll { $0 == id }
                let remaining = try await tx.tasks(dependent.dependsOn, tenant: tenant, lock: .share)
                try await tx.setDependencies(
                    of: dependent.id, tenant: tenant, to: dependent.dependsOn,
                    unmetDependencies: remaining.filter { $0.status != .completed }.count)
                dependent.readyAt = now
                dependent.bumpVersion(at: now)
                try await tx.updateTask(dependent)
                log.record(EventType.updated(.task), dependent)
            }
            try await tx.deleteTask(id, tenant: tenant)
            log.record(EventType.deleted(.task), task)
            log.rollUp([task.planID])
            try await tx.commit(log, by: caller, at: now)
        }
    }

    public func listTasks(_ query: ListQuery, tenant: String) async throws -> Page<PlanTask> {
        let rows = try await read { tx in try await tx.tasks(query, tenant: tenant) }
        return Page(fetched: rows, limit: query.limit) { Cursor(createdAt: $0.createdAt, id: $0.id) }
    }

    /// A task naming a tool its goal forbids (`constraints.forbidden_tools`) is refused. The goal is
    /// read `FOR SHARE`, so a change of its constraints commits before or after, never in between.
    static func toolProblem(_ tool: String?, plan: Plan, tx: Transaction, field: String = "tool_name") async throws -> FieldError? {
        guard tool != nil, let goal = try await tx.goal(plan.goalID, tenant: plan.tenant, lock: .share) else { return nil }
        return goal.constraints.problem(withTool: tool, field: field)
    }

    /// Field errors for `depends_on`: every id must be a task of the same plan (and tenant: `found`
    /// holds only the tenant's tasks).
    static func dependencyProblems(_ ids: [UUID], found: [PlanTask], plan: UUID) -> [FieldError] {
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var errors: [FieldError] = []
        for (index, id) in ids.enumerated() {
            guard let dependency = byID[id] else {
                errors.append(FieldError(field: "depends_on[\(index)]", message: "does not name a task"))
                continue
            }
            if dependency.planID != plan {
                errors.append(FieldError(field: "depends_on[\(index)]", message: "names a task of another plan"))
            }
        }
        return errors
    }
}

extension StoreTransaction {
    /// Whether giving `task` these dependencies closes a loop: true when `task` is reachable from
    /// one of them through existing `depends_on` edges.
    func wouldCycle(task: UUID, dependsOn: [UUID], plan: UUID, tenant: String) async throws -> Bool {
        var edges: [UUID: [UUID]] = [:]
        for (from, to) in try await dependencyEdges(ofPlan: plan, tenant: tenant) where from != task {
            edges[from, default: []].append(to)
        }
        var stack = dependsOn
        var seen = Set<UUID>()
        while let next = stack.popLast() {
            if next == task { return true }
            guard seen.insert(next).inserted else { continue }
            stack.append(contentsOf: edges[next] ?? [])
        }
        return false
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
