import AgenticCore
import Foundation

extension TransactionalStore {
    public func createGoal(_ draft: GoalDraft, by caller: Caller) async throws -> Goal {
        try await write { tx in
            let now = clock.now()
            var log = ChangeLog()
            let goal = try await tx.addGoal(draft, tenant: caller.tenant, at: now, log: &log)
            try await tx.commit(log, by: caller, at: now)
            return goal
        }
    }

    public func goal(_ id: UUID, tenant: String) async throws -> Goal {
        try await read { tx in
            guard let goal = try await tx.goal(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.goal, id.lowercased)
            }
            return goal
        }
    }

    /// Updates a goal. Moving it to a final status cancels whatever still runs below it.
    ///
    /// The unlocked first read only validates; every precondition another request can change
    /// (`If-Match`, the status move) is checked again on the goal as locked for the write. A new
    /// parent is checked for cycles under the tenant's goal-tree lock, so two concurrent changes
    /// cannot make two goals each other's parent.
    public func updateGoal(_ id: UUID, _ patch: GoalPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Goal {
        try await write { tx in
            let now = clock.now()
            let tenant = caller.tenant
            if case .some(.some) = patch.parentGoalID { try await tx.serialize(.goalTree(tenant: tenant)) }
            guard let current = try await tx.goal(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.goal, id.lowercased)
            }
            try ifMatch.check(current.version)
            if let status = patch.status, !current.status.canMove(to: status) {
                throw AgenticError.invalidTransition(.goal, from: current.status, to: status)
            }
            var errors: [FieldError] = []
            var newAgent: Agent?
            if case .some(.some(let agentID)) = patch.agentID {
                newAgent = try await tx.agent(agentID, tenant: tenant, lock: .none)
                if newAgent == nil { errors.append(FieldError(field: "agent_id", message: "does not name an agent")) }
            }
            if case .some(.some(let parentID)) = patch.parentGoalID {
                if let problem = try await tx.parentProblem(goal: id, newParent: parentID, tenant: tenant) {
                    errors.append(FieldError(field: "parent_goal_id", message: problem))
                }
            }
            if !errors.isEmpty { throw AgenticError.validation(errors) }

            var log = ChangeLog()
            let closing = patch.status.map { $0.isTerminal && $0 != current.status } ?? false
            var goal = try await closing
                ? tx.closeGoal(id, tenant: tenant, at: now, log: &log)
                : tx.lockedGoal(id, tenant: tenant)
            try ifMatch.check(goal.version)
            var changed = patch.apply(to: &goal, except: [\Goal.status])
            goal.refreshDerived()
            // A new agent brings its DID, unless the request named one.
            if patch.agentDID == nil, let newAgent, goal.agentDID != newAgent.did {
                goal.agentDID = newAgent.did
                changed = true
            }
            if let status = patch.status, status != goal.status {
                try goal.move(to: status, at: now)
                changed = true
            }
            let move = patch.constraints != nil ? try await tx.refreshBudget(of: &goal) : .unchanged
            if move != .unchanged { changed = true }
            if changed {
                goal.bumpVersion(at: now)
                try await tx.updateGoal(goal)
                log.events.insert(EventDraft(EventType.updated(.goal), goal), at: 0)
                if move == .exhausted { log.events.insert(EventDraft(EventType.goalBudgetExhausted, goal), at: 1) }
            }
            try await tx.commit(log, by: caller, at: now)
            return goal
        }
    }

    /// Deletes the goal with its sub-goals, plans and tasks; one event per deleted resource.
    public func deleteGoal(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws {
        try await write { tx in
            let now = clock.now()
            let tenant = caller.tenant
            guard let goal = try await tx.goal(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.goal, id.lowercased)
            }
            try ifMatch.check(goal.version)
            // Tasks first, then the goal: the lock order. With the root locked nothing can be added
            // directly below it (an insert's reference check conflicts with the lock).
            let plansBefore = try await tx.plans(ofGoals: try await tx.goalTree(id, tenant: tenant), tenant: tenant, lock: .none)
            _ = try await tx.tasks(ofPlans: plansBefore.map(\.id), tenant: tenant, statuses: nil, lock: .update)
            let root = try await tx.lockedGoal(id, tenant: tenant)
            try ifMatch.check(root.version)
            let goalIDs = try await tx.goalTree(id, tenant: tenant)
            let plans = try await tx.plans(ofGoals: goalIDs, tenant: tenant, lock: .none)
            let tasks = try await tx.tasks(ofPlans: plans.map(\.id), tenant: tenant, statuses: nil, lock: .none)
            let goals = try await tx.goals(goalIDs, tenant: tenant, lock: .update)
            try await tx.deleteGoal(id, tenant: tenant)
            var log = ChangeLog()
            for task in tasks { log.record(EventType.deleted(.task), task) }
            for plan in plans { log.record(EventType.deleted(.plan), plan) }
            let order = Dictionary(uniqueKeysWithValues: goalIDs.enumerated().map { ($1, $0) })
            for goal in goals.sorted(by: { order[$0.id, default: 0] > order[$1.id, default: 0] }) {
                log.record(EventType.deleted(.goal), goal)
            }
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
            let now = clock.now()
            guard let current = try await tx.goal(id, tenant: caller.tenant, lock: .none) else {
                throw AgenticError.notFound(.goal, id.lowercased)
            }
            if current.status.isTerminal { return current }
            var log = ChangeLog()
            var goal = try await tx.closeGoal(id, tenant: caller.tenant, at: now, log: &log)
            if !goal.status.isTerminal {
                try goal.move(to: .cancelled, at: now)
                goal.bumpVersion(at: now)
                try await tx.updateGoal(goal)
                log.record(EventType.status(.goal, GoalStatus.cancelled), goal)
            }
            try await tx.commit(log, by: caller, at: now)
            return goal
        }
    }
}

