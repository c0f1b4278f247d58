import AgenticCore
import Foundation
import Testing

/// The seed platform's own `L01Client`, replayed as it sends its requests (trailing slashes, its
/// field names and shapes): every one must succeed with a JSON answer of the native shape, since it
/// reads each with `raise_for_status()` and `.json()`.
@Suite("Contract: the seed client's own requests", .timeLimit(.minutes(3)))
struct SeedClientContractTests {
    @Test("every request the seed's L01Client sends succeeds, with the native answer", arguments: Backend.available)
    func seedClient(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            func ok(_ reply: Reply, _ what: String) throws -> JSONValue {
                guard (200..<300).contains(reply.status) else { throw TestFailure("\(what) answered \(reply.status): \(reply.text)") }
                return reply.status == 204 ? .null : reply.json
            }
            let agent = try ok(
                try await api.post(
                    "/api/v1/agents/",
                    ["name": "seed-agent", "agent_type": "general", "configuration": ["max_tokens": 1000], "metadata": ["test": "seed"]]),
                "POST /agents/")
            let agentID = try #require(agent["agent_id"]?.stringValue)
            #expect(try ok(try await api.get("/api/v1/agents/\(agentID)"), "GET /agents/{id}")["name"] == "seed-agent")
            let patched = try ok(
                try await api.patch("/api/v1/agents/\(agentID)", ["status": "active", "configuration": ["max_tokens": 1500]]),
                "PATCH /agents/{id}")
            #expect(patched["configuration"] == ["max_tokens": 1500])
            #expect(try ok(try await api.get("/api/v1/agents/?limit=100"), "GET /agents/")["data"]?.arrayValue?.count == 1)
            #expect(try ok(try await api.get("/api/v1/agents/?limit=100&status=active"), "GET /agents/?status=")["data"]?.arrayValue?.count == 1)

            let criteria: JSONValue = [["metric": "accuracy", "target": 0.9]]
            let goal = try ok(
                try await api.post(
                    "/api/v1/goals/",
                    ["agent_id": .string(agentID), "description": "Improve the model", "success_criteria": criteria, "priority": 5]),
                "POST /goals/")
            let goalID = try #require(goal["goal_id"]?.stringValue)
            #expect(goal["goal_text"] == "Improve the model" && goal["success_criteria"] == criteria)
            _ = try ok(try await api.get("/api/v1/goals/\(goalID)"), "GET /goals/{id}")
            #expect(try ok(try await api.patch("/api/v1/goals/\(goalID)", ["status": "active"]), "PATCH /goals/{id}")["status"] == "active")
            #expect(try ok(try await api.get("/api/v1/goals/?limit=100&agent_id=\(agentID)"), "GET /goals/")["data"]?.arrayValue?.count == 1)

            let plan = try ok(
                try await api.post(
                    "/api/v1/plans/",
                    [
                        "goal_id": .string(goalID), "agent_id": .string(agentID), "plan_type": "sequential",
                        "steps": [
                            ["name": "collect", "description": "collect data", "task_type": "research", "input_data": ["n": 1]],
                            ["description": "train", "inputs": ["epochs": 2]],
                        ],
                    ]),
                "POST /plans/")
            let planID = try #require(plan["plan_id"]?.stringValue)
            #expect(plan["plan_type"] == "sequential" && plan["task_counts"]?["pending"] == 2)
            let steps = (plan["tasks"]?.arrayValue ?? []).compactMap { $0["task_id"]?.stringValue }
            #expect((plan["tasks"]?.arrayValue ?? []).compactMap { $0["ref"]?.stringValue } == ["1", "2"])
            let train = try ok(try await api.get("/api/v1/tasks/\(steps.last ?? "")"), "GET the second step")
            #expect(train["depends_on"] == [.string(steps.first ?? "")] && train["inputs"] == ["epochs": 2] && train["name"] == "train")
            _ = try ok(try await api.get("/api/v1/plans/\(planID)"), "GET /plans/{id}")
            #expect(try ok(try await api.patch("/api/v1/plans/\(planID)", ["metadata": ["reviewed": true]]), "PATCH /plans/{id}")["metadata"] == ["reviewed": true])

            let task = try ok(
                try await api.post(
                    "/api/v1/plans/tasks",
                    ["plan_id": .string(planID), "agent_id": .string(agentID), "description": "evaluate", "task_type": .null, "input_data": ["k": 1]]),
                "POST /plans/tasks")
            let taskID = try #require(task["task_id"]?.stringValue)
            #expect(task["task_type"] == "atomic" && task["inputs"] == ["k": 1])
            let done = try ok(
                try await api.patch(
                    "/api/v1/plans/tasks/\(taskID)",
                    ["status": "completed", "output_data": ["score": 0.93], "completed_at": "2026-01-18T12:00:00Z"]),
                "PATCH /plans/tasks/{id}")
            #expect(done["status"] == "completed" && done["outputs"] == ["score": 0.93])
            #expect(done["completed_at"] != "2026-01-18T12:00:00.000000Z", "the server stamps completed_at itself")

            let event = try ok(
                try await api.post(
                    "/api/v1/events/",
                    [
                        "event_type": "model_trained", "aggregate_type": "agent", "aggregate_id": .string(agentID),
                        "payload": ["accuracy": 0.93], "metadata": ["source": "seed"],
                    ]),
                "POST /events/")
            #expect(event["type"] == "x.model_trained" && event["resource_id"]?.stringValue == agentID)
            #expect(event["data"] == ["aggregate_type": "agent", "payload": ["accuracy": 0.93], "metadata": ["source": "seed"]])
            // (On PostgreSQL an event shows once every older transaction has ended: wait for it.)
            let found = try ok(
                try await poll(
                    { try await api.get("/api/v1/events/?limit=100&aggregate_id=\(agentID)&event_type=model_trained") },
                    until: { !$0.items.isEmpty }),
                "GET /events/")
            #expect(found["data"]?.arrayValue?.compactMap { $0["event_id"] } == [event["event_id"]!])
            // A filter the seed's client was not given arrives empty (httpx sends None so): no filter.
            let unfiltered = try ok(try await api.get("/api/v1/events/?limit=1000&aggregate_id=&event_type="), "GET /events/ (empty filters)")
            #expect(unfiltered["data"]?.arrayValue?.contains { $0["event_id"] == event["event_id"] } == true)
            #expect(try await api.get("/api/v1/events/?resource_id=").status == 422, "the native filter stays strict")
            #expect(try ok(try await api.delete("/api/v1/agents/\(agentID)"), "DELETE /agents/{id}") == .null)

            // Still strict where the seed's forms differ from nothing native.
            let bad = try await api.post("/api/v1/events/", ["event_type": "has space", "aggregate_id": "x", "colour": "red"])
            #expect(bad.status == 422 && Set(bad.errorFields) == ["event_type", "aggregate_id", "colour"], "\(bad.text)")
            let both = try await api.post("/api/v1/plans/", ["goal_id": .string(goalID), "steps": [], "tasks": []])
            #expect(both.status == 422 && both.errorFields == ["steps"])
            let badStep = try await api.post("/api/v1/plans/", ["goal_id": .string(goalID), "steps": [["task_type": "not a type!"]]])
            #expect(badStep.status == 422 && badStep.errorFields == ["steps[0].task_type"], "\(badStep.text)")
            let badStamp = try await api.patch("/api/v1/plans/tasks/\(taskID)", ["completed_at": "yesterday"])
            #expect(badStamp.status == 422 && badStamp.errorFields == ["completed_at"], "\(badStamp.text)")
            let parallel = try ok(
                try await api.post(
                    "/api/v1/plans/", ["goal_id": .string(goalID), "plan_type": "parallel", "steps": [["name": "a"], ["name": "b"]]]),
                "a parallel plan")
            let ids = (parallel["tasks"]?.arrayValue ?? []).compactMap { $0["task_id"]?.stringValue }
            for id in ids { #expect(try await api.get("/api/v1/tasks/\(id)")["depends_on"] == []) }
        }
    }
}
