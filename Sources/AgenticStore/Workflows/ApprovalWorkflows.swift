import AgenticCore
import Foundation

extension TransactionalStore {
    public func approveTask(_ id: UUID, _ request: ApproveRequest, by caller: Caller) async throws -> PlanTask {
        try await write { tx in
            let now = clock.now()
            var task = try await tx.lockedTask(id, tenant: caller.tenant)
            try task.approve(by: caller.keyID, comment: request.comment, at: now)
            task.bumpVersion(at: now)
            try await tx.updateTask(task)
            var log = ChangeLog()
            log.record(EventType.taskApproved, task)
            try await tx.commit(log, by: caller, at: now)
            return task
        }
    }

    public func rejectTask(_ id: UUID, _ request: RejectRequest, by caller: Caller) async throws -> PlanTask {
        try await write { tx in
            let now = clock.now()
            var task = try await tx.lockedTask(id, tenant: caller.tenant)
            try task.reject(by: caller.keyID, reason: request.reason, at: now)
            task.bumpVersion(at: now)
            try await tx.updateTask(task)
            var log = ChangeLog()
            log.record(EventType.taskRejected, task)
            // Its dependents can never run now: they are skipped, and the plan may end.
            try await tx.settle(moved: [task], tenant: caller.tenant, at: now, log: &log)
            try await tx.commit(log, by: caller, at: now)
            return task
        }
    }

    public func requestApproval(_ id: UUID, _ question: ApprovalQuestion, by caller: Caller) async throws -> PlanTask {
        try await write { tx in
            let now = clock.now()
            var task = try await tx.leasedTask(id, agent: question.agentID, tenant: caller.tenant, at: now)
            try task.askApproval(question: question.question, data: question.data, by: caller.keyID, at: now)
            task.bumpVersion(at: now)
            try await tx.updateTask(task)
            var log = ChangeLog()
            log.record(EventType.taskApprovalRequested, task)
            try await tx.commit(log, by: caller, at: now)
            return task
        }
    }
}

extension StoreTransaction {
    /// The task, locked for update; 404 when it is gone.
    func lockedTask(_ id: UUID, tenant: String) async throws -> PlanTask {
        guard let task = try await task(id, tenant: tenant, lock: .update) else { throw AgenticError.notFound(.task, id.lowercased) }
        return task
    }
}
