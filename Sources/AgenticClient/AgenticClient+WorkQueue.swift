import AgenticCore
import Foundation
import NIOHTTP1

extension AgenticClient {
    /// `POST /tasks/claim`: up to `limit` ready tasks, each leased to `agent` for `leaseSeconds`.
    public func claim(
        agent: UUID, taskTypes: [String]? = nil, plan: UUID? = nil, leaseSeconds: Int = 60, limit: Int = 1
    ) async throws -> [PlanTask] {
        var body: JSONObject = ["agent_id": .string(agent.lowercased), "lease_seconds": .int(Int64(leaseSeconds)), "limit": .int(Int64(limit))]
        if let taskTypes { body["task_types"] = .array(taskTypes.map(JSONValue.string)) }
        if let plan { body["plan_id"] = .string(plan.lowercased) }
        let json = try await call(.POST, "/api/v1/tasks/claim", json: .object(body))
        return try (json["data"]?.arrayValue ?? []).map { try decode(PlanTask.self, $0) }
    }

    /// `POST /tasks/{id}/complete` with `claim_next`: completes the task and claims the next ones for
    /// the same agent in one request (`next` may be empty).
    public func completeAndClaim(
        task: UUID, agent: UUID, outputs: JSONObject = [:], taskTypes: [String]? = nil, plan: UUID? = nil,
        leaseSeconds: Int = 60, limit: Int = 1
    ) async throws -> (task: PlanTask, next: [PlanTask]) {
        var next: JSONObject = ["lease_seconds": .int(Int64(leaseSeconds)), "limit": .int(Int64(limit))]
        if let taskTypes { next["task_types"] = .array(taskTypes.map(JSONValue.string)) }
        if let plan { next["plan_id"] = .string(plan.lowercased) }
        let body: JSONObject = ["agent_id": .string(agent.lowercased), "outputs": .object(outputs), "claim_next": .object(next)]
        let json = try await call(.POST, "/api/v1/tasks/\(task.lowercased)/complete", json: .object(body))
        guard let finished = json["task"] else { throw JSONShapeError(path: "task", message: "is missing") }
        return (try decode(PlanTask.self, finished), try (json["next"]?.arrayValue ?? []).map { try decode(PlanTask.self, $0) })
    }

    /// `POST /tasks/{id}/heartbeat`: extends the lease; throws a problem with `isLeaseLost` once it is gone.
    public func heartbeat(task: UUID, agent: UUID, leaseSeconds: Int? = nil) async throws -> PlanTask {
        var body: JSONObject = ["agent_id": .string(agent.lowercased)]
        if let leaseSeconds { body["lease_seconds"] = .int(Int64(leaseSeconds)) }
        return try decode(PlanTask.self, try await call(.POST, "/api/v1/tasks/\(task.lowercased)/heartbeat", json: .object(body)))
    }

    /// `POST /tasks/{id}/complete`.
    public func complete(task: UUID, agent: UUID, outputs: JSONObject = [:]) async throws -> PlanTask {
        let body: JSONObject = ["agent_id": .string(agent.lowercased), "outputs": .object(outputs)]
        return try decode(PlanTask.self, try await call(.POST, "/api/v1/tasks/\(task.lowercased)/complete", json: .object(body)))
    }

    /// `POST /tasks/{id}/fail`: back to pending while retryable attempts remain, else failed.
    public func fail(task: UUID, agent: UUID, error: JSONObject = [:], retryable: Bool = true) async throws -> PlanTask {
        let body: JSONObject = ["agent_id": .string(agent.lowercased), "error": .object(error), "retryable": .bool(retryable)]
        return try decode(PlanTask.self, try await call(.POST, "/api/v1/tasks/\(task.lowercased)/fail", json: .object(body)))
    }
}
