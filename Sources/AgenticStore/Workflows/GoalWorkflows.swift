import AgenticCore
import Foundation

extension TransactionalStore {
    public func createGoal(_ draft: GoalDraft, by caller: Caller) async throws -> Goal {
        try await write { tx in
            let now = Timestamp.now()
            var errors: [FieldError] = []
            var agent: Agent?
            if let agentID = draft.agentID {
                agent = try await tx.agent(agentID, tenant: caller.tenant, lock: false)
                if agent == nil { errors.append(FieldError(field: "agent_id", message: "does not name an agent")) }
            }
            if let parentID = draft.parentGoalID, try await tx.goal(parentID, tenant: caller.tenant, lock: false) == nil {
                errors.append(FieldError(field: "parent_goal_id", message: "does not name a goal"))
            }
            if !errors.isEmpty { throw AgenticError.validation(errors) }
            let goal = draft.make(tenant: caller.tenant, agent: agent, now: now)
            try await tx.insertGoal(goal)
            var log = ChangeLog()
            log.record(EventType.created(.goal), goal)
            try await tx.commit(log, by: caller, at: now)
            return goal
        }
    }

    public func goal(_ id: UUID, tenant: String) async throws -> Goal {
        try await read { tx in
            guard let goal = try await tx.goal(id, tenant: tenant, lock: false) else {
                throw AgenticError.notFound(.goal, id.lowercased)
            }
            return goal
        }
    }

    /// Updates a goal. Moving it to a final status cancels whatever still runs below it.
    public func updateGoal(_ id: UUID, _ patch: GoalPatch, ifVersion: Int64?, by caller: Caller) async throws -> Goal {
        try await write { tx in
            let now = Timestamp.now()
            guard let current = try await tx.goal(id, tenant: caller.tenant, lock: false) else {
                throw AgenticError.notFound(.goal, id.lowercased)
            }
            try Precondition.check(ifVersion, against: current.version)
            if let status = patch.status, !current.status.canMove(to: status) {
                throw AgenticError.invalidTransition(.goal, from: current.status, to: status)
            }
            var errors: [FieldError] = []
            var newAgent: Agent?
            if case .some(.some(let agentID)) = patch.agentID {
                newAgent = try await tx.agent(agentID, tenant: caller.tenant, lock: false)
                if newAgent == nil { errors.append(FieldError(field: "agent_id", message: "does not name an agent")) }
            }
            if case .some(.some(let parentID)) = patch.parentGoalID {
                if let problem = try await tx.parentProblem(goal: id, newParent: parentID, tenant: caller.tenant) {
                    errors.append(FieldError(field: "parent_goal_id", message: problem))
                }
            }
            if !errors.isEmpty { throw AgenticError.validation(errors) }

            var log = ChangeLog()
            let closing = patch.status.map { $0.isTerminal && $0 != current.status } ?? false
            if closing {
                // Lock order: everything below first, then the goal itself.
                try await tx.cancelBelow(goal: id, at: now, log: &log)
            }
            guard var goal = try await tx.goals([id], lock: true).first else {
                throw AgenticError.notFound(.goal, id.lowercased)
            }
            var changed = patch.apply(to: &goal, newAgent: newAgent, at: now)
            if let status = patch.status, status != goal.status {
                try goal.move(to: status, at: now)
                changed = true
            }
            if changed {
                goal.version += 1
                goal.updatedAt = now
                try await tx.updateGoal(goal)
                log.events.insert(EventDraft(EventType.updated(.goal), goal), at: 0)
            }
            try await tx.commit(log, by: caller, at: now)
            return goal
        }
    }

