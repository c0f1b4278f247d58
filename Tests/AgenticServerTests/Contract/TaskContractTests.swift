import AgenticCore
import Foundation
import HTTPTypes
import Testing

@Suite("Contract: tasks", .timeLimit(.minutes(3)))
struct TaskContractTests {
    static func plan(_ api: TestAPI) async throws -> String {
        let goal = try await api.id(.goal, ["goal_text": "g"])
        return try await api.id(.plan, ["goal_id": .string(goal)])
    }

    @Test("concurrency_key: set on create, changed and cleared by PATCH, stored, refused when empty or too long", arguments: Backend.available)
    func concurrencyKey(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let plan = try await Self.plan(api)
            #expect(try await api.create(.task, ["plan_id": .string(plan)])["concurrency_key"] == .null)
            let task = try await api.create(.task, ["plan_id": .string(plan), "concurrency_key": "openai"])
            let id = try #require(task["task_id"]?.stringValue)
            #expect(task["concurrency_key"] == "openai")
            #expect(try await api.patch("/api/v1/tasks/\(id)", ["concurrency_key": "user:42"])["concurrency_key"] == "user:42")
            #expect(try await api.get("/api/v1/tasks/\(id)")["concurrency_key"] == "user:42")
            let cleared = try await api.patch("/api/v1/tasks/\(id)", ["concurrency_key": .null])
            #expect(cleared["concurrency_key"] == .null && cleared["version"] == 3)
            for bad: JSONValue in ["", .string(String(repeating: "k", count: 101)), 7] {
                let reply = try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "concurrency_key": bad])
                #expect(reply.status == 422 && reply.errorFields == ["concurrency_key"], "\(bad)")
            }
        }
    }

    @Test("task defaults, name from the description, and the input/output aliases", arguments: Backend.available)
    func defaults(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let plan = try await Self.plan(api)
            let description = "Collect every source about the 2026 solar eclipse and rank them by reliability"
            let task = try await api.create(
                .task, ["plan_id": .string(plan), "description": .string(description), "input_data": ["q": "eclipse"], "output_data": ["n": 0]])
            #expect(task["name"]?.stringValue == String(description.prefix(50)))
            #expect(task["inputs"] == ["q": "eclipse"] && task["outputs"] == ["n": 0])
            #expect(task["input_data"] == nil && task["output_data"] == nil)
            #expect(task["task_type"] == "atomic" && task["status"] == "pending" && task["priority"] == 5)
            #expect(task["timeout_seconds"] == 300 && task["max_attempts"] == 3 && task["attempts"] == 0)
            #expect(task["depends_on"] == [] && task["error"] == .null && task["tool_name"] == .null)
            #expect(task["lease_expires_at"] == .null && task["started_at"] == .null && task["completed_at"] == .null)
            let unnamed = try await api.create(.task, ["plan_id": .string(plan)])
            #expect(unnamed["name"] == "Unnamed task" && unnamed["description"] == "")
        }
    }

    @Test("references: plan, agent and dependencies must exist in the same plan", arguments: Backend.available)
    func references(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let plan = try await Self.plan(api)
            let otherPlan = try await Self.plan(api)
            let foreign = try await api.id(.task, ["plan_id": .string(otherPlan)])
            let noPlan = try await api.post("/api/v1/tasks", ["plan_id": .string(UUID().lowercased)])
            #expect(noPlan.status == 422 && noPlan.errorFields == ["plan_id"])
            let bad = try await api.post(
                "/api/v1/tasks",
                ["plan_id": .string(plan), "depends_on": [.string(UUID().lowercased), .string(foreign)], "agent_id": .string(UUID().lowercased)])
            #expect(bad.status == 422 && Set(bad.errorFields) == ["depends_on[0]", "depends_on[1]", "agent_id"])
            let selfID = UUID().lowercased
            let selfDependent = try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "task_id": .string(selfID), "depends_on": [.string(selfID)]])
            #expect(selfDependent.status == 422)
            let twice = try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "depends_on": [.string(foreign), .string(foreign)]])
            #expect(twice.status == 422 && twice.errorFields == ["depends_on[1]"])
            #expect(try await api.get("/api/v1/tasks?plan_id=\(plan)").items.isEmpty, "nothing half-written")
        }
    }

    @Test("a task cannot start before its dependencies complete", arguments: Backend.available)
    func dependenciesGateStart(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let plan = try await Self.plan(api)
            let first = try await api.id(.task, ["plan_id": .string(plan), "name": "first"])
            let second = try await api.id(.task, ["plan_id": .string(plan), "name": "second", "depends_on": [.string(first)]])
            let early = try await api.patch("/api/v1/tasks/\(second)", ["status": "running"])
            #expect(early.status == 409 && early.code == "dependencies_not_met")
            #expect(try await api.patch("/api/v1/tasks/\(second)", ["status": "completed"]).code == "dependencies_not_met")

            let started = try await api.patch("/api/v1/tasks/\(first)", ["status": "running"])
            #expect(started["attempts"] == 1 && started["started_at"] != .null && started["lease_expires_at"] != .null)
            #expect(try await api.get("/api/v1/plans/\(plan)")["status"] == "active", "the plan starts with its first task")
            let done = try await api.patch("/api/v1/tasks/\(first)", ["status": "completed", "outputs": ["ok": true]])
            #expect(done["completed_at"] != .null && done["lease_expires_at"] == .null && done["outputs"] == ["ok": true])
            let now = try await api.patch("/api/v1/tasks/\(second)", ["status": "running"])
            #expect(now.status == 200 && now["status"] == "running")
        }
    }

    @Test("final task statuses stay final; the same status is a no-op", arguments: Backend.available)
    func finalIsFinal(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            for final in ["completed", "failed", "skipped", "cancelled"] {
                // A plan per case: a plan whose only task finished is final and takes no more tasks.
                let plan = try await Self.plan(api)
                let id = try await api.id(.task, ["plan_id": .string(plan)])
                let moved = try await api.patch("/api/v1/tasks/\(id)", ["status": .string(final)])
                #expect(moved.status == 200, "\(final): \(moved.text)")
                let version = moved["version"]
                let again = try await api.patch("/api/v1/tasks/\(id)", ["status": .string(final)])
                #expect(again.status == 200 && again["version"] == version)
                for next in ["pending", "running", "blocked"] {
                    let back = try await api.patch("/api/v1/tasks/\(id)", ["status": .string(next)])
                    #expect(back.status == 409 && back.code == "invalid_transition", "\(final) → \(next)")
                }
            }
        }
    }

    @Test("dependents of a task that ends without completing are skipped; the plan finishes", arguments: Backend.available)
    func skipPropagation(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let a = try await api.id(.task, ["plan_id": .string(plan)])
            let b = try await api.id(.task, ["plan_id": .string(plan), "depends_on": [.string(a)]])
            let c = try await api.id(.task, ["plan_id": .string(plan), "depends_on": [.string(b)]])
            #expect(try await api.patch("/api/v1/tasks/\(a)", ["status": "failed"]).status == 200)
            #expect(try await api.get("/api/v1/tasks/\(b)")["status"] == "skipped")
            #expect(try await api.get("/api/v1/tasks/\(c)")["status"] == "skipped")
            let finished = try await api.get("/api/v1/plans/\(plan)")
            #expect(finished["status"] == "failed" && finished["completed_at"] != .null)
            #expect(try await api.get("/api/v1/goals/\(goal)")["status"] == "failed")
        }
    }

    @Test("depends_on can change while waiting, never into a cycle", arguments: Backend.available)
    func dependencyCycles(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let plan = try await Self.plan(api)
            let a = try await api.id(.task, ["plan_id": .string(plan)])
            let b = try await api.id(.task, ["plan_id": .string(plan), "depends_on": [.string(a)]])
            let c = try await api.id(.task, ["plan_id": .string(plan), "depends_on": [.string(b)]])
            let cycle = try await api.patch("/api/v1/tasks/\(a)", ["depends_on": [.string(c)]])
            #expect(cycle.status == 422 && cycle.errorFields == ["depends_on"])
            let rewired = try await api.patch("/api/v1/tasks/\(c)", ["depends_on": [.string(a)]])
            #expect(rewired.status == 200 && rewired["depends_on"] == [.string(a)])
            #expect(try await api.patch("/api/v1/tasks/\(a)", ["status": "completed"]).status == 200)
            #expect(try await api.patch("/api/v1/tasks/\(c)", ["status": "running"]).status == 200, "c now waits only for a")
        }
    }

    @Test("deleting a task frees its dependents", arguments: Backend.available)
    func deleteFreesDependents(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let plan = try await Self.plan(api)
            let a = try await api.id(.task, ["plan_id": .string(plan)])
            let b = try await api.id(.task, ["plan_id": .string(plan), "depends_on": [.string(a)]])
            #expect(try await api.delete("/api/v1/tasks/\(a)").status == 204)
            let after = try await api.get("/api/v1/tasks/\(b)")
            #expect(after["depends_on"] == [] && after["version"] == 2)
            #expect(try await api.patch("/api/v1/tasks/\(b)", ["status": "running"]).status == 200)
        }
    }
}
