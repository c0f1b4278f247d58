import AgenticCore
import AgenticStore
import Foundation
import Testing

/// Human in the loop: tasks that wait in `awaiting_approval` until a person's `approve` key decides,
/// never the key that created the task or asked.
@Suite("Contract: approvals", .timeLimit(.minutes(3)))
struct ApprovalContractTests {
    static func keyID(_ api: TestAPI) async throws -> String {
        try #require(try await api.get("/api/v1/whoami")["key_id"]?.stringValue)
    }

    @Test("a task created requiring approval waits, is listed, and is claimable once another person's approve key says yes", arguments: Backend.available)
    func approve(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let worker = try await api.id(.agent, ["name": "worker"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let created = try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "name": "deploy", "requires_approval": true])
            #expect(created.status == 201 && created["status"] == "awaiting_approval" && created["requires_approval"] == true, "\(created.text)")
            #expect(created["created_by"] == .string(try await Self.keyID(api)) && created["approval"] == .null)
            let task = try #require(created["task_id"]?.stringValue)
            #expect(try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker)]).items.isEmpty, "not claimable while it waits")
            #expect(try await api.get("/api/v1/tasks?status=awaiting_approval&plan_id=\(plan)").items.map { $0["task_id"] } == [.string(task)])
            #expect(try await api.get("/api/v1/plans/\(plan)")["task_counts"]?["awaiting_approval"] == 1)

            // A worker's write key cannot decide; the key that created the task cannot either, even as admin.
            let writer = api.with(key: try await api.makeKey(scope: .write))
            #expect(try await writer.post("/api/v1/tasks/\(task)/approve").status == 403)
            let own = try await api.post("/api/v1/tasks/\(task)/approve", ["comment": "me"])
            #expect(own.status == 403 && own.code == "forbidden", "\(own.text)")
            // No PATCH skips the approval.
            #expect(try await api.patch("/api/v1/tasks/\(task)", ["status": "pending"]).status == 409)

            let approver = api.with(key: try await api.makeKey(scope: .approve))
            let approverID = try await Self.keyID(approver)
            let approved = try await approver.post("/api/v1/tasks/\(task)/approve", ["comment": "ship it"])
            #expect(approved.status == 200 && approved["status"] == "pending", "\(approved.text)")
            #expect(approved["approval"]?["decision"] == "approved" && approved["approval"]?["decided_by"] == .string(approverID))
            #expect(approved["approval"]?["comment"] == "ship it")
            #expect(try await approver.post("/api/v1/tasks/\(task)/approve").status == 409, "decided once")
            let events = try await api.events("types=task.approved&resource_id=\(task)", atLeast: 1)
            #expect(events.count == 1 && events.first?["actor"] == .string(approverID))
            #expect(try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker)]).items.first?["task_id"] == .string(task))
        }
    }

    @Test("a rejected task fails with error.code rejected and its dependents are skipped; a reason is required", arguments: Backend.available)
    func reject(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let created = try await api.post(
                "/api/v1/plans",
                ["goal_id": .string(goal), "tasks": [["ref": "risky", "requires_approval": true], ["ref": "after", "depends_on_refs": ["risky"]]]])
            let refs = Dictionary(uniqueKeysWithValues: (created["tasks"]?.arrayValue ?? []).compactMap { item in
                item["ref"]?.stringValue.flatMap { ref in item["task_id"]?.stringValue.map { (ref, $0) } }
            })
            let risky = try #require(refs["risky"])
            let after = try #require(refs["after"])
            let approver = api.with(key: try await api.makeKey(scope: .approve))
            #expect(try await approver.post("/api/v1/tasks/\(risky)/reject", [:]).errorFields == ["reason"])
            #expect(try await approver.post("/api/v1/tasks/\(after)/reject", ["reason": "no"]).status == 409, "only a waiting task")
            let rejected = try await approver.post("/api/v1/tasks/\(risky)/reject", ["reason": "too risky"])
            #expect(rejected.status == 200 && rejected["status"] == "failed", "\(rejected.text)")
            #expect(rejected["error"] == ["code": "rejected", "reason": "too risky"])
            #expect(try await api.get("/api/v1/tasks/\(after)")["status"] == "skipped")
            let plan = try #require(created["plan_id"]?.stringValue)
            let settled = try await poll({ try await api.get("/api/v1/plans/\(plan)") }) { $0["status"] == "failed" }
            #expect(settled["status"] == "failed")
            // Retried, it asks again before it runs again.
            let retried = try await api.post("/api/v1/tasks/\(risky)/retry")
            #expect(retried["status"] == "awaiting_approval" && retried["approval"] == .null, "\(retried.text)")
        }
    }

    @Test("the lease holder asks mid-task: the lease is released, the attempt not counted; the asking key cannot approve", arguments: Backend.available)
    func requestApproval(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            // The worker runs with an approve key of its own: even so it cannot approve what it asked.
            let workerKey = api.with(key: try await api.makeKey(scope: .approve))
            let worker = try await api.id(.agent, ["name": "worker"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let task = try await api.id(.task, ["plan_id": .string(plan)])
            #expect(try await workerKey.post("/api/v1/tasks/claim", ["agent_id": .string(worker)]).items.count == 1)
            let stranger = try await api.id(.agent, ["name": "stranger"])
            #expect(try await workerKey.post("/api/v1/tasks/\(task)/request-approval", ["agent_id": .string(stranger), "question": "?"]).status == 409)
            #expect(try await workerKey.post("/api/v1/tasks/\(task)/request-approval", ["agent_id": .string(worker)]).errorFields == ["question"])

            let asked = try await workerKey.post(
                "/api/v1/tasks/\(task)/request-approval", ["agent_id": .string(worker), "question": "Send 40 emails?", "data": ["count": 40]])
            #expect(asked.status == 200 && asked["status"] == "awaiting_approval" && asked["lease_expires_at"] == .null, "\(asked.text)")
            #expect(asked["attempts"] == 0 && asked["approval"]?["question"] == "Send 40 emails?" && asked["approval"]?["data"]?["count"] == 40)
            #expect(try await workerKey.post("/api/v1/tasks/\(task)/approve").status == 403, "an agent cannot approve itself")
            #expect(try await api.events("types=task.approval_requested&resource_id=\(task)", atLeast: 1).count == 1)

            let person = api.with(key: try await api.makeKey(scope: .approve))
            #expect(try await person.post("/api/v1/tasks/\(task)/approve").status == 200)
            let again = try await workerKey.post("/api/v1/tasks/claim", ["agent_id": .string(worker)]).items
            #expect(again.first?["task_id"] == .string(task) && again.first?["attempts"] == 1)
        }
    }

    @Test("a goal's constraints.require_approval makes every new task of it wait, single or in a plan", arguments: Backend.available)
    func goalRequiresApproval(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "careful", "constraints": ["require_approval": true]])
            let plan = try await api.post("/api/v1/plans", ["goal_id": .string(goal), "tasks": [["ref": "a"], ["ref": "b"]]])
            let planID = try #require(plan["plan_id"]?.stringValue)
            let single = try await api.post("/api/v1/tasks", ["plan_id": .string(planID), "name": "single"])
            #expect(single["status"] == "awaiting_approval" && single["requires_approval"] == true)
            let all = try await api.get("/api/v1/tasks?plan_id=\(planID)").items
            #expect(all.count == 3 && all.allSatisfy { $0["status"] == "awaiting_approval" })
            // Cancelling is always possible.
            #expect(try await api.post("/api/v1/tasks/\(try #require(single["task_id"]?.stringValue))/cancel")["status"] == "cancelled")
        }
    }
}
