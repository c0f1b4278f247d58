import AgenticCore
import Foundation
import HTTPTypes
import Testing

@Suite("Contract: goals and plans", .timeLimit(.minutes(3)))
struct GoalPlanContractTests {
    @Test("goal defaults, the description alias and the agent's DID", arguments: Backend.available)
    func goalDefaults(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let agent = try await api.create(.agent, ["name": "planner"])
            let reply = try await api.post(
                "/api/v1/goals", ["description": "Summarise the news", "agent_id": agent["agent_id"]!])
            #expect(reply.status == 201)
            let goal = reply.json
            #expect(goal["goal_text"] == "Summarise the news" && goal["description"] == nil)
            #expect(goal["agent_did"] == agent["did"])
            #expect(goal["goal_type"] == "compound" && goal["status"] == "pending" && goal["priority"] == 5)
            #expect(goal["success_criteria"] == [] && goal["parent_goal_id"] == .null && goal["completed_at"] == .null && goal["expires_at"] == .null)
            let constraints = try #require(goal["constraints"])
            #expect(constraints["max_parallelism"] == .null && constraints["require_approval"] == false)
            #expect(constraints["max_token_budget"] == .null && constraints["deadline"] == .null)
            #expect(constraints["allowed_agent_types"] == [] && constraints["forbidden_tools"] == [])
            let explicitDID = try await api.create(.goal, ["goal_text": "x", "agent_did": "did:web:example.com"])
            #expect(explicitDID["agent_did"] == "did:web:example.com" && explicitDID["agent_id"] == .null)
        }
    }

    @Test("goal validation names every field, constraints included", arguments: Backend.available)
    func goalValidation(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let reply = try await api.post(
                "/api/v1/goals",
                [
                    "priority": 11, "status": "done",
                    "constraints": ["max_parallelism": 0, "deadline": "tomorrow", "surprise": 1],
                    "success_criteria": ["ok", 3],
                ])
            #expect(reply.status == 422)
            #expect(
                Set(reply.errorFields) == [
                    "goal_text", "priority", "status", "constraints.max_parallelism", "constraints.deadline",
                    "constraints.surprise", "success_criteria[1]",
                ])
            let both = try await api.post("/api/v1/goals", ["goal_text": "a", "description": "b"])
            #expect(both.status == 422 && both.errorFields == ["description"])
            let unknownAgent = try await api.post("/api/v1/goals", ["goal_text": "a", "agent_id": .string(UUID().lowercased)])
            #expect(unknownAgent.status == 422 && unknownAgent.errorFields == ["agent_id"])
            let unknownParent = try await api.post("/api/v1/goals", ["goal_text": "a", "parent_goal_id": .string(UUID().lowercased)])
            #expect(unknownParent.status == 422 && unknownParent.errorFields == ["parent_goal_id"])
            #expect(try await api.get("/api/v1/goals").items.isEmpty, "no refused goal was stored")
        }
    }

    @Test("constraints round-trip with every member set", arguments: Backend.available)
    func constraintsRoundTrip(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let constraints: JSONValue = [
                "max_token_budget": 50000, "max_execution_time_sec": 600, "max_parallelism": 4,
                "deadline": "2027-01-31T12:00:00.000000Z", "require_approval": true, "allowed_agent_types": ["researcher"],
                "forbidden_tools": ["shell"], "cost_limit_usd": 12.5,
            ]
            let goal = try await api.create(.goal, ["goal_text": "c", "constraints": constraints, "success_criteria": ["cites sources"]])
            #expect(goal["constraints"] == constraints)
            let read = try await api.get("/api/v1/goals/\(goal["goal_id"]!.stringValue!)")
            #expect(read["constraints"] == constraints && read["success_criteria"] == ["cites sources"])

            // Success criteria may be text or objects (the seed's `{"metric", "target"}`), nothing else.
            let criteria: JSONValue = ["reviewed", ["metric": "accuracy", "target": 0.9]]
            let measured = try await api.create(.goal, ["goal_text": "m", "success_criteria": criteria])
            #expect(measured["success_criteria"] == criteria)
            #expect(try await api.get("/api/v1/goals/\(measured["goal_id"]!.stringValue!)")["success_criteria"] == criteria)
            let patched = try await api.patch("/api/v1/goals/\(measured["goal_id"]!.stringValue!)", ["success_criteria": [["done": true]]])
            #expect(patched["success_criteria"] == [["done": true]])
            for (bad, field) in [(["", 1] as JSONValue, "success_criteria[0]"), (["ok", 3], "success_criteria[1]"), ([[true]], "success_criteria[0]")] {
                let reply = try await api.post("/api/v1/goals", ["goal_text": "x", "success_criteria": bad])
                #expect(reply.status == 422 && reply.errorFields == [field], "\(reply.text)")
            }
        }
    }

    @Test("parent goals must exist and never form a cycle", arguments: Backend.available)
    func parentCycles(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let root = try await api.id(.goal, ["goal_text": "root"])
            let child = try await api.id(.goal, ["goal_text": "child", "parent_goal_id": .string(root)])
            let grandchild = try await api.id(.goal, ["goal_text": "grandchild", "parent_goal_id": .string(child)])
            let cycle = try await api.patch("/api/v1/goals/\(root)", ["parent_goal_id": .string(grandchild)])
            #expect(cycle.status == 422 && cycle.errorFields == ["parent_goal_id"])
            let selfParent = try await api.patch("/api/v1/goals/\(root)", ["parent_goal_id": .string(root)])
            #expect(selfParent.status == 422)
            let detach = try await api.patch("/api/v1/goals/\(grandchild)", ["parent_goal_id": nil])
            #expect(detach.status == 200 && detach["parent_goal_id"] == .null)
        }
    }

    @Test("deleting a goal deletes its sub-goals, plans and tasks", arguments: Backend.available)
    func deleteGoalCascades(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let subgoal = try await api.id(.goal, ["goal_text": "sub", "parent_goal_id": .string(goal)])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let subplan = try await api.id(.plan, ["goal_id": .string(subgoal)])
            let task = try await api.id(.task, ["plan_id": .string(plan)])
            let subtask = try await api.id(.task, ["plan_id": .string(subplan)])
            let other = try await api.id(.goal, ["goal_text": "unrelated"])
            #expect(try await api.delete("/api/v1/goals/\(goal)").status == 204)
            for path in ["goals/\(goal)", "goals/\(subgoal)", "plans/\(plan)", "plans/\(subplan)", "tasks/\(task)", "tasks/\(subtask)"] {
                #expect(try await api.get("/api/v1/\(path)").status == 404, "\(path) should be gone")
            }
            #expect(try await api.get("/api/v1/goals/\(other)").status == 200)
        }
    }

    @Test("plan defaults, references and task counts", arguments: Backend.available)
    func planBasics(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let missing = try await api.post("/api/v1/plans", ["name": "p"])
            #expect(missing.status == 422 && missing.errorFields == ["goal_id"])
            let unknown = try await api.post("/api/v1/plans", ["goal_id": .string(UUID().lowercased), "agent_id": .string(UUID().lowercased)])
            #expect(unknown.status == 422 && Set(unknown.errorFields) == ["goal_id", "agent_id"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.create(.plan, ["goal_id": .string(goal), "resource_budget": ["usd": 5]])
            #expect(plan["status"] == "draft" && plan["name"] == "Unnamed plan" && plan["resource_budget"] == ["usd": 5])
            #expect(plan["started_at"] == .null && plan["completed_at"] == .null)
            #expect(plan["task_counts"] == ["pending": 0, "running": 0, "completed": 0, "failed": 0, "blocked": 0, "skipped": 0, "cancelled": 0, "awaiting_approval": 0])
            let planID = plan["plan_id"]!.stringValue!
            _ = try await api.create(.task, ["plan_id": .string(planID)])
            _ = try await api.create(.task, ["plan_id": .string(planID), "status": "blocked"])
            let read = try await api.get("/api/v1/plans/\(planID)")
            #expect(read["task_counts"]?["pending"] == 1 && read["task_counts"]?["blocked"] == 1)
            let done = try await api.patch("/api/v1/plans/\(planID)", ["status": "completed"])
            #expect(done.status == 409, "a plan cannot complete while tasks are open")
            #expect(try await api.delete("/api/v1/plans/\(planID)").status == 204)
            #expect(try await api.get("/api/v1/tasks?plan_id=\(planID)").items.isEmpty)
        }
    }

    @Test("final goal and plan statuses stay final", arguments: Backend.available)
    func finalStatuses(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            #expect(try await api.patch("/api/v1/plans/\(plan)", ["status": "failed"]).status == 200)
            #expect(try await api.patch("/api/v1/plans/\(plan)", ["status": "draft"]).code == "invalid_transition")
            #expect(try await api.patch("/api/v1/plans/\(plan)", ["status": "failed"]).status == 200, "same status is a no-op")
            let late = try await api.post("/api/v1/tasks", ["plan_id": .string(plan)])
            #expect(late.status == 409 && late.code == "plan_closed")
            #expect(try await api.get("/api/v1/goals/\(goal)")["status"] == "failed", "the goal follows its only plan")
            let other = try await api.id(.goal, ["goal_text": "h"])
            #expect(try await api.patch("/api/v1/goals/\(other)", ["status": "completed"])["completed_at"] != .null)
            #expect(try await api.patch("/api/v1/goals/\(other)", ["status": "active"]).status == 409)
        }
    }
}
