import AgenticCore
import AgenticStore
import Foundation
import Testing

/// `schedule_to_start_seconds`: a due task nobody claimed in time fails with `task.expired`. The
/// sweep (`expireUnstartedTasks`) is called by the test after moving its clock; each test has a
/// database of its own, because the sweep covers every tenant.
@Suite("Contract: schedule-to-start timeouts", .timeLimit(.minutes(3)))
struct ScheduleToStartContractTests {
    static func time(_ value: JSONValue?) -> Timestamp? { value?.stringValue.flatMap { Timestamp(rfc3339: $0) } }

    @Test("a due task unclaimed for schedule_to_start_seconds fails with task.expired and skips its dependents; a claim in time escapes", arguments: Backend.available)
    func expiry(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let start = clock.now()
            let worker = try await api.id(.agent, ["name": "worker"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let waiting = try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "name": "waiting", "schedule_to_start_seconds": 30])
            #expect(waiting.status == 201 && waiting["schedule_to_start_seconds"] == 30 && Self.time(waiting["ready_at"]) == start)
            let lonely = try #require(waiting["task_id"]?.stringValue)
            let dependent = try await api.id(.task, ["plan_id": .string(plan), "name": "after", "depends_on": [.string(lonely)]])
            let claimedInTime = try await api.id(.task, ["plan_id": .string(plan), "name": "claimed", "schedule_to_start_seconds": 30, "priority": 9])
            let unbounded = try await api.id(.task, ["plan_id": .string(plan), "name": "patient"])

            clock.advance(seconds: 29)
            #expect(try await api.store.expireUnstartedTasks(limit: 100) == 0, "not yet")
            let claimed = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker)]).items
            #expect(claimed.first?["task_id"]?.stringValue == claimedInTime)
            clock.advance(seconds: 1)
            #expect(try await api.store.expireUnstartedTasks(limit: 100) == 1, "only the unclaimed one with a bound")

            let expired = try await api.get("/api/v1/tasks/\(lonely)")
            #expect(expired["status"] == "failed" && expired["error"]?["reason"] == "schedule_to_start_timeout", "\(expired.text)")
            #expect(expired["attempts"] == 0)
            #expect(try await api.get("/api/v1/tasks/\(dependent)")["status"] == "skipped")
            #expect(try await api.get("/api/v1/tasks/\(claimedInTime)")["status"] == "running")
            #expect(try await api.get("/api/v1/tasks/\(unbounded)")["status"] == "pending")
            let events = try await api.events("types=task.expired", atLeast: 1)
            #expect(events.count == 1 && events.first?["resource_id"]?.stringValue == lonely && events.first?["actor"] == "system")
            #expect(try await api.store.expireUnstartedTasks(limit: 100) == 0, "once")

            // Bad values name the field.
            for bad in [0, -1, 31_536_001] as [Int64] {
                let reply = try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "schedule_to_start_seconds": .int(bad)])
                #expect(reply.status == 422 && reply.errorFields == ["schedule_to_start_seconds"])
            }
            #expect(try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "ready_at": .string(start.rfc3339)]).errorFields == ["ready_at"])
        }
    }

    @Test("the wait starts when the task is due: its last dependency completed, its not_before passed, or it came back to the queue", arguments: Backend.available)
    func clockStartsWhenDue(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let worker = try await api.id(.agent, ["name": "worker"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let first = try await api.id(.task, ["plan_id": .string(plan), "name": "first", "priority": 9])
            let second = try await api.id(.task, ["plan_id": .string(plan), "name": "second", "depends_on": [.string(first)], "schedule_to_start_seconds": 10])
            let delayed = try await api.id(.task, ["plan_id": .string(plan), "name": "delayed", "delay_seconds": 100, "schedule_to_start_seconds": 10])
            let retried = try await api.id(.task, ["plan_id": .string(plan), "name": "retried", "schedule_to_start_seconds": 10, "priority": 8, "max_attempts": 2])

            // Waiting on a dependency does not count.
            clock.advance(seconds: 50)
            _ = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "limit": 2])
            #expect(try await api.get("/api/v1/tasks/\(retried)")["status"] == "running")
            let completed = try await api.post("/api/v1/tasks/\(first)/complete", ["agent_id": .string(worker)])
            #expect(completed.status == 200)
            let due = clock.now()
            #expect(Self.time(try await api.get("/api/v1/tasks/\(second)")["ready_at"]) == due)
            // A failed attempt puts the task back in the queue, and its wait starts again.
            clock.advance(seconds: 5)
            let back = try await api.post("/api/v1/tasks/\(retried)/fail", ["agent_id": .string(worker), "retryable": true])
            #expect(back["status"] == "pending" && Self.time(back["ready_at"]) == clock.now())
            clock.advance(seconds: 5)
            #expect(try await api.store.expireUnstartedTasks(limit: 100) == 1)
            #expect(try await api.get("/api/v1/tasks/\(second)")["status"] == "failed", "10 s after its dependency completed")
            #expect(try await api.get("/api/v1/tasks/\(retried)")["status"] == "pending", "5 s after it came back")
            #expect(try await api.get("/api/v1/tasks/\(delayed)")["status"] == "pending", "not due before not_before")

            // The delayed task is due at its not_before (100 s after creation) and has 10 s from then.
            clock.advance(seconds: 49)
            #expect(try await api.store.expireUnstartedTasks(limit: 100) == 1, "the retried one, 10 s after it came back")
            #expect(try await api.get("/api/v1/tasks/\(delayed)")["status"] == "pending")
            clock.advance(seconds: 1)
            _ = try await api.store.releaseDueTasks(limit: 100)
            #expect(try await api.store.expireUnstartedTasks(limit: 100) == 1)
            let late = try await api.get("/api/v1/tasks/\(delayed)")
            #expect(late["status"] == "failed" && late["error"]?["reason"] == "schedule_to_start_timeout")
        }
    }
}