extension TransactionalStore {
    /// The sweeper's step for goals whose time ran out (`expires_at`, from `constraints.deadline` and
    /// `max_execution_time_sec`): each fails, with `goal.expired`, and what is open below it is
    /// cancelled. One transaction per goal, closed like a cancel (`closeGoal`: the tasks below are
    /// locked before the goal); a goal whose time was moved meanwhile is left alone. Returns how
    /// many goals were looked at.
    public func expireGoals(limit: Int) async throws -> Int {
        let due = try await read { tx in try await tx.expiredGoals(at: clock.now(), limit: limit) }
        for candidate in due {
            do {
                try await expireGoal(candidate.id, tenant: candidate.tenant)
            } catch is ExpiryMoved {
                continue
            }
        }
        return due.count
    }

    private func expireGoal(_ id: UUID, tenant: String) async throws {
        try await write { tx in
            let now = clock.now()
            guard let current = try await tx.goal(id, tenant: tenant, lock: .none), current.isExpired(at: now) else { return }
            var log = ChangeLog()
            var goal = try await tx.closeGoal(id, tenant: tenant, at: now, log: &log)
            // Checked again under the lock: an admin who moved the deadline meanwhile wins, and the
            // cancellations above roll back with this transaction.
            guard goal.isExpired(at: now) else { throw ExpiryMoved() }
            try goal.move(to: .failed, at: now)
            goal.bumpVersion(at: now)
            try await tx.updateGoal(goal)
            log.record(EventType.goalExpired, goal)
            try await tx.commit(log, by: .system(tenant: tenant), at: now)
        }
    }
}

/// A goal's expiry changed between the sweep's look and its lock; the sweep's transaction for it
/// rolls back and the next round looks again.
struct ExpiryMoved: Error {}

