import AgenticCore
import Foundation
import Testing

/// Usage that workers report on `complete` and `fail`, summed per task, plan, goal and agent, and
/// the budgets that stop claims once it reaches them: a goal's `max_token_budget` and
/// `cost_limit_usd`, a plan's `resource_budget`, an agent's `resource_limits` (with
/// `max_concurrent_tasks`).
@Suite("Contract: usage and budgets", .timeLimit(.minutes(3)))
struct BudgetContractTests {
    static func usage(_ input: Int64, _ output: Int64, _ cost: Double) -> JSONValue {
        ["input_tokens": .int(input), "output_tokens": .int(output), "cost_usd": .double(cost)]
    }

    /// Claims one task of `plan` for `worker` and returns its id.
    static func claimOne(_ api: TestAPI, _ worker: String, plan: String? = nil) async throws -> String? {
        var body: JSONObject = ["agent_id": .string(worker)]
        if let plan { body["plan_id"] = .string(plan) }
        return try await api.post("/api/v1/tasks/claim", .object(body)).items.first?["task_id"]?.stringValue
    }

    @Test("usage on complete and fail is summed per task, plan, goal and agent; bad usage is a 422 naming the member", arguments: Backend.available)
    func summed(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let worker = try await api.id(.agent, ["name": "worker"])
            let other = try await api.id(.agent, ["name": "other"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let second = try await api.id(.plan, ["goal_id": .string(goal)])
            let flaky = try await api.id(.task, ["plan_id": .string(plan), "name": "flaky", "priority": 9])
            let steady = try await api.id(.task, ["plan_id": .string(plan), "name": "steady"])
            let elsewhere = try await api.id(.task, ["plan_id": .string(second), "name": "elsewhere"])

            #expect(try await Self.claimOne(api, worker, plan: plan) == flaky)
            // Bad usage names the member and changes nothing.
            for (bad, field) in [
                (["input_tokens": -1] as JSONValue, "usage.input_tokens"), (["cost_usd": "a lot"], "usage.cost_usd"),
                (["output_tokens": 9_007_199_254_740_993], "usage.output_tokens"), (["tokens": 5], "usage.tokens"), ([1, 2], "usage"),
            ] {
                let reply = try await api.post("/api/v1/tasks/\(flaky)/complete", ["agent_id": .string(worker), "usage": bad])
                #expect(reply.status == 422 && reply.errorFields == [field], "\(reply.text)")
            }
            #expect(try await api.get("/api/v1/tasks/\(flaky)")["status"] == "running")
            let failed = try await api.post("/api/v1/tasks/\(flaky)/fail", ["agent_id": .string(worker), "error": "x", "usage": Self.usage(10, 5, 0.5)])
            #expect(failed["status"] == "pending" && failed["usage"] == Self.usage(10, 5, 0.5), "\(failed.text)")
            #expect(try await Self.claimOne(api, worker, plan: plan) == flaky)
            let done = try await api.post("/api/v1/tasks/\(flaky)/complete", ["agent_id": .string(worker), "usage": ["input_tokens": 1, "cost_usd": 0.25]])
            #expect(done["usage"] == Self.usage(11, 5, 0.75), "members left out count 0")
            #expect(try await Self.claimOne(api, worker, plan: plan) == steady)
            #expect(try await api.post("/api/v1/tasks/\(steady)/complete", ["agent_id": .string(worker)])["usage"] == Self.usage(0, 0, 0))
            #expect(try await Self.claimOne(api, other, plan: second) == elsewhere)
            #expect(try await api.post("/api/v1/tasks/\(elsewhere)/complete", ["agent_id": .string(other), "usage": Self.usage(100, 50, 1)]).status == 200)

            #expect(try await api.get("/api/v1/plans/\(plan)")["usage"] == Self.usage(11, 5, 0.75))
            #expect(try await api.get("/api/v1/plans/\(second)")["usage"] == Self.usage(100, 50, 1))
            #expect(try await api.get("/api/v1/goals/\(goal)")["usage"] == Self.usage(111, 55, 1.75))
            #expect(try await api.get("/api/v1/agents/\(worker)")["usage"] == Self.usage(11, 5, 0.75))
            #expect(try await api.get("/api/v1/agents/\(other)")["usage"] == Self.usage(100, 50, 1))
            // Lists carry it too; a resource nothing was reported for has zeros.
            let plans = try await api.get("/api/v1/plans?goal_id=\(goal)").items
            #expect(Set(plans.compactMap { $0["usage"] }) == [Self.usage(11, 5, 0.75), Self.usage(100, 50, 1)])
            let idle = try await api.post("/api/v1/agents", ["name": "idle"])
            #expect(idle["usage"] == Self.usage(0, 0, 0) && idle["budget_exhausted"] == false)
            // Usage is the server's to keep.
            #expect(try await api.patch("/api/v1/plans/\(plan)", ["usage": Self.usage(0, 0, 0)]).errorFields == ["usage"])
            // A deleted plan's totals go with the next sweep; what its work cost stays in its goal's.
            #expect(try await api.delete("/api/v1/plans/\(second)").status == 204)
            #expect(try await api.store.pruneUsageTotals() >= 1)
            #expect(try await api.get("/api/v1/goals/\(goal)")["usage"] == Self.usage(111, 55, 1.75))
        }
    }

    @Test("totals saturate at a report's own limits (2^53 tokens, 1e12 USD): what the server shows stays in the documented range", arguments: Backend.available)
    func saturated(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let worker = try await api.id(.agent, ["name": "worker"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let most = Self.usage(Usage.maxTokens, Usage.maxTokens, Usage.maxCostUSD)
            // Both created first: a plan whose only task completed would be closed to the second.
            let tasks = [
                try await api.id(.task, ["plan_id": .string(plan), "name": "one", "max_attempts": 2, "priority": 2]),
                try await api.id(.task, ["plan_id": .string(plan), "name": "two", "max_attempts": 2, "priority": 1]),
            ]
            for task in tasks {
                #expect(try await Self.claimOne(api, worker, plan: plan) == task)
                // Twice on one task (a failure, then the completion), so the task's own sum saturates too.
                let failed = try await api.post("/api/v1/tasks/\(task)/fail", ["agent_id": .string(worker), "error": "x", "usage": most])
                #expect(failed.status == 200 && failed["usage"] == most, "\(failed.text)")
                #expect(try await Self.claimOne(api, worker, plan: plan) == task)
                let done = try await api.post("/api/v1/tasks/\(task)/complete", ["agent_id": .string(worker), "usage": most])
                #expect(done.status == 200 && done["usage"] == most, "\(done.text)")
            }
            for path in ["/api/v1/plans/\(plan)", "/api/v1/goals/\(goal)", "/api/v1/agents/\(worker)"] {
                #expect(try await api.get(path)["usage"] == most, "\(path)")
            }
        }
    }

    @Test("a goal's token budget: reached, claims pass its work over (goal.budget_exhausted, once); raised, they resume; lowered, it stops again", arguments: Backend.available)
    func goalBudget(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let worker = try await api.id(.agent, ["name": "worker"])
            let goal = try await api.id(.goal, ["goal_text": "thrifty", "constraints": ["max_token_budget": 250]])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            for n in 0..<5 { _ = try await api.id(.task, ["plan_id": .string(plan), "name": .string("t\(n)")]) }
            let otherGoal = try await api.id(.goal, ["goal_text": "free"])
            let otherPlan = try await api.id(.plan, ["goal_id": .string(otherGoal)])
            let otherTask = try await api.id(.task, ["plan_id": .string(otherPlan)])

            for _ in 0..<3 {
                let task = try #require(try await Self.claimOne(api, worker, plan: plan))
                #expect(try await api.post("/api/v1/tasks/\(task)/complete", ["agent_id": .string(worker), "usage": Self.usage(60, 40, 0)]).status == 200)
            }
            let exhausted = try await api.get("/api/v1/goals/\(goal)")
            #expect(exhausted["budget_exhausted"] == true && exhausted["usage"]?["input_tokens"] == 180)
            #expect(try await Self.claimOne(api, worker, plan: plan) == nil, "two tasks are left, but the budget is used up")
            #expect(try await Self.claimOne(api, worker) == otherTask, "other goals' work goes on")
            let events = try await api.events("types=goal.budget_exhausted", atLeast: 1)
            #expect(events.count == 1 && events.first?["resource_id"]?.stringValue == goal && events.first?["data"]?["budget_exhausted"] == true)

            let raised = try await api.patch("/api/v1/goals/\(goal)", ["constraints": ["max_token_budget": 1000]])
            #expect(raised.status == 200 && raised["budget_exhausted"] == false, "\(raised.text)")
            let resumed = try #require(try await Self.claimOne(api, worker, plan: plan))
            let lowered = try await api.patch("/api/v1/goals/\(goal)", ["constraints": ["max_token_budget": 300]])
            #expect(lowered["budget_exhausted"] == true)
            #expect(try await api.events("types=goal.budget_exhausted", atLeast: 2).count == 2)
            #expect(try await Self.claimOne(api, worker, plan: plan) == nil)
            // What was running when the budget ran out may still finish.
            #expect(try await api.post("/api/v1/tasks/\(resumed)/complete", ["agent_id": .string(worker), "usage": Self.usage(10, 0, 0)]).status == 200)

            // A budget of nothing is used up from the start.
            let none = try await api.post("/api/v1/goals", ["goal_text": "none", "constraints": ["max_token_budget": 0]])
            #expect(none.status == 201 && none["budget_exhausted"] == true)
            let unfunded = try await api.post("/api/v1/plans", ["goal_id": .string(goal), "resource_budget": ["max_cost_usd": 0]])
            #expect(unfunded["budget_exhausted"] == true)

            // A cost limit works the same way.
            let costly = try await api.id(.goal, ["goal_text": "costly", "constraints": ["cost_limit_usd": 0.5]])
            let costlyPlan = try await api.id(.plan, ["goal_id": .string(costly)])
            for _ in 0..<2 { _ = try await api.id(.task, ["plan_id": .string(costlyPlan)]) }
            let first = try #require(try await Self.claimOne(api, worker, plan: costlyPlan))
            _ = try await api.post("/api/v1/tasks/\(first)/fail", ["agent_id": .string(worker), "retryable": false, "usage": Self.usage(0, 0, 0.5)])
            #expect(try await api.get("/api/v1/goals/\(costly)")["budget_exhausted"] == true)
            #expect(try await Self.claimOne(api, worker, plan: costlyPlan) == nil)
        }
    }

    @Test("a plan's resource_budget and an agent's resource_limits: known members validated and enforced, the rest free-form", arguments: Backend.available)
    func planAndAgentBudgets(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            for (bad, field) in [
                (["max_tokens": -1] as JSONValue, "resource_budget.max_tokens"), (["max_cost_usd": "a lot"], "resource_budget.max_cost_usd"),
                (["max_tokens": 1.5], "resource_budget.max_tokens"),
            ] {
                let reply = try await api.post("/api/v1/plans", ["goal_id": .string(goal), "resource_budget": bad])
                #expect(reply.status == 422 && reply.errorFields == [field], "\(reply.text)")
            }
            let bad = try await api.post("/api/v1/agents", ["name": "a", "resource_limits": ["max_concurrent_tasks": 0, "max_cost_usd": -2]])
            #expect(bad.status == 422 && bad.errorFields.sorted() == ["resource_limits.max_concurrent_tasks", "resource_limits.max_cost_usd"])

            let plan = try await api.post("/api/v1/plans", ["goal_id": .string(goal), "resource_budget": ["max_cost_usd": 1.0, "note": "free-form"]])
            #expect(plan.status == 201 && plan["resource_budget"] == ["max_cost_usd": 1.0, "note": "free-form"])
            let planID = try #require(plan["plan_id"]?.stringValue)
            let worker = try await api.post("/api/v1/agents", ["name": "w", "resource_limits": ["max_concurrent_tasks": 2, "gpu": "a100"]])
            #expect(worker.status == 201 && worker["resource_limits"] == ["max_concurrent_tasks": 2, "gpu": "a100"])
            let workerID = try #require(worker["agent_id"]?.stringValue)
            for _ in 0..<6 { _ = try await api.id(.task, ["plan_id": .string(planID)]) }

            // max_concurrent_tasks: at most two held at once.
            let claimed = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(workerID), "limit": 5]).items
            #expect(claimed.count == 2)
            #expect(try await api.post("/api/v1/tasks/claim", ["agent_id": .string(workerID), "limit": 5]).items.isEmpty)
            let firstID = try #require(claimed.first?["task_id"]?.stringValue)
            _ = try await api.post("/api/v1/tasks/\(firstID)/complete", ["agent_id": .string(workerID), "usage": Self.usage(10, 0, 0.4)])
            #expect(try await api.post("/api/v1/tasks/claim", ["agent_id": .string(workerID), "limit": 5]).items.count == 1)