    /// Deletes the goal with its sub-goals, plans and tasks; one event per deleted resource.
    public func deleteGoal(_ id: UUID, ifVersion: Int64?, by caller: Caller) async throws {
        try await write { tx in
            let now = Timestamp.now()
            guard let goal = try await tx.goal(id, tenant: caller.tenant, lock: false) else {
                throw AgenticError.notFound(.goal, id.lowercased)
            }
            try Precondition.check(ifVersion, against: goal.version)
            let goalIDs = try await tx.goalTree(id)
            let plans = try await tx.plans(ofGoals: goalIDs, lock: false)
            let tasks = try await tx.tasks(ofPlans: plans.map(\.id), statuses: nil, lock: true)
            let goals = try await tx.goals(goalIDs, lock: true)
            try await tx.deleteGoal(id)
            var log = ChangeLog()
            for task in tasks { log.record(EventType.deleted(.task), task) }
            for plan in plans { log.record(EventType.deleted(.plan), plan) }
            for goal in goals.reversed() { log.record(EventType.deleted(.goal), goal) }
            try await tx.commit(log, by: caller, at: now)
        }
    }

    public func listGoals(_ query: ListQuery, tenant: String) async throws -> Page<Goal> {
        let rows = try await read { tx in try await tx.goals(query, tenant: tenant) }
        return Page(fetched: rows, limit: query.limit) { Cursor(createdAt: $0.createdAt, id: $0.id) }
    }

    /// Cancels the goal and everything still open below it. A goal already final is returned unchanged.
    public func cancelGoal(_ id: UUID, by caller: Caller) async throws -> Goal {
        try await write { tx in
            let now = Timestamp.now()
            guard let current = try await tx.goal(id, tenant: caller.tenant, lock: false) else {
                throw AgenticError.notFound(.goal, id.lowercased)
            }
            if current.status.isTerminal { return current }
            var log = ChangeLog()
            try await tx.cancelBelow(goal: id, at: now, log: &log)
            guard var goal = try await tx.goals([id], lock: true).first else {
                throw AgenticError.notFound(.goal, id.lowercased)
            }
            if !goal.status.isTerminal {
                try goal.move(to: .cancelled, at: now)
                goal.version += 1
                goal.updatedAt = now
                try await tx.updateGoal(goal)
                log.record(EventType.status(.goal, GoalStatus.cancelled), goal)
            }
            try await tx.commit(log, by: caller, at: now)
            return goal
        }
    }
}

extension StoreTransaction {
    /// The goal and all its sub-goals, parents before children.
    func goalTree(_ root: UUID) async throws -> [UUID] {
        var all = [root]
        var seen: Set<UUID> = [root]
        var frontier = [root]
        while !frontier.isEmpty {
            let children = try await subgoalIDs(of: frontier).filter { seen.insert($0).inserted }
            all.append(contentsOf: children)
            frontier = children
        }
        return all
    }

    /// Why `newParent` cannot be the parent of `goal`, if it cannot: it must exist in the tenant and
    /// must not be the goal itself or one of its descendants (no cycles).
    func parentProblem(goal: UUID, newParent: UUID, tenant: String) async throws -> String? {
        if newParent == goal { return "a goal cannot be its own parent" }
        guard var cursor = try await self.goal(newParent, tenant: tenant, lock: false) else { return "does not name a goal" }
        var seen: Set<UUID> = [newParent]
        while let next = cursor.parentGoalID {
            if next == goal { return "would make a cycle: the new parent is a sub-goal of this goal" }
            guard seen.insert(next).inserted, let parent = try await self.goal(next, tenant: tenant, lock: false) else { break }
            cursor = parent
        }
        return nil
    }

    /// Cancels every open sub-goal, plan and task below `goal` (not the goal itself), bottom-up.
    func cancelBelow(goal: UUID, at now: Timestamp, log: inout ChangeLog) async throws {
        let goalIDs = try await goalTree(goal)
        let plans = try await plans(ofGoals: goalIDs, lock: false).filter { !$0.status.isTerminal }
        try await cancelPlans(plans.map(\.id), at: now, log: &log)
        let subgoals = try await goals(Array(goalIDs.dropFirst()), lock: true)
        for var subgoal in subgoals.reversed() where !subgoal.status.isTerminal {
            try subgoal.move(to: .cancelled, at: now)
            subgoal.version += 1
            subgoal.updatedAt = now
            try await updateGoal(subgoal)
            log.record(EventType.status(.goal, GoalStatus.cancelled), subgoal)
        }
    }
}