extension StoreTransaction {
    /// Inserts a goal from a create request (or a schedule's template), checking what it names.
    func addGoal(_ draft: GoalDraft, tenant: String, at now: Timestamp, log: inout ChangeLog) async throws -> Goal {
        var errors: [FieldError] = []
        var agent: Agent?
        if let agentID = draft.agentID {
            agent = try await self.agent(agentID, tenant: tenant, lock: .none)
            if agent == nil { errors.append(FieldError(field: "agent_id", message: "does not name an agent")) }
        }
        if let parentID = draft.parentGoalID, try await goal(parentID, tenant: tenant, lock: .none) == nil {
            errors.append(FieldError(field: "parent_goal_id", message: "does not name a goal"))
        }
        if !errors.isEmpty { throw AgenticError.validation(errors) }
        var goal = draft.make(tenant: tenant, now: now)
        if goal.agentDID == nil { goal.agentDID = agent?.did }
        try await insertGoal(goal)
        log.record(EventType.created(.goal), goal)
        return goal
    }

    /// The goal, locked for update; 404 when it is gone.
    func lockedGoal(_ id: UUID, tenant: String) async throws -> Goal {
        guard let goal = try await goal(id, tenant: tenant, lock: .update) else {
            throw AgenticError.notFound(.goal, id.lowercased)
        }
        return goal
    }

    /// Gets a goal ready to take a final status: cancels everything open below it, locks it, and
    /// cancels again whatever was added below meanwhile (a plan created while the first pass ran:
    /// creating one holds the goal `FOR SHARE`, so once the goal is locked no more can be added).
    /// Returns the locked goal; the caller moves it.
    func closeGoal(_ id: UUID, tenant: String, at now: Timestamp, log: inout ChangeLog) async throws -> Goal {
        try await cancelBelow(goal: id, tenant: tenant, at: now, log: &log)
        let goal = try await lockedGoal(id, tenant: tenant)
        try await cancelBelow(goal: id, tenant: tenant, at: now, log: &log)
        return goal
    }

    /// The goal and all its sub-goals, parents before children.
    func goalTree(_ root: UUID, tenant: String) async throws -> [UUID] {
        var all = [root]
        var seen: Set<UUID> = [root]
        var frontier = [root]
        while !frontier.isEmpty {
            let children = try await subgoalIDs(of: frontier, tenant: tenant).filter { seen.insert($0).inserted }
            all.append(contentsOf: children)
            frontier = children
        }
        return all
    }

    /// Why `newParent` cannot be the parent of `goal`, if it cannot: it must exist in the tenant and
    /// must not be the goal itself or one of its descendants (no cycles). Run under the tenant's
    /// `goalTree` lock, so the chain it walks cannot change meanwhile.
    func parentProblem(goal: UUID, newParent: UUID, tenant: String) async throws -> String? {
        if newParent == goal { return "a goal cannot be its own parent" }
        guard var cursor = try await self.goal(newParent, tenant: tenant, lock: .none) else { return "does not name a goal" }
        var seen: Set<UUID> = [newParent]
        while let next = cursor.parentGoalID {
            if next == goal { return "would make a cycle: the new parent is a sub-goal of this goal" }
            guard seen.insert(next).inserted, let parent = try await self.goal(next, tenant: tenant, lock: .none) else { break }
            cursor = parent
        }
        return nil
    }

    /// Cancels every open sub-goal, plan and task below `goal` (not the goal itself), bottom-up.
    func cancelBelow(goal: UUID, tenant: String, at now: Timestamp, log: inout ChangeLog) async throws {
        let goalIDs = try await goalTree(goal, tenant: tenant)
        let plans = try await plans(ofGoals: goalIDs, tenant: tenant, lock: .none).filter { !$0.status.isTerminal }
        try await cancelPlans(plans.map(\.id), tenant: tenant, at: now, log: &log)
        let subgoals = try await goals(Array(goalIDs.dropFirst()), tenant: tenant, lock: .update)
        for var subgoal in subgoals.reversed() where !subgoal.status.isTerminal {
            try subgoal.move(to: .cancelled, at: now)
            subgoal.bumpVersion(at: now)
            try await updateGoal(subgoal)
            log.record(EventType.status(.goal, GoalStatus.cancelled), subgoal)
        }
    }
}
