import AgenticCore
import Foundation
import Testing

/// Goal constraints that bite (the rest of issue 17's list is still to come).
@Suite("Contract: goal constraints")
struct ConstraintContractTests {
    @Test("forbidden_tools: a task of the goal naming such a tool is refused, created alone, with its plan or by a PATCH", arguments: Backend.available)
    func forbiddenTools(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "careful", "constraints": ["forbidden_tools": ["shell", "browser"]]])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])

            let refused = try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "tool_name": "shell"])
            #expect(refused.status == 422 && refused.errorFields == ["tool_name"], "\(refused.text)")
            let allowed = try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "tool_name": "search"])
            #expect(allowed.status == 201)
            #expect(try await api.post("/api/v1/tasks", ["plan_id": .string(plan)]).status == 201, "no tool, nothing to forbid")
            // Tool names compare exactly: another spelling is another tool.
            #expect(try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "tool_name": "Shell"]).status == 201)

            let withPlan = try await api.post("/api/v1/plans", [
                "goal_id": .string(goal), "tasks": [["ref": "a", "tool_name": "search"], ["ref": "b", "tool_name": "browser"]],
            ])
            #expect(withPlan.status == 422 && withPlan.errorFields == ["tasks[1].tool_name"], "\(withPlan.text)")

            let task = try #require(allowed["task_id"]?.stringValue)
            let patched = try await api.patch("/api/v1/tasks/\(task)", ["tool_name": "browser"])
            #expect(patched.status == 422 && patched.errorFields == ["tool_name"])
            #expect(try await api.get("/api/v1/tasks/\(task)")["tool_name"] == "search", "nothing half-written")
            #expect(try await api.patch("/api/v1/tasks/\(task)", ["tool_name": .null]).status == 200)

            // Another goal's tasks are not bound by it.
            let other = try await api.id(.goal, ["goal_text": "free"])
            let otherPlan = try await api.id(.plan, ["goal_id": .string(other)])
            #expect(try await api.post("/api/v1/tasks", ["plan_id": .string(otherPlan), "tool_name": "shell"]).status == 201)
        }
    }

    @Test("allowed_agent_types: claims hand a goal's tasks only to agents of those types", arguments: Backend.available)
    func allowedAgentTypes(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let researcher = try await api.id(.agent, ["name": "r", "agent_type": "researcher"])
            let general = try await api.id(.agent, ["name": "g"])
            let strict = try await api.id(.goal, ["goal_text": "strict", "constraints": ["allowed_agent_types": ["researcher", "reviewer"]]])
            let open = try await api.id(.goal, ["goal_text": "open"])
            let strictTask = try await api.id(.task, ["plan_id": .string(try await api.id(.plan, ["goal_id": .string(strict)])), "priority": 9])
            let openTask = try await api.id(.task, ["plan_id": .string(try await api.id(.plan, ["goal_id": .string(open)])), "priority": 1])

            // The general agent is passed over for the strict goal's task, higher priority as it is.
            let first = try await WorkQueueContractTests.claim(api, general, ["limit": 10]).compactMap { $0["task_id"]?.stringValue }
            #expect(first == [openTask])
            #expect(try await WorkQueueContractTests.claim(api, general, ["limit": 10]).isEmpty)
            let second = try await WorkQueueContractTests.claim(api, researcher, ["limit": 10]).compactMap { $0["task_id"]?.stringValue }
            #expect(second == [strictTask])
        }
    }

    @Test("max_parallelism caps a goal's running tasks: batches and other goals' work pass it, a finish or a raise frees a slot", arguments: Backend.available)
    func maxParallelism(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let worker = try await api.id(.agent, ["name": "worker"])
            let capped = try await api.post("/api/v1/goals", ["goal_text": "narrow", "constraints": ["max_parallelism": 2]])
            #expect(capped["constraints"]?["max_parallelism"] == 2)
            let goal = try #require(capped["goal_id"]?.stringValue)
            let open = try await api.post("/api/v1/goals", ["goal_text": "wide"])
            #expect(open["constraints"]?["max_parallelism"] == .null, "no cap unless one is set")
            let narrowPlan = try await api.id(.plan, ["goal_id": .string(goal)])
            let otherPlan = try await api.id(.plan, ["goal_id": .string(goal)])
            let widePlan = try await api.id(.plan, ["goal_id": .string(try #require(open["goal_id"]?.stringValue))])
            var narrow: [String] = []
            for index in 0..<4 {
                // The capped goal's tasks come first in the queue, across two of its plans.
                let plan = index % 2 == 0 ? narrowPlan : otherPlan
                narrow.append(try await api.id(.task, ["plan_id": .string(plan), "name": .string("n\(index)"), "priority": 9]))
            }
            var wide: [String] = []
            for index in 0..<3 { wide.append(try await api.id(.task, ["plan_id": .string(widePlan), "name": .string("w\(index)")])) }

            // A batch of 10 takes two of the capped goal's (its two best) and the other goal's work.
            let first = try await WorkQueueContractTests.claim(api, worker, ["limit": 10]).compactMap { $0["task_id"]?.stringValue }
            #expect(first == Array(narrow.prefix(2)) + wide, "\(first)")
            #expect(try await WorkQueueContractTests.claim(api, worker, ["limit": 10]).isEmpty, "the goal is at its cap")
            // A finished task frees exactly one slot.
            #expect(try await api.post("/api/v1/tasks/\(narrow[0])/complete", ["agent_id": .string(worker)]).status == 200)
            #expect(try await WorkQueueContractTests.claim(api, worker, ["limit": 10]).compactMap { $0["task_id"]?.stringValue } == [narrow[2]])
            #expect(try await WorkQueueContractTests.claim(api, worker, ["limit": 10]).isEmpty)
            // An admin raises the cap: one more runs; removing it lets the rest go.
            #expect(try await api.patch("/api/v1/goals/\(goal)", ["constraints": ["max_parallelism": 3]]).status == 200)
            #expect(try await WorkQueueContractTests.claim(api, worker, ["limit": 10]).compactMap { $0["task_id"]?.stringValue } == [narrow[3]])
            let more = try await api.id(.task, ["plan_id": .string(narrowPlan), "name": "n4"])
            #expect(try await WorkQueueContractTests.claim(api, worker, ["limit": 10]).isEmpty)
            #expect(try await api.patch("/api/v1/goals/\(goal)", ["constraints": [:]]).status == 200)
            #expect(try await WorkQueueContractTests.claim(api, worker, ["limit": 10]).compactMap { $0["task_id"]?.stringValue } == [more])
            // The cap's bounds, named.
            for bad: JSONValue in [0, 10_001, 1.5, "2", .int(Int64.max)] {
                let reply = try await api.post("/api/v1/goals", ["goal_text": "x", "constraints": ["max_parallelism": bad]])
                #expect(reply.status == 422 && reply.errorFields == ["constraints.max_parallelism"], "\(bad): \(reply.text)")
            }
        }
    }
}
