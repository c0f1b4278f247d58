import AgenticCore
import AgenticStore
import Foundation
import Testing

/// Delays, retry backoff and timeouts, on a clock the test moves by hand: `not_before` and
/// `delay_seconds` hold a task back, a retry policy spaces attempts, `timeout_seconds` ends an
/// attempt however often it heartbeats. The sweeps the server runs every half second
/// (`releaseDueTasks`, `expireLeases`) are called by the test once it has moved the clock. They
/// sweep every tenant, so each test has a database of its own (`isolated`).
@Suite("Contract: delays, backoff and timeouts", .timeLimit(.minutes(3)))
struct TimeRulesContractTests {
    typealias Setup = WorkQueueContractTests.Setup

    static func claim(_ api: TestAPI, _ s: Setup) async throws -> [String] {
        try await WorkQueueContractTests.claim(api, s.worker).compactMap { $0["task_id"]?.stringValue }
    }

    static func time(_ reply: Reply, _ field: String) -> Timestamp? {
        reply[field]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
    }

    @Test("not_before and delay_seconds hold a task back until their time; a PATCH moves or clears it", arguments: Backend.available)
    func delays(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let s = try await WorkQueueContractTests.setup(api)
            let start = clock.now()
            let later = try await api.post("/api/v1/tasks", ["plan_id": .string(s.plan), "not_before": .string(start.adding(seconds: 60).rfc3339)])
            #expect(later.status == 201 && Self.time(later, "not_before") == start.adding(seconds: 60))
            let delayed = try await api.post("/api/v1/tasks", ["plan_id": .string(s.plan), "delay_seconds": 30])
            #expect(delayed.status == 201 && Self.time(delayed, "not_before") == start.adding(seconds: 30), "\(delayed.text)")
            let delayedID = try #require(delayed["task_id"]?.stringValue)
            let laterID = try #require(later["task_id"]?.stringValue)

            // Neither is ready: not claimable, not counted, not released early.
            #expect(try await Self.claim(api, s) == [])
            #expect(try await api.get("/api/v1/stats")["ready_tasks"] == 0)
            clock.advance(seconds: 29)
            _ = try await api.store.releaseDueTasks(limit: 100)
            #expect(try await Self.claim(api, s) == [])

            // Its time comes: ready once the sweep has seen it, and only that one.
            clock.advance(seconds: 1)
            #expect(try await api.store.releaseDueTasks(limit: 100) >= 1)
            #expect(try await api.get("/api/v1/stats")["ready_tasks"] == 1)
            #expect(try await Self.claim(api, s) == [delayedID])

            // A PATCH that clears not_before lets the other go at once; one that sets a time ahead holds a task back.
            #expect(try await api.patch("/api/v1/tasks/\(laterID)", ["not_before": .null]).status == 200)
            let ready = try await api.id(.task, ["plan_id": .string(s.plan)])
            let moved = try await api.patch("/api/v1/tasks/\(ready)", ["not_before": .string(clock.now().adding(seconds: 3600).rfc3339)])
            #expect(moved.status == 200)
            #expect(try await Self.claim(api, s) == [laterID])
            #expect(try await Self.claim(api, s) == [])
            // A time already past holds nothing back.
            let past = try await api.post(
                "/api/v1/tasks", ["plan_id": .string(s.plan), "not_before": .string(clock.now().adding(seconds: -5).rfc3339)])
            #expect(try await Self.claim(api, s) == [try #require(past["task_id"]?.stringValue)])

            // A delayed dependent waits for both its dependency and its time.
            let first = try await api.id(.task, ["plan_id": .string(s.plan), "name": "first"])
            let second = try await api.id(.task, ["plan_id": .string(s.plan), "depends_on": [.string(first)], "delay_seconds": 10])
            #expect(try await Self.claim(api, s) == [first])
            #expect(try await api.post("/api/v1/tasks/\(first)/complete", ["agent_id": .string(s.worker)]).status == 200)
            #expect(try await Self.claim(api, s) == [])
            clock.advance(seconds: 10)
            _ = try await api.store.releaseDueTasks(limit: 100)
            #expect(try await Self.claim(api, s) == [second])

            // A plan created with delayed tasks holds them back the same way.
            let plan = try await api.post("/api/v1/plans", [
                "goal_id": .string(s.goal), "tasks": [["ref": "a", "delay_seconds": 5], ["ref": "b", "depends_on_refs": ["a"]]],
            ])
            #expect(plan.status == 201, "\(plan.text)")
            #expect(try await Self.claim(api, s) == [])
            clock.advance(seconds: 5)
            _ = try await api.store.releaseDueTasks(limit: 100)
            #expect(try await Self.claim(api, s).count == 1)

            // Bad values name their field; both forms at once is refused.
            for (body, fields) in [
                (["delay_seconds": 5, "not_before": .string(start.rfc3339)] as JSONObject, ["delay_seconds"]),
                (["delay_seconds": -1], ["delay_seconds"]),
                (["delay_seconds": 31_536_001], ["delay_seconds"]),
                (["delay_seconds": 9_223_372_036_854_775_807], ["delay_seconds"]),
                (["delay_seconds": 1e-300], ["delay_seconds"]),
                (["delay_seconds": "5"], ["delay_seconds"]),
                (["not_before": "0000-01-01T00:00:00Z"], ["not_before"]),
                (["not_before": "10000-01-01T00:00:00Z"], ["not_before"]),
                (["not_before": "tomorrow"], ["not_before"]),
            ] {
                var full = body
                full["plan_id"] = .string(s.plan)
                let reply = try await api.post("/api/v1/tasks", .object(full))
                #expect(reply.status == 422 && reply.errorFields == fields, "\(body): \(reply.text)")
            }
            #expect(try await api.patch("/api/v1/tasks/\(ready)", ["delay_seconds": 5]).errorFields == ["delay_seconds"])
        }
    }

    @Test("a retry policy spaces attempts, capped, after a failure and after an expired lease; no policy retries at once", arguments: Backend.available)
    func backoff(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let s = try await WorkQueueContractTests.setup(api)
            let policy: JSONValue = ["initial_seconds": 10, "multiplier": 3, "max_seconds": 50, "jitter": false]
            let task = try await api.id(.task, ["plan_id": .string(s.plan), "max_attempts": 5, "retry_policy": policy])
            let stored = try await api.get("/api/v1/tasks/\(task)")["retry_policy"]
            #expect(stored?["initial_seconds"]?.doubleValue == 10 && stored?["multiplier"]?.doubleValue == 3)
            #expect(stored?["max_seconds"]?.doubleValue == 50 && stored?["jitter"] == false)

            // After attempt n the wait is 10 × 3^(n-1), at most 50: 10, 30, 50.
            for (attempt, wait) in [(1, 10.0), (2, 30.0), (3, 50.0)] {
                #expect(try await Self.claim(api, s) == [task], "attempt \(attempt)")
                let failed = try await api.post("/api/v1/tasks/\(task)/fail", ["agent_id": .string(s.worker), "error": "flaky"])
                #expect(failed["status"] == "pending" && Self.time(failed, "not_before") == clock.now().adding(seconds: wait), "\(failed.text)")
                // The event says when the next attempt may start.
                let retried = try await api.get("/api/v1/tasks/\(task)/events").items.last
                #expect(retried?["type"] == "task.retried" && retried?["data"]?["not_before"] == failed["not_before"])
                clock.advance(seconds: wait - 1)
                _ = try await api.store.releaseDueTasks(limit: 100)
                #expect(try await Self.claim(api, s) == [])
                clock.advance(seconds: 1)
                _ = try await api.store.releaseDueTasks(limit: 100)
            }

            // An expired lease backs off too (attempt 4: capped at 50).
            #expect(try await Self.claim(api, s) == [task])
            clock.advance(seconds: 301)
            #expect(try await api.store.expireLeases(limit: 100) == 1)
            let expired = try await api.get("/api/v1/tasks/\(task)")
            #expect(expired["status"] == "pending" && Self.time(expired, "not_before") == clock.now().adding(seconds: 50))
            #expect(try await Self.claim(api, s) == [])

            // With jitter the wait is between half and all of it.
            let jittery = try await api.id(.task, ["plan_id": .string(s.plan), "retry_policy": ["initial_seconds": 100]])
            #expect(try await Self.claim(api, s) == [jittery])
            let failed = try await api.post("/api/v1/tasks/\(jittery)/fail", ["agent_id": .string(s.worker), "error": "x"])
            let wait = try #require(Self.time(failed, "not_before")).microseconds - clock.now().microseconds
            #expect((50_000_000...100_000_000).contains(wait), "\(wait)")

            // Without a policy a retry is ready at once.
            let plain = try await api.id(.task, ["plan_id": .string(s.plan)])
            #expect(try await Self.claim(api, s) == [plain])
            let again = try await api.post("/api/v1/tasks/\(plain)/fail", ["agent_id": .string(s.worker), "error": "x"])
            #expect(again["status"] == "pending" && again["not_before"] == .null)
            #expect(try await Self.claim(api, s) == [plain])

            // Bad policies name the member.
            for (policy, field) in [
                (["initial_seconds": -1] as JSONValue, "retry_policy.initial_seconds"),
                (["multiplier": 1e300], "retry_policy.multiplier"),
                (["multiplier": 0.5], "retry_policy.multiplier"),
                (["max_seconds": 86_401], "retry_policy.max_seconds"),
                (["jitter": "yes"], "retry_policy.jitter"),
                (["backoff": 1], "retry_policy.backoff"),
                ("fast", "retry_policy"),
            ] {
                let reply = try await api.post("/api/v1/tasks", ["plan_id": .string(s.plan), "retry_policy": policy])
                #expect(reply.status == 422 && reply.errorFields == [field], "\(policy): \(reply.text)")
            }
        }
    }

    @Test("timeout_seconds ends an attempt: leases and heartbeats stop at it, then task.timed_out", arguments: Backend.available)
    func timeouts(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let s = try await WorkQueueContractTests.setup(api)
            let task = try await api.id(.task, ["plan_id": .string(s.plan), "timeout_seconds": 30, "max_attempts": 2])
            let claimed = try await WorkQueueContractTests.claim(api, s.worker, ["lease_seconds": 600])
            let started = try #require(claimed.first?["started_at"]?.stringValue.flatMap { Timestamp(rfc3339: $0) })
            #expect(claimed.first?["lease_expires_at"]?.stringValue.flatMap { Timestamp(rfc3339: $0) } == started.adding(seconds: 30))

            // A heartbeat cannot reach past the deadline.
            clock.advance(seconds: 20)
            let beat = try await api.post("/api/v1/tasks/\(task)/heartbeat", ["agent_id": .string(s.worker), "lease_seconds": 600])
            #expect(Self.time(beat, "lease_expires_at") == started.adding(seconds: 30), "\(beat.text)")
            clock.advance(seconds: 10)
            #expect(try await api.store.expireLeases(limit: 100) == 1)
            let events = try await api.get("/api/v1/tasks/\(task)/events").items.compactMap { $0["type"]?.stringValue }
            #expect(events.last == "task.timed_out")
            #expect(try await api.get("/api/v1/tasks/\(task)")["status"] == "pending")

            // The last attempt times out into failed, saying why.
            #expect(try await Self.claim(api, s) == [task])
            clock.advance(seconds: 30)
            #expect(try await api.store.expireLeases(limit: 100) == 1)
            let failed = try await api.get("/api/v1/tasks/\(task)")
            #expect(failed["status"] == "failed" && failed["error"]?["reason"] == "timed_out")

            // A lease that lapses before the deadline is a lost worker, not a timeout.
            let fresh = try await WorkQueueContractTests.setup(api)
            let other = try await api.id(.task, ["plan_id": .string(fresh.plan), "timeout_seconds": 300])
            _ = try await WorkQueueContractTests.claim(api, s.worker, ["lease_seconds": 10])
            clock.advance(seconds: 11)
            #expect(try await api.store.expireLeases(limit: 100) == 1)
            let lapsed = try await api.get("/api/v1/tasks/\(other)/events").items.compactMap { $0["type"]?.stringValue }
            #expect(lapsed.last == "task.lease_expired")
        }
    }
}
