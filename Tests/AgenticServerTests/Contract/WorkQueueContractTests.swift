import AgenticCore
import Foundation
import Testing

@Suite("Contract: the work queue", .timeLimit(.minutes(3)))
struct WorkQueueContractTests {
    /// A goal, a plan of it and a worker agent.
    struct Setup {
        var goal: String
        var plan: String
        var worker: String
    }

    static func setup(_ api: TestAPI) async throws -> Setup {
        let worker = try await api.id(.agent, ["name": "worker"])
        let goal = try await api.id(.goal, ["goal_text": "g"])
        let plan = try await api.id(.plan, ["goal_id": .string(goal)])
        return Setup(goal: goal, plan: plan, worker: worker)
    }

    static func claim(_ api: TestAPI, _ worker: String, _ extra: JSONObject = [:]) async throws -> [JSONValue] {
        var body: JSONObject = ["agent_id": .string(worker)]
        for (key, value) in extra { body[key] = value }
        let reply = try await api.post("/api/v1/tasks/claim", .object(body))
        guard reply.status == 200 else { throw TestFailure("claim answered \(reply.status): \(reply.text)") }
        return reply.items
    }

    @Test("complete and fail with claim_next: the finished task and the next claimed, in one request", arguments: Backend.available)
    func claimNext(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let s = try await Self.setup(api)
            let first = try await api.id(.task, ["plan_id": .string(s.plan), "name": "first", "priority": 9])
            let second = try await api.id(.task, ["plan_id": .string(s.plan), "name": "second", "priority": 5, "max_attempts": 2])
            let third = try await api.id(.task, ["plan_id": .string(s.plan), "name": "third", "priority": 1, "depends_on": [.string(first)]])
            #expect(try await Self.claim(api, s.worker).first?["task_id"]?.stringValue == first)

            // Completing `first` makes `third` ready; the next claim takes `second` (higher priority).
            let done = try await api.post(
                "/api/v1/tasks/\(first)/complete",
                ["agent_id": .string(s.worker), "outputs": ["ok": true], "claim_next": ["lease_seconds": 30, "limit": 1]])
            #expect(done.status == 200, "\(done.text)")
            #expect(done["task"]?["task_id"]?.stringValue == first && done["task"]?["status"] == "completed")
            let next = done["next"]?.arrayValue ?? []
            #expect(next.map { $0["task_id"]?.stringValue } == [second])
            #expect(next.first?["status"] == "running" && next.first?["agent_id"]?.stringValue == s.worker)

            // Failing `second` (retryable, an attempt left) puts it back; claim_next may take it or `third`.
            let failed = try await api.post(
                "/api/v1/tasks/\(second)/fail", ["agent_id": .string(s.worker), "error": "flaky", "claim_next": ["limit": 5]])
            #expect(failed.status == 200, "\(failed.text)")
            #expect(failed["task"]?["status"] == "pending")
            #expect(Set((failed["next"]?.arrayValue ?? []).compactMap { $0["task_id"]?.stringValue }) == [second, third])

            // Nothing left to claim: `next` is empty, not absent.
            let last = try await api.post(
                "/api/v1/tasks/\(third)/complete", ["agent_id": .string(s.worker), "claim_next": ["plan_id": .string(s.plan)]])
            #expect(last["task"]?["status"] == "completed" && last["next"] == [])

            // Without claim_next (or with null) the answer is the task, with its ETag.
            let plain = try await api.post("/api/v1/tasks/\(second)/complete", ["agent_id": .string(s.worker), "claim_next": .null])
            #expect(plain["task_id"]?.stringValue == second && plain.header("ETag") != nil)

            // A bad claim_next is a 422 naming the member, and nothing happens.
            let goal2 = try await api.id(.goal, ["goal_text": "more"])
            let plan2 = try await api.id(.plan, ["goal_id": .string(goal2)])
            let other = try await api.id(.task, ["plan_id": .string(plan2)])
            _ = try await Self.claim(api, s.worker)
            let bad = try await api.post(
                "/api/v1/tasks/\(other)/complete", ["agent_id": .string(s.worker), "claim_next": ["limit": 0, "colour": "red"]])
            #expect(bad.status == 422 && Set(bad.errorFields) == ["claim_next.limit", "claim_next.colour"])
            #expect(try await api.get("/api/v1/tasks/\(other)")["status"] == "running")
        }
    }

    @Test("claim hands out only ready tasks, by priority then age, each once", arguments: Backend.available)
    func claimOrder(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let s = try await Self.setup(api)
            let low = try await api.id(.task, ["plan_id": .string(s.plan), "name": "low", "priority": 1])
            let oldHigh = try await api.id(.task, ["plan_id": .string(s.plan), "name": "old-high", "priority": 9])
            let newHigh = try await api.id(.task, ["plan_id": .string(s.plan), "name": "new-high", "priority": 9])
            let waiting = try await api.id(.task, ["plan_id": .string(s.plan), "priority": 10, "depends_on": [.string(low)]])
            let goal2 = try await api.id(.goal, ["goal_text": "other"])
            let cancelledPlan = try await api.id(.plan, ["goal_id": .string(goal2)])
            _ = try await api.id(.task, ["plan_id": .string(cancelledPlan), "priority": 10])
            #expect(try await api.post("/api/v1/plans/\(cancelledPlan)/cancel").status == 200)

            let first = try await Self.claim(api, s.worker, ["limit": 2, "lease_seconds": 30])
            #expect(first.compactMap { $0["task_id"]?.stringValue } == [oldHigh, newHigh])
            for task in first {
                #expect(task["status"] == "running" && task["agent_id"]?.stringValue == s.worker && task["attempts"] == 1)
                #expect(task["lease_expires_at"] != .null && task["started_at"] != .null)
            }
            #expect(try await api.get("/api/v1/plans/\(s.plan)")["status"] == "active", "a plan is active from its first start")
            #expect(try await api.get("/api/v1/goals/\(s.goal)")["status"] == "active", "its goal follows")
            let second = try await Self.claim(api, s.worker, ["limit": 10])
            #expect(second.compactMap { $0["task_id"]?.stringValue } == [low], "the dependent and the cancelled plan's task are not ready")
            #expect(try await Self.claim(api, s.worker, ["limit": 10]).isEmpty)
            #expect(try await api.get("/api/v1/tasks/\(waiting)")["status"] == "pending")
        }
    }

    @Test("only a worker that can take work claims: unknown 422, terminated 409, and the ready task stays ready", arguments: Backend.available)
    func claimNeedsAWorker(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let task = try await api.id(.task, ["plan_id": .string(plan)])
            let unknown = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(UUID().uuidString.lowercased())])
            #expect(unknown.status == 422 && unknown.errorFields == ["agent_id"], "\(unknown.text)")
            let retired = try await api.id(.agent, ["name": "retired"])
            #expect(try await api.patch("/api/v1/agents/\(retired)", ["status": "terminated"]).status == 200)
            let refused = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(retired)])
            #expect(refused.status == 409 && refused.code == "invalid_transition", "\(refused.text)")
            #expect(try await api.get("/api/v1/tasks/\(task)")["status"] == "pending")
            #expect(try await api.get("/api/v1/plans/\(plan)")["status"] == "draft", "no claim, no activation")
            let worker = try await api.id(.agent, ["name": "worker"])
            let claimed = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker)])
            #expect(claimed.items.map { $0["task_id"]?.stringValue } == [task])
            #expect(try await api.get("/api/v1/plans/\(plan)")["status"] == "active")
            let none = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker)])
            #expect(none.status == 200 && none.items.isEmpty)
        }
    }

    @Test("claim filters by task type and plan", arguments: Backend.available)
    func claimFilters(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let s = try await Self.setup(api)
            let other = try await api.id(.plan, ["goal_id": .string(s.goal)])
            let search = try await api.id(.task, ["plan_id": .string(s.plan), "task_type": "search"])
            let write = try await api.id(.task, ["plan_id": .string(other), "task_type": "write"])
            #expect(try await Self.claim(api, s.worker, ["task_types": ["write"], "plan_id": .string(s.plan)]).isEmpty)
            #expect(try await Self.claim(api, s.worker, ["task_types": ["search", "write"], "plan_id": .string(s.plan)])
                .compactMap { $0["task_id"]?.stringValue } == [search])
            #expect(try await Self.claim(api, s.worker, ["task_types": ["write"]]).compactMap { $0["task_id"]?.stringValue } == [write])
        }
    }

    @Test("bad claim, heartbeat, complete and fail bodies are 422 naming the field", arguments: Backend.available)
    func badInput(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let s = try await Self.setup(api)
            let task = try await api.id(.task, ["plan_id": .string(s.plan)])
            let cases: [(String, JSONValue, [String])] = [
                ("/api/v1/tasks/claim", [:], ["agent_id"]),
                ("/api/v1/tasks/claim", ["agent_id": .string(s.worker), "lease_seconds": 0], ["lease_seconds"]),
                ("/api/v1/tasks/claim", ["agent_id": .string(s.worker), "lease_seconds": 3601], ["lease_seconds"]),
                ("/api/v1/tasks/claim", ["agent_id": .string(s.worker), "limit": 101], ["limit"]),
                ("/api/v1/tasks/claim", ["agent_id": .string(UUID().lowercased)], ["agent_id"]),
                ("/api/v1/tasks/claim", ["agent_id": .string(s.worker), "task_types": "search"], ["task_types"]),
                ("/api/v1/tasks/\(task)/heartbeat", ["agent_id": "nope"], ["agent_id"]),
                ("/api/v1/tasks/\(task)/complete", ["agent_id": .string(s.worker), "outputs": 3], ["outputs"]),
                ("/api/v1/tasks/\(task)/fail", ["agent_id": .string(s.worker), "retryable": "yes"], ["retryable"]),
            ]
            for (path, body, fields) in cases {
                let reply = try await api.post(path, body)
                #expect(reply.status == 422 && reply.errorFields == fields, "\(path) \(body): \(reply.text)")
            }
            #expect(try await api.get("/api/v1/tasks/\(task)")["status"] == "pending", "nothing was claimed")
        }
    }

    @Test("heartbeat extends the lease; complete stores outputs and frees dependents; a lost lease is 409", arguments: Backend.available)
    func heartbeatAndComplete(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let s = try await Self.setup(api)
            let intruder = try await api.id(.agent, ["name": "intruder"])
            let first = try await api.id(.task, ["plan_id": .string(s.plan)])
            let second = try await api.id(.task, ["plan_id": .string(s.plan), "depends_on": [.string(first)]])
            let claimed = try #require(try await Self.claim(api, s.worker, ["lease_seconds": 5]).first)
            #expect(claimed["task_id"]?.stringValue == first)
            let before = try #require(claimed["lease_expires_at"]?.stringValue)

            let beat = try await api.post("/api/v1/tasks/\(first)/heartbeat", ["agent_id": .string(s.worker), "lease_seconds": 600])
            #expect(beat.status == 200)
            #expect((beat["lease_expires_at"]?.stringValue ?? "") > before, "the lease was extended")
            let stolen = try await api.post("/api/v1/tasks/\(first)/complete", ["agent_id": .string(intruder), "outputs": [:]])
            #expect(stolen.status == 409 && stolen.code == "lease_lost")
            #expect(try await api.post("/api/v1/tasks/\(first)/heartbeat", ["agent_id": .string(intruder)]).status == 409)

            let done = try await api.post("/api/v1/tasks/\(first)/complete", ["agent_id": .string(s.worker), "outputs": ["answer": 42]])
            #expect(done.status == 200 && done["status"] == "completed" && done["outputs"] == ["answer": 42])
            #expect(done["lease_expires_at"] == .null && done["completed_at"] != .null)
            let again = try await api.post("/api/v1/tasks/\(first)/complete", ["agent_id": .string(s.worker), "outputs": [:]])
            #expect(again.status == 409 && again.code == "lease_lost", "a task completes once")

            #expect(try await Self.claim(api, s.worker).compactMap { $0["task_id"]?.stringValue } == [second])
            #expect(try await api.post("/api/v1/tasks/\(second)/complete", ["agent_id": .string(s.worker)]).status == 200)
            let plan = try await api.get("/api/v1/plans/\(s.plan)")
            #expect(plan["status"] == "completed" && plan["task_counts"]?["completed"] == 2)
            #expect(try await api.get("/api/v1/goals/\(s.goal)")["status"] == "completed")
        }
    }

    @Test("release gives the task back unfinished: pending at once, the attempt not counted; only the holder may", arguments: Backend.available)
    func release(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let s = try await Self.setup(api)
            let task = try await api.id(.task, ["plan_id": .string(s.plan), "max_attempts": 1])
            #expect(try await Self.claim(api, s.worker).first?["attempts"] == 1)
            let stranger = try await api.id(.agent, ["name": "stranger"])
            let refused = try await api.post("/api/v1/tasks/\(task)/release", ["agent_id": .string(stranger)])
            #expect(refused.status == 409 && refused.code == "lease_lost")
            for (body, field) in [([:] as JSONValue, "agent_id"), (["agent_id": .string(s.worker), "why": "x"], "why")] {
                let bad = try await api.post("/api/v1/tasks/\(task)/release", body)
                #expect(bad.status == 422 && bad.errorFields == [field], "\(bad.text)")
            }
            #expect(try await api.post("/api/v1/tasks/\(UUID().uuidString)/release", ["agent_id": .string(s.worker)]).status == 404)

            let released = try await api.post("/api/v1/tasks/\(task)/release", ["agent_id": .string(s.worker)])
            #expect(released.status == 200 && released["status"] == "pending" && released["attempts"] == 0, "\(released.text)")
            #expect(released["lease_expires_at"] == .null && released["version"] == 3)
            #expect(try await api.events("types=task.released&resource_id=\(task)", atLeast: 1).count == 1)
            // Its one attempt is still there: claimed again, a retryable failure then ends it.
            let again = try await Self.claim(api, stranger)
            #expect(again.first?["task_id"]?.stringValue == task && again.first?["attempts"] == 1)
            #expect(try await api.post("/api/v1/tasks/\(task)/release", ["agent_id": .string(s.worker)]).code == "lease_lost")
            let failed = try await api.post("/api/v1/tasks/\(task)/fail", ["agent_id": .string(stranger), "retryable": true])
            #expect(failed["status"] == "failed")
            #expect(try await api.post("/api/v1/tasks/\(task)/release", ["agent_id": .string(stranger)]).code == "lease_lost")
        }
    }

    @Test("fail: retryable with attempts left returns to pending; then failed, dependents skipped", arguments: Backend.available)
    func failAndRetry(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let s = try await Self.setup(api)
            let task = try await api.id(.task, ["plan_id": .string(s.plan), "max_attempts": 2])
            let dependent = try await api.id(.task, ["plan_id": .string(s.plan), "depends_on": [.string(task)]])
            _ = try await Self.claim(api, s.worker)
            let retried = try await api.post("/api/v1/tasks/\(task)/fail", ["agent_id": .string(s.worker), "error": "timeout", "retryable": true])
            #expect(retried.status == 200 && retried["status"] == "pending" && retried["attempts"] == 1)
            #expect(retried["error"] == ["message": "timeout"] && retried["lease_expires_at"] == .null)
            let reclaimed = try await Self.claim(api, s.worker)
            #expect(reclaimed.first?["attempts"] == 2)
            let failed = try await api.post("/api/v1/tasks/\(task)/fail", ["agent_id": .string(s.worker), "error": ["code": "E1"], "retryable": true])
            #expect(failed["status"] == "failed", "no attempts left")
            #expect(try await api.get("/api/v1/tasks/\(dependent)")["status"] == "skipped")
            #expect(try await api.get("/api/v1/plans/\(s.plan)")["status"] == "failed")

            #expect(try await api.get("/api/v1/goals/\(s.goal)")["status"] == "failed", "the goal follows its only plan")

            let goal2 = try await api.id(.goal, ["goal_text": "again"])
            let plan2 = try await api.id(.plan, ["goal_id": .string(goal2)])
            let fatal = try await api.id(.task, ["plan_id": .string(plan2), "max_attempts": 5])
            _ = try await Self.claim(api, s.worker, ["plan_id": .string(plan2)])
            let once = try await api.post("/api/v1/tasks/\(fatal)/fail", ["agent_id": .string(s.worker), "retryable": false])
            #expect(once["status"] == "failed" && once["attempts"] == 1, "a non-retryable failure is final at once")
        }
    }

    @Test("an expired lease returns the task (or fails it when attempts are used up), as actor system", arguments: Backend.available)
    func leaseExpiry(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let s = try await Self.setup(api)
            let again = try await api.id(.task, ["plan_id": .string(s.plan), "max_attempts": 2])
            let last = try await api.id(.task, ["plan_id": .string(s.plan), "max_attempts": 1])
            let dependent = try await api.id(.task, ["plan_id": .string(s.plan), "depends_on": [.string(last)]])
            #expect(try await Self.claim(api, s.worker, ["limit": 2, "lease_seconds": 1]).count == 2)
            try await Task.sleep(for: .milliseconds(1100))
            if backend == .sqlite {
                #expect(try await api.store.expireLeases(limit: 100) == 2)
            } else {
                // The database is shared: the live tests' servers may sweep these first, and a sweep
                // takes the oldest expired leases of every tenant, which need not include these.
                _ = try await poll({
                    _ = try await api.store.expireLeases(limit: 1000)
                    return try await api.get("/api/v1/tasks/\(last)")["status"]?.stringValue
                }, until: { $0 == "failed" })
            }
            let returned = try await api.get("/api/v1/tasks/\(again)")
            #expect(returned["status"] == "pending" && returned["lease_expires_at"] == .null && returned["attempts"] == 1)
            let exhausted = try await api.get("/api/v1/tasks/\(last)")
            #expect(exhausted["status"] == "failed" && exhausted["error"]?["reason"] == "lease_expired")
            #expect(try await api.get("/api/v1/tasks/\(dependent)")["status"] == "skipped")
            let late = try await api.post("/api/v1/tasks/\(again)/complete", ["agent_id": .string(s.worker)])
            #expect(late.status == 409 && late.code == "lease_lost", "the dead worker's late answer is refused")
            let expired = try await api.events("types=task.lease_expired", atLeast: 2)
            #expect(expired.count == 2 && expired.allSatisfy { $0["actor"] == "system" })
            #expect(try await Self.claim(api, s.worker).first?["task_id"]?.stringValue == again, "another worker can take it")
        }
    }

    @Test("cancel during work: plan and goal end cancelled, late complete and heartbeat get 409", arguments: Backend.available)
    func cancelDuringWork(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let s = try await Self.setup(api)
            let running = try await api.id(.task, ["plan_id": .string(s.plan)])
            let queued = try await api.id(.task, ["plan_id": .string(s.plan)])
            let after = try await api.id(.task, ["plan_id": .string(s.plan), "depends_on": [.string(running)]])
            #expect(try await Self.claim(api, s.worker, ["plan_id": .string(s.plan)]).count == 1)
            let cancelled = try await api.post("/api/v1/plans/\(s.plan)/cancel")
            #expect(cancelled.status == 200 && cancelled["status"] == "cancelled")
            for id in [running, queued, after] {
                let status = try await api.get("/api/v1/tasks/\(id)")["status"]?.stringValue ?? ""
                #expect(["cancelled", "skipped"].contains(status), "\(id) is \(status)")
            }
            #expect(try await api.get("/api/v1/goals/\(s.goal)")["status"] == "cancelled", "the goal follows its only plan")
            let late = try await api.post("/api/v1/tasks/\(running)/complete", ["agent_id": .string(s.worker), "outputs": ["too": "late"]])
            #expect(late.status == 409 && late.code == "lease_lost")
            #expect(try await api.post("/api/v1/tasks/\(running)/heartbeat", ["agent_id": .string(s.worker)]).status == 409)
            #expect(try await api.get("/api/v1/tasks/\(running)")["outputs"] == [:], "the late outputs were not stored")
            #expect(try await Self.claim(api, s.worker).isEmpty)
            #expect(try await api.post("/api/v1/plans/\(s.plan)/cancel")["status"] == "cancelled", "cancel is idempotent")

            // Cancelling a goal cancels every plan below it, with work in flight.
            let goal = try await api.id(.goal, ["goal_text": "second"])
            let planA = try await api.id(.plan, ["goal_id": .string(goal)])
            let planB = try await api.id(.plan, ["goal_id": .string(goal)])
            let inFlight = try await api.id(.task, ["plan_id": .string(planA)])
            _ = try await api.id(.task, ["plan_id": .string(planB)])
            #expect(try await Self.claim(api, s.worker, ["plan_id": .string(planA)]).count == 1)
            #expect(try await api.post("/api/v1/goals/\(goal)/cancel")["status"] == "cancelled")
            #expect(try await api.get("/api/v1/plans/\(planA)")["status"] == "cancelled")
            #expect(try await api.get("/api/v1/plans/\(planB)")["status"] == "cancelled")
            #expect(try await api.post("/api/v1/tasks/\(inFlight)/complete", ["agent_id": .string(s.worker)]).status == 409)
        }
    }
}
