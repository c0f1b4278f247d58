import AgenticCore
import Foundation

extension TransactionalStore {
    public func createAgent(_ draft: AgentDraft, by caller: Caller) async throws -> Agent {
        let now = clock.now()
        let agent = draft.make(tenant: caller.tenant, now: now)
        return try await write { tx in
            try await tx.insertAgent(agent)
            var log = ChangeLog()
            log.record(EventType.created(.agent), agent)
            try await tx.commit(log, by: caller, at: now)
            return agent
        }
    }

    public func agent(_ id: UUID, tenant: String) async throws -> Agent {
        try await read { tx in
            guard let agent = try await tx.agent(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.agent, id.lowercased)
            }
            return agent
        }
    }

    public func updateAgent(_ id: UUID, _ patch: AgentPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Agent {
        try await write { tx in
            let now = clock.now()
            guard var agent = try await tx.agent(id, tenant: caller.tenant, lock: .update) else {
                throw AgenticError.notFound(.agent, id.lowercased)
            }
            try ifMatch.check(agent.version)
            if let status = patch.status, !agent.status.canMove(to: status) {
                throw AgenticError.invalidTransition(.agent, from: agent.status, to: status)
            }
            guard patch.apply(to: &agent) else { return agent }
            var move = BudgetMove.unchanged
            if patch.resourceLimits != nil {
                agent.refreshLimits()
                move = try await tx.refreshBudget(of: &agent)
            }
            agent.bumpVersion(at: now)
            try await tx.updateAgent(agent)
            var log = ChangeLog()
            log.record(EventType.updated(.agent), agent)
            if move == .exhausted { log.record(EventType.agentBudgetExhausted, agent) }
            try await tx.commit(log, by: caller, at: now)
            return agent
        }
    }

    /// Deletes the agent. Tasks it held go back to the queue; goals, plans and tasks that named it
    /// keep existing with a null `agent_id` (each gets a new version and an event).
    ///
    /// The agent is locked first (agents come first in the lock order): a claim holds its agent
    /// `FOR SHARE`, so no lease can be handed to the agent between the release below and the delete.
    public func deleteAgent(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws {
        try await write { tx in
            let now = clock.now()
            var log = ChangeLog()
            guard let agent = try await tx.agent(id, tenant: caller.tenant, lock: .update) else {
                throw AgenticError.notFound(.agent, id.lowercased)
            }
            try ifMatch.check(agent.version)
            var released: [PlanTask] = []
            for var task in try await tx.tasks(leasedBy: id, tenant: caller.tenant, lock: .update) {
                try task.move(to: task.statusAfterFailure(retryable: true), at: now)
                task.agentID = nil
                task.bumpVersion(at: now)
                try await tx.updateTask(task)
                log.record(task.status == .failed ? EventType.taskFailed : EventType.taskReleased, task)
                released.append(task)
            }
            let detached = try await tx.detachAgent(id, tenant: caller.tenant, at: now)
            for goal in detached.goals { log.record(EventType.updated(.goal), goal) }
            for plan in detached.plans { log.record(EventType.updated(.plan), plan) }
            for task in detached.tasks { log.record(EventType.updated(.task), task) }
            try await tx.deleteAgent(id, tenant: caller.tenant)
            log.record(EventType.deleted(.agent), agent)
            try await tx.settle(moved: released.filter { $0.status == .failed }, tenant: caller.tenant, at: now, log: &log)
            try await tx.commit(log, by: caller, at: now)
        }
    }

    public func listAgents(_ query: ListQuery, tenant: String) async throws -> Page<Agent> {
        let rows = try await read { tx in try await tx.agents(query, tenant: tenant) }
        return Page(fetched: rows, limit: query.limit) { Cursor(createdAt: $0.createdAt, id: $0.id) }
    }
}