            // The plan's cost budget: reached at 1.0 USD, its other tasks wait.
            let secondID = try #require(claimed.last?["task_id"]?.stringValue)
            _ = try await api.post("/api/v1/tasks/\(secondID)/complete", ["agent_id": .string(workerID), "usage": Self.usage(10, 0, 0.6)])
            #expect(try await api.get("/api/v1/plans/\(planID)")["budget_exhausted"] == true)
            let helper = try await api.id(.agent, ["name": "helper"])
            #expect(try await Self.claimOne(api, helper, plan: planID) == nil)
            #expect(try await api.events("types=plan.budget_exhausted", atLeast: 1).count == 1)
            let raised = try await api.patch("/api/v1/plans/\(planID)", ["resource_budget": ["max_cost_usd": 5.0]])
            #expect(raised["budget_exhausted"] == false)
            #expect(try await Self.claimOne(api, helper, plan: planID) != nil)

            // The agent's own token budget: reached, it claims nothing anywhere.
            let limited = try await api.id(.agent, ["name": "limited", "resource_limits": ["max_tokens": 20]])
            let task = try #require(try await Self.claimOne(api, limited, plan: planID))
            _ = try await api.post("/api/v1/tasks/\(task)/complete", ["agent_id": .string(limited), "usage": Self.usage(15, 5, 0)])
            let agent = try await api.get("/api/v1/agents/\(limited)")
            #expect(agent["budget_exhausted"] == true && agent["usage"]?["output_tokens"] == 5)
            #expect(try await Self.claimOne(api, limited) == nil)
            #expect(try await api.events("types=agent.budget_exhausted", atLeast: 1).first?["resource_id"]?.stringValue == limited)
            #expect(try await api.patch("/api/v1/agents/\(limited)", ["resource_limits": [:]])["budget_exhausted"] == false)
            #expect(try await Self.claimOne(api, limited) != nil)
        }
    }
}
