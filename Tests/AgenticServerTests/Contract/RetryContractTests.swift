import AgenticCore
import Foundation
import Testing

/// `POST /tasks/{id}/retry` and `POST /tasks/bulk`: a task that ended without completing goes back
/// to the queue with fresh attempts, its skipped dependents come back, and an ended plan and goal
/// reopen — the one sanctioned way out of a final status.
@Suite("Contract: retry and bulk", .timeLimit(.minutes(3)))
struct RetryContractTests {
    static func finish(_ api: TestAPI, _ worker: String, _ action: String, _ extra: JSONObject = [:]) async throws -> String {
        let claimed = try #require(try await WorkQueueContractTests.claim(api, worker).first?["task_id"]?.stringValue)
        var body: JSONObject = ["agent_id": .string(worker)]
        for (key, value) in extra { body[key] = value }
        let reply = try await api.post("/api/v1/tasks/\(claimed)/\(action)", .object(body))
        #expect(reply.status == 200, "\(reply.text)")
        return claimed
    }

    @Test("retry: fresh attempts, skipped dependents back, the ended plan and goal reopened, then the plan completes", arguments: Backend.available)
    func retry(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let worker = try await api.id(.agent, ["name": "worker"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let a = try await api.id(.task, ["plan_id": .string(plan), "name": "a", "max_attempts": 1, "priority": 9])
            let b = try await api.id(.task, ["plan_id": .string(plan), "name": "b", "depends_on": [.string(a)]])
            let c = try await api.id(.task, ["plan_id": .string(plan), "name": "c", "depends_on": [.string(b)]])
            let d = try await api.id(.task, ["plan_id": .string(plan), "name": "d"])
            #expect(try await Self.finish(api, worker, "fail", ["error": ["message": "boom"]]) == a)
            #expect(try await Self.finish(api, worker, "complete") == d)
            #expect(try await api.get("/api/v1/tasks/\(c)")["status"] == "skipped")
            #expect(try await api.get("/api/v1/plans/\(plan)")["status"] == "failed")
            #expect(try await api.get("/api/v1/goals/\(goal)")["status"] == "failed")

            // What cannot be retried: a completed task, a waiting one, an unknown one.
            #expect(try await api.post("/api/v1/tasks/\(d)/retry")["code"] == "invalid_transition")
            #expect(try await api.post("/api/v1/tasks/\(UUID().uuidString)/retry").status == 404)
            // A skipped task whose dependency failed cannot run: retry that one first.
            let refused = try await api.post("/api/v1/tasks/\(b)/retry")
            #expect(refused.status == 409 && refused["code"] == "dependencies_not_met" && refused.text.contains(a), "\(refused.text)")
            #expect(try await api.post("/api/v1/tasks/\(a)/retry", ["reason": .int(1)]).errorFields == ["reason"])

            let retried = try await api.post("/api/v1/tasks/\(a)/retry")
            #expect(retried.status == 200, "\(retried.text)")
            #expect(retried["status"] == "pending" && retried["attempts"] == 0 && retried["error"] == .null && retried["completed_at"] == .null)
            #expect(retried.headers[.eTag] == "\"\(retried["version"]?.intValue ?? 0)\"")
            #expect(try await api.post("/api/v1/tasks/\(a)/retry")["code"] == "invalid_transition", "a waiting task is not retried twice")
            for id in [b, c] { #expect(try await api.get("/api/v1/tasks/\(id)")["status"] == "pending") }
            #expect(try await api.get("/api/v1/tasks/\(d)")["status"] == "completed")
            let reopenedPlan = try await api.get("/api/v1/plans/\(plan)")
            #expect(reopenedPlan["status"] == "active" && reopenedPlan["completed_at"] == .null)
            #expect(reopenedPlan["task_counts"]?["pending"] == 3 && reopenedPlan["task_counts"]?["completed"] == 1)
            #expect(try await api.get("/api/v1/goals/\(goal)")["status"] == "active")
            let stats = try await api.get("/api/v1/stats")
            #expect(stats["ready_tasks"] == 1 && stats["tasks"]?["skipped"] == 0 && stats["tasks"]?["failed"] == 0)
            let reopened = try await api.events("types=task.reopened,plan.reopened,goal.reopened", atLeast: 5)
            #expect(reopened.compactMap { $0["type"]?.stringValue } == ["task.reopened", "task.reopened", "task.reopened", "plan.reopened", "goal.reopened"])
            #expect(Set(reopened.prefix(3).compactMap { $0["resource_id"]?.stringValue }) == [a, b, c])

            // It runs again, in order, and this time everything completes.
            for expected in [a, b, c] { #expect(try await Self.finish(api, worker, "complete") == expected) }
            #expect(try await api.get("/api/v1/tasks/\(a)")["attempts"] == 1)
            #expect(try await api.get("/api/v1/plans/\(plan)")["status"] == "completed")
            #expect(try await api.get("/api/v1/goals/\(goal)")["status"] == "completed")
        }
    }

    @Test("a cancelled task comes back (its delay gone); a dependent stays skipped while another dependency is still failed", arguments: Backend.available)
    func retryCancelled(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let worker = try await api.id(.agent, ["name": "worker"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let later = try await api.id(.task, ["plan_id": .string(plan), "name": "later", "delay_seconds": 3600])
            let x = try await api.id(.task, ["plan_id": .string(plan), "name": "x", "max_attempts": 1, "priority": 9])
            let y = try await api.id(.task, ["plan_id": .string(plan), "name": "y", "max_attempts": 1, "priority": 8])
            let both = try await api.id(.task, ["plan_id": .string(plan), "name": "both", "depends_on": [.string(x), .string(y)]])
            #expect(try await api.post("/api/v1/tasks/\(later)/cancel").status == 200)
            #expect(try await Self.finish(api, worker, "fail") == x)
            #expect(try await Self.finish(api, worker, "fail") == y)
            #expect(try await api.get("/api/v1/plans/\(plan)")["status"] == "failed")

            // Retrying one of its two failed dependencies leaves `both` skipped; retrying the other brings it back.
            #expect(try await api.post("/api/v1/tasks/\(x)/retry").status == 200)
            #expect(try await api.get("/api/v1/tasks/\(both)")["status"] == "skipped")
            #expect(try await api.post("/api/v1/tasks/\(y)/retry").status == 200)
            #expect(try await api.get("/api/v1/tasks/\(both)")["status"] == "pending")
            // The cancelled delayed task comes back without its delay: ready at once.
            let back = try await api.post("/api/v1/tasks/\(later)/retry")
            #expect(back.status == 200 && back["not_before"] == .null)
            let ready = try await WorkQueueContractTests.claim(api, worker, ["limit": 10]).compactMap { $0["task_id"]?.stringValue }
            #expect(Set(ready) == [later, x, y])
        }
    }

    @Test("bulk cancel and retry act on what the filter matches, count what changed, and name every bad member", arguments: Backend.available)
    func bulk(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let worker = try await api.id(.agent, ["name": "worker"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let other = try await api.id(.plan, ["goal_id": .string(goal)])
            var scraped: [String] = []
            for index in 0..<5 {
                scraped.append(try await api.id(.task, ["plan_id": .string(plan), "name": .string("s\(index)"), "task_type": "scrape"]))
            }
            let summary = try await api.id(.task, ["plan_id": .string(plan), "name": "summary", "task_type": "summarize"])
            let elsewhere = try await api.id(.task, ["plan_id": .string(other), "name": "elsewhere", "task_type": "scrape"])

            let cancelled = try await api.post("/api/v1/tasks/bulk", ["action": "cancel", "filter": ["plan_id": .string(plan), "task_type": "scrape"]])
            #expect(cancelled.status == 200, "\(cancelled.text)")
            #expect(cancelled["matched"] == 5 && cancelled["changed"] == 5 && cancelled["unchanged"] == 0 && cancelled["truncated"] == false)
            for id in scraped { #expect(try await api.get("/api/v1/tasks/\(id)")["status"] == "cancelled") }
            #expect(try await api.get("/api/v1/tasks/\(summary)")["status"] == "pending")
            #expect(try await api.get("/api/v1/tasks/\(elsewhere)")["status"] == "pending")
            let again = try await api.post("/api/v1/tasks/bulk", ["action": "cancel", "filter": ["plan_id": .string(plan), "task_type": "scrape"]])
            #expect(again["matched"] == 5 && again["changed"] == 0 && again["unchanged"] == 5)

            let retried = try await api.post("/api/v1/tasks/bulk", ["action": "retry", "filter": ["plan_id": .string(plan), "status": "cancelled"]])
            #expect(retried["matched"] == 5 && retried["changed"] == 5 && retried["problems"] == [])
            for id in scraped { #expect(try await api.get("/api/v1/tasks/\(id)")["status"] == "pending") }

            // A retry whose dependency failed is left as it is, and the answer says why; the
            // dependency's own retry (oldest first) brings its dependents back in the same request.
            let root = try await api.id(.task, ["plan_id": .string(other), "name": "root", "max_attempts": 1, "priority": 9])
            let leaf = try await api.id(.task, ["plan_id": .string(other), "name": "leaf", "depends_on": [.string(root)]])
            #expect(try await Self.finish(api, worker, "fail") == root)
            let skippedOnly = try await api.post("/api/v1/tasks/bulk", ["action": "retry", "filter": ["status": "skipped", "plan_id": .string(other)]])
            #expect(skippedOnly["matched"] == 1 && skippedOnly["changed"] == 0)
            let problem = skippedOnly["problems"]?.arrayValue?.first
            #expect(problem?["task_id"]?.stringValue == leaf && problem?["code"] == "dependencies_not_met", "\(skippedOnly.text)")
            let byAgent = try await api.post("/api/v1/tasks/bulk", ["action": "retry", "filter": ["agent_id": .string(worker)]])
            #expect(byAgent["matched"] == 1 && byAgent["changed"] == 1, "\(byAgent.text)")
            #expect(try await api.get("/api/v1/tasks/\(leaf)")["status"] == "pending")

            // Bad bodies name their fields; nothing changes.
            let bad: [(JSONValue, [String])] = [
                (["action": "cancel"], ["filter"]), (["action": "cancel", "filter": [:]], ["filter"]),
                (["filter": ["plan_id": .string(plan)]], ["action"]), (["action": "explode", "filter": ["plan_id": .string(plan)]], ["action"]),
                (["action": "cancel", "filter": ["status": "bogus", "plan_id": "x", "task_type": "no spaces", "zzz": 1]],
                 ["filter.plan_id", "filter.status", "filter.task_type", "filter.zzz"]),
                (["action": "cancel", "filter": ["plan_id": .string(plan)], "extra": true], ["extra"]),
                (["action": "cancel", "filter": "all"], ["filter"]),
            ]
            for (body, fields) in bad {
                let reply = try await api.post("/api/v1/tasks/bulk", body)
                #expect(reply.status == 422 && Set(reply.errorFields) == Set(fields), "\(body): \(reply.text)")
            }
            #expect(try await api.get("/api/v1/tasks/\(summary)")["status"] == "pending")
            // A read key may not; another tenant's tasks are never matched.
            let reader = api.with(key: try await api.makeKey(scope: .read))
            #expect(try await reader.post("/api/v1/tasks/bulk", ["action": "cancel", "filter": ["plan_id": .string(plan)]]).status == 403)
            let stranger = api.with(key: try await api.makeKey(scope: .write, tenant: TestApp.newTenant()))
            let none = try await stranger.post("/api/v1/tasks/bulk", ["action": "cancel", "filter": ["plan_id": .string(plan)]])
            #expect(none.status == 200 && none["matched"] == 0)
            #expect(try await stranger.post("/api/v1/tasks/\(summary)/retry").status == 404)
        }
    }
}
