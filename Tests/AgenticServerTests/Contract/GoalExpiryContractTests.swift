import AgenticCore
import AgenticStore
import Foundation
import Testing

/// A goal's `constraints.deadline` and `max_execution_time_sec` bite: the earlier is its
/// `expires_at`, and the sweep (`expireGoals`, called by the test after moving its clock) fails a
/// goal still open then, cancelling what is open below it. Each test has a database of its own,
/// because the sweep covers every tenant.
@Suite("Contract: goal deadlines", .timeLimit(.minutes(3)))
struct GoalExpiryContractTests {
    static func expiresAt(_ reply: Reply) -> Timestamp? {
        reply["expires_at"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
    }

    @Test("expires_at is the earlier of deadline and max_execution_time_sec, follows a PATCH and is null without either", arguments: Backend.available)
    func expiresAtDerived(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let start = clock.now()
            let none = try await api.post("/api/v1/goals", ["goal_text": "open-ended"])
            #expect(none.status == 201 && none["expires_at"] == .null)
            let byDeadline = try await api.post(
                "/api/v1/goals", ["goal_text": "d", "constraints": ["deadline": .string(start.adding(seconds: 60).rfc3339)]])
            #expect(Self.expiresAt(byDeadline) == start.adding(seconds: 60))
            let byDuration = try await api.post("/api/v1/goals", ["goal_text": "m", "constraints": ["max_execution_time_sec": 30]])
            #expect(Self.expiresAt(byDuration) == start.adding(seconds: 30))
            let both = try await api.post(
                "/api/v1/goals",
                ["goal_text": "b", "constraints": ["deadline": .string(start.adding(seconds: 10).rfc3339), "max_execution_time_sec": 100]])
            #expect(Self.expiresAt(both) == start.adding(seconds: 10))
            let id = try #require(both["goal_id"]?.stringValue)
            #expect(Self.expiresAt(try await api.get("/api/v1/goals/\(id)")) == start.adding(seconds: 10))

            // max_execution_time_sec counts from creation, not from the PATCH.
            clock.advance(seconds: 5)
            let patched = try await api.patch("/api/v1/goals/\(id)", ["constraints": ["max_execution_time_sec": 8]])
            #expect(patched.status == 200 && Self.expiresAt(patched) == start.adding(seconds: 8), "\(patched.text)")
            let cleared = try await api.patch("/api/v1/goals/\(id)", ["constraints": [:]])
            #expect(cleared.status == 200 && cleared["expires_at"] == .null)
            // expires_at is the server's: a request cannot set it.
            #expect(try await api.post("/api/v1/goals", ["goal_text": "x", "expires_at": .string(start.rfc3339)]).errorFields == ["expires_at"])
            #expect(try await api.patch("/api/v1/goals/\(id)", ["expires_at": .null]).errorFields == ["expires_at"])
        }
    }

    @Test("a goal past its time fails with goal.expired and cancels its open work; a moved deadline wins", arguments: Backend.available)
    func expiry(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let start = clock.now()
            let worker = try await api.id(.agent, ["name": "worker"])
            let goal = try await api.id(.goal, ["goal_text": "due", "constraints": ["deadline": .string(start.adding(seconds: 60).rfc3339)]])
            let sub = try await api.id(.goal, ["goal_text": "below", "parent_goal_id": .string(goal)])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let subPlan = try await api.id(.plan, ["goal_id": .string(sub)])
            let running = try await api.id(.task, ["plan_id": .string(plan), "name": "running", "priority": 9])
            let pending = try await api.id(.task, ["plan_id": .string(plan), "name": "pending"])
            let done = try await api.id(.task, ["plan_id": .string(subPlan), "name": "done", "priority": 8])
            let subPending = try await api.id(.task, ["plan_id": .string(subPlan), "name": "sub pending", "depends_on": [.string(done)]])
            #expect(try await WorkQueueContractTests.claim(api, worker, ["limit": 2]).compactMap { $0["task_id"]?.stringValue } == [running, done])
            #expect(try await api.post("/api/v1/tasks/\(done)/complete", ["agent_id": .string(worker)]).status == 200)
            let quick = try await api.id(.goal, ["goal_text": "quick", "constraints": ["max_execution_time_sec": 30]])
            let open = try await api.id(.goal, ["goal_text": "no limit"])

            // Nothing expires early.
            clock.advance(seconds: 29)
            #expect(try await api.store.expireGoals(limit: 100) == 0)
            #expect(try await api.get("/api/v1/goals/\(quick)")["status"] == "pending")

            // The quicker one's time comes: it alone fails.
            clock.advance(seconds: 1)
            #expect(try await api.store.expireGoals(limit: 100) == 1)
            let failed = try await api.get("/api/v1/goals/\(quick)")
            #expect(failed["status"] == "failed" && failed["completed_at"] != .null)
            let expiredEvents = try await api.events("types=goal.expired", atLeast: 1)
            #expect(expiredEvents.count == 1 && expiredEvents.first?["resource_id"]?.stringValue == quick)
            #expect(expiredEvents.first?["actor"] == "system" && expiredEvents.first?["data"]?["status"] == "failed")

            // An admin moves the other's deadline: at the old time nothing happens.
            let moved = try await api.patch("/api/v1/goals/\(goal)", ["constraints": ["deadline": .string(start.adding(seconds: 120).rfc3339)]])
            #expect(moved.status == 200 && Self.expiresAt(moved) == start.adding(seconds: 120))
            clock.advance(seconds: 31)
            #expect(try await api.store.expireGoals(limit: 100) == 0)
            #expect(try await api.get("/api/v1/goals/\(goal)")["status"] == "active")

            // Then its time comes: the goal fails, and its open plans, tasks (the running one too) and sub-goals are cancelled.
            clock.advance(seconds: 60)
            #expect(try await api.store.expireGoals(limit: 100) == 1)
            #expect(try await api.store.expireGoals(limit: 100) == 0, "an expired goal is swept once")
            #expect(try await api.get("/api/v1/goals/\(goal)")["status"] == "failed")
            #expect(try await api.get("/api/v1/goals/\(sub)")["status"] == "cancelled")
            #expect(try await api.get("/api/v1/plans/\(subPlan)")["status"] == "cancelled")
            #expect(try await api.get("/api/v1/tasks/\(subPending)")["status"] == "cancelled")
            #expect(try await api.get("/api/v1/plans/\(plan)")["status"] == "cancelled")
            #expect(try await api.get("/api/v1/tasks/\(running)")["status"] == "cancelled")
            #expect(try await api.get("/api/v1/tasks/\(pending)")["status"] == "cancelled")
            #expect(try await api.get("/api/v1/tasks/\(done)")["status"] == "completed", "finished work stays as it was")
            let late = try await api.post("/api/v1/tasks/\(running)/complete", ["agent_id": .string(worker)])
            #expect(late.status == 409 && late["code"] == "lease_lost")
            #expect(try await api.events("types=goal.expired", atLeast: 2).count == 2)
            // A goal without a time limit never expires; a goal already final is left alone.
            #expect(try await api.get("/api/v1/goals/\(open)")["status"] == "pending")
            let cancelled = try await api.id(.goal, ["goal_text": "c", "constraints": ["max_execution_time_sec": 1]])
            #expect(try await api.post("/api/v1/goals/\(cancelled)/cancel").status == 200)
            clock.advance(seconds: 2)
            #expect(try await api.store.expireGoals(limit: 100) == 0)
            #expect(try await api.get("/api/v1/goals/\(cancelled)")["status"] == "cancelled")
        }
    }
}
