import AgenticCore
import Foundation

extension TransactionalStore {
    /// Creates a task. Its dependencies must be tasks of the same plan; a task that depends on one that
    /// already ended without completing is created `skipped`, since it could never run.
    public func createTask(_ draft: TaskDraft, by caller: Caller) async throws -> PlanTask {
        try await write { tx in
            let now = Timestamp.now()
            var errors: [FieldError] = []
            let plan = try await tx.plan(draft.planID, tenant: caller.tenant, lock: false)
            if plan == nil { errors.append(FieldError(field: "plan_id", message: "does not name a plan")) }
            if let agentID = draft.agentID, try await tx.agent(agentID, tenant: caller.tenant, lock: false) == nil {
                errors.append(FieldError(field: "agent_id", message: "does not name an agent"))
            }
            let dependencies = try await tx.tasks(draft.dependsOn, lock: false)
            errors += Self.dependencyProblems(draft.dependsOn, found: dependencies, plan: draft.planID, tenant: caller.tenant)
            if !errors.isEmpty { throw AgenticError.validation(errors) }
            if let plan, plan.status.isTerminal {
                throw AgenticError.conflict(
                    .planClosed, "Plan \(plan.id.lowercased) is `\(plan.status.rawValue)`; a final plan takes no new tasks")
            }
            var task = draft.make(tenant: caller.tenant, now: now)
            let unmet = dependencies.filter { $0.status != .completed }.count
            let doomed = dependencies.contains { $0.status.isTerminal && $0.status != .completed }
            if doomed { try task.move(to: .skipped, at: now) }
            try await tx.insertTask(task, unmetDependencies: unmet)
            var log = ChangeLog()
            log.record(EventType.created(.task), task)
            if doomed { try await tx.settle(moved: [task], at: now, log: &log) }
            try await tx.commit(log, by: caller, at: now)
            return task
        }
    }

    public func task(_ id: UUID, tenant: String) async throws -> PlanTask {
        try await read { tx in
            guard let task = try await tx.task(id, tenant: tenant, lock: false) else {
                throw AgenticError.notFound(.task, id.lowercased)
            }
            return task
        }
    }

    /// Updates a task. `status` follows the lifecycle rules (final stays final; `running` and
    /// `completed` need completed dependencies); `depends_on` may change while the task waits.
    public func updateTask(_ id: UUID, _ patch: TaskPatch, ifVersion: Int64?, by caller: Caller) async throws -> PlanTask {
        try await write { tx in
            let now = Timestamp.now()
            guard var task = try await tx.task(id, tenant: caller.tenant, lock: true) else {
                throw AgenticError.notFound(.task, id.lowercased)
            }
            try Precondition.check(ifVersion, against: task.version)
            if let status = patch.status, !task.status.canMove(to: status) {
                throw AgenticError.invalidTransition(.task, from: task.status, to: status)
            }
            if case .some(.some(let agentID)) = patch.agentID,
                try await tx.agent(agentID, tenant: caller.tenant, lock: false) == nil
            {
                throw AgenticError.validation(field: "agent_id", "does not name an agent")
            }
            var changed = patch.apply(to: &task)
            var dependencies = try await tx.tasks(task.dependsOn, lock: false)
            if let newDependencies = patch.dependsOn, newDependencies != task.dependsOn {
                guard task.status == .pending || task.status == .blocked else {
                    throw AgenticError.conflict(
                        .invalidTransition, "depends_on can only change while the task is pending or blocked, not `\(task.status.rawValue)`")
                }
                dependencies = try await tx.tasks(newDependencies, lock: false)
                var errors = Self.dependencyProblems(newDependencies, found: dependencies, plan: task.planID, tenant: caller.tenant)
                if newDependencies.contains(id) { errors.append(FieldError(field: "depends_on", message: "a task cannot depend on itself")) }
                if errors.isEmpty, try await tx.wouldCycle(task: id, dependsOn: newDependencies, plan: task.planID) {
                    errors.append(FieldError(field: "depends_on", message: "would make a dependency cycle"))
                }
                if !errors.isEmpty { throw AgenticError.validation(errors) }
                let unmet = dependencies.filter { $0.status != .completed }.count
                try await tx.setDependencies(of: id, to: newDependencies, unmetDependencies: unmet)
                task.dependsOn = newDependencies
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
            task.version += 1
            task.updatedAt = now
            try await tx.updateTask(task)
            var log = ChangeLog()
            log.record(EventType.updated(.task), task)
            if statusMoved { try await tx.settle(moved: [task], at: now, log: &log) }
            try await tx.commit(log, by: caller, at: now)
            return task
        }
    }

    /// Deletes a task. Tasks that depended on it drop it from `depends_on` (and may become ready);
    /// its plan is re-evaluated.
    public func deleteTask(_ id: UUID, ifVersion: Int64?, by caller: Caller) async throws {
        try await write { tx in
            let now = Timestamp.now()
            guard let task = try await tx.task(id, tenant: caller.tenant, lock: true) else {
                throw AgenticError.notFound(.task, id.lowercased)
            }
            try Precondition.check(ifVersion, against: task.version)
            var log = ChangeLog()
            for var dependent in try await tx.dependents(of: [id], lock: true) {
                dependent.dependsOn.removeAll { $0 == id }
                let remaining = try await tx.tasks(dependent.dependsOn, lock: false)
                try await tx.setDependencies(
                    of: dependent.id, to: dependent.dependsOn,
                    unmetDependencies: remaining.filter { $0.status != .completed }.count)
                dependent.version += 1
                dependent.updatedAt = now
                try await tx.updateTask(dependent)
                log.record(EventType.updated(.task), dependent)
            }
            try await tx.deleteTask(id)
            log.record(EventType.deleted(.task), task)
            try await tx.settlePlans([task.planID], at: now, log: &log)
            try await tx.commit(log, by: caller, at: now)
        }
    }

    public func listTasks(_ query: ListQuery, tenant: String) async throws -> Page<PlanTask> {
        let rows = try await read { tx in try await tx.tasks(query, tenant: tenant) }
        return Page(fetched: rows, limit: query.limit) { Cursor(createdAt: $0.createdAt, id: $0.id) }
    }

    /// Field errors for `depends_on`: every id must be a task of the same plan and tenant.
    static func dependencyProblems(_ ids: [UUID], found: [PlanTask], plan: UUID, tenant: String) -> [FieldError] {
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var errors: [FieldError] = []
        for (index, id) in ids.enumerated() {
            guard let dependency = byID[id], dependency.tenant == tenant else {
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
    func wouldCycle(task: UUID, dependsOn: [UUID], plan: UUID) async throws -> Bool {
        var edges: [UUID: [UUID]] = [:]
        for (from, to) in try await dependencyEdges(ofPlan: plan) where from != task {
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
