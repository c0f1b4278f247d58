import AgenticCore
import Foundation
import HTTPTypes
import Testing

@Suite("Contract: progress, a task's history, client events", .timeLimit(.minutes(3)))
struct ProgressContractTests {
    /// A running task of a new plan and the worker holding its lease.
    static func runningTask(_ api: TestAPI, _ extra: JSONObject = [:]) async throws -> (task: String, worker: String) {
        let worker = try await api.id(.agent, ["name": "worker"])
        let goal = try await api.id(.goal, ["goal_text": "g"])
        let plan = try await api.id(.plan, ["goal_id": .string(goal)])
        var body: JSONObject = ["plan_id": .string(plan), "name": "step"]
        for (key, value) in extra { body[key] = value }
        let task = try await api.id(.task, .object(body))
        let claimed = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan)]).items
        #expect(claimed.first?["task_id"]?.stringValue == task)
        return (task, worker)
    }

    @Test("the lease holder's progress is an event and nothing else: no new version, no new ETag", arguments: Backend.available)
    func progress(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let (task, worker) = try await Self.runningTask(api)
            let before = try await api.get("/api/v1/tasks/\(task)")
            let reply = try await api.post(
                "/api/v1/tasks/\(task)/progress",
                ["agent_id": .string(worker), "message": "read 3 of 10 pages", "percent": 30, "data": ["tokens": 1200]])
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply["type"] == "task.progress" && reply["resource_id"]?.stringValue == task)
            #expect(reply["data"] == ["task_id": .string(task), "agent_id": .string(worker), "message": "read 3 of 10 pages", "percent": 30, "data": ["tokens": 1200]])
            let after = try await api.get("/api/v1/tasks/\(task)")
            #expect(after.header("ETag") == before.header("ETag") && after.json == before.json)
            // Only the agent_id is required.
            #expect(try await api.post("/api/v1/tasks/\(task)/progress", ["agent_id": .string(worker)]).status == 201)

            // The log and the stream carry it.
            let logged = try await api.events("types=task.progress", atLeast: 2)
            #expect(logged.first?["event_id"] == reply["event_id"])
            let byResource = try await api.get("/api/v1/events?resource_id=\(task)&types=task.progress")
            #expect(byResource.items.count == 2)

            // Not the holder, or no longer running: 409 lease_lost, nothing appended.
            let stranger = try await api.id(.agent, ["name": "stranger"])
            let lost = try await api.post("/api/v1/tasks/\(task)/progress", ["agent_id": .string(stranger), "message": "mine?"])
            #expect(lost.status == 409 && lost.code == "lease_lost", "\(lost.text)")
            #expect(try await api.post("/api/v1/tasks/\(task)/complete", ["agent_id": .string(worker)]).status == 200)
            let late = try await api.post("/api/v1/tasks/\(task)/progress", ["agent_id": .string(worker)])
            #expect(late.status == 409 && late.code == "lease_lost")
            #expect(try await api.post("/api/v1/tasks/\(UUID().uuidString)/progress", ["agent_id": .string(worker)]).status == 404)

            // Bad bodies name the field.
            for (body, fields) in [
                (["agent_id": .string(worker), "percent": 100.5] as JSONValue, ["percent"]),
                (["agent_id": .string(worker), "percent": "half"], ["percent"]),
                (["message": "who?"], ["agent_id"]),
                (["agent_id": .string(worker), "data": [1, 2], "colour": "red"], ["colour", "data"]),
            ] {
                let bad = try await api.post("/api/v1/tasks/\(task)/progress", body)
                #expect(bad.status == 422 && bad.errorFields.sorted() == fields, "\(bad.text)")
            }
            #expect(try await api.get("/api/v1/events?resource_id=\(task)&types=task.progress").items.count == 2)
        }
    }

    @Test("at most 20 progress reports per task in any second (a sliding window on the store's clock): more are 429 with Retry-After; a stranger's refused reports use none of it", arguments: Backend.available)
    func progressRateLimit(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let (task, worker) = try await Self.runningTask(api)
            let (other, otherWorker) = try await Self.runningTask(api)
            func report(_ id: String = task, by agent: String = worker) async throws -> Reply {
                try await api.post("/api/v1/tasks/\(id)/progress", ["agent_id": .string(agent)])
            }
            // Reports of an agent without the lease are refused before they are counted.
            let stranger = try await api.id(.agent, ["name": "stranger"])
            for _ in 0..<25 { #expect(try await report(by: stranger).code == "lease_lost") }

            var accepted = 0
            for n in 0..<20 {
                let reply = try await report()
                #expect(reply.status == 201, "report \(n): \(reply.text)")
                accepted += 1
            }
            let refused = try await report()
            #expect(refused.status == 429 && refused.code == "rate_limited" && refused.header("Retry-After") == "1", "\(refused.text)")
            // Another task has its own allowance.
            #expect(try await report(other, by: otherWorker).status == 201)
            // Half a second on, the twenty are still in the window.
            clock.advance(seconds: 0.5)
            #expect(try await report().status == 429)
            // A second after them they have left it; the window slides, so 20 more fill it again.
            clock.advance(seconds: 0.5)
            for _ in 0..<20 {
                #expect(try await report().status == 201)
                accepted += 1
            }
            clock.advance(seconds: 0.999)
            #expect(try await report().status == 429)
            clock.advance(seconds: 0.001)
            #expect(try await report().status == 201)
            accepted += 1

            let logged = try await api.events("types=task.progress&resource_id=\(task)", atLeast: accepted)
            #expect(logged.count == accepted, "every 201 is in the log, no 429 is")
        }
    }

    @Test("a task's history: every event about it, oldest first, through a failure, a retry and completion", arguments: Backend.available)
    func history(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let (task, worker) = try await Self.runningTask(api, ["max_attempts": 2])
            #expect(try await api.post("/api/v1/tasks/\(task)/progress", ["agent_id": .string(worker), "message": "trying"]).status == 201)
            #expect(try await api.post("/api/v1/tasks/\(task)/fail", ["agent_id": .string(worker), "error": "flaky"])["status"] == "pending")
            #expect(try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker)]).items.first?["task_id"]?.stringValue == task)
            #expect(try await api.post("/api/v1/tasks/\(task)/heartbeat", ["agent_id": .string(worker)]).status == 200)
            #expect(try await api.post("/api/v1/tasks/\(task)/progress", ["agent_id": .string(worker), "percent": 50]).status == 201)
            let note = try await api.post("/api/v1/events", ["type": "x.reviewed", "resource_id": .string(task), "data": ["ok": true]])
            #expect(note.status == 201)
            #expect(try await api.post("/api/v1/tasks/\(task)/complete", ["agent_id": .string(worker), "outputs": ["answer": 42]]).status == 200)

            let expected = [
                "task.created", "task.claimed", "task.progress", "task.retried", "task.claimed", "task.heartbeat", "task.progress",
                "x.reviewed", "task.completed",
            ]
            let history = try await api.get("/api/v1/tasks/\(task)/events")
            #expect(history.status == 200)
            #expect(history.items.compactMap { $0["type"]?.stringValue } == expected)
            let ids = history.items.compactMap { $0["event_id"]?.intValue }
            #expect(ids == ids.sorted() && history["next_after"]?.intValue == ids.last)
            #expect(history.items.last?["data"]?["outputs"] == ["answer": 42])

            // Paged: the pages put together are the whole.
            var paged: [JSONValue] = []
            var after: Int64 = 0
            while true {
                let page = try await api.get("/api/v1/tasks/\(task)/events?after=\(after)&limit=4")
                if page.items.isEmpty { break }
                paged += page.items
                after = try #require(page["next_after"]?.intValue)
            }
            #expect(paged == history.items)

            let bad = try await api.get("/api/v1/tasks/\(task)/events?limit=0&types=task.")
            #expect(bad.status == 422 && Set(bad.errorFields) == ["limit", "types"])

            // The history goes with the task (a 404 like the task); the log keeps its events.
            #expect(try await api.delete("/api/v1/tasks/\(task)").status == 204)
            #expect(try await api.get("/api/v1/tasks/\(task)/events").status == 404)
            // (On PostgreSQL the delete's event shows once older transactions of other tests end.)
            let onTheLog = try await api.events("resource_id=\(task)", atLeast: expected.count + 1).compactMap { $0["type"]?.stringValue }
            #expect(onTheLog == expected + ["task.deleted"])
            #expect(try await api.get("/api/v1/tasks/\(UUID().uuidString)/events").status == 404)
        }
    }

    @Test("client events: x.-typed, the key as actor, filtered by resource on the log and the stream", arguments: Backend.available)
    func clientEvents(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let keys = try await api.get("/api/v1/keys").items
            let actor = try #require(keys.first { $0["name"] == "test-admin" }?["key_id"]?.stringValue)
            let agent = try await api.id(.agent, ["name": "a"])
            let reply = try await api.post(
                "/api/v1/events", ["type": "x.deploy.started", "resource_id": .string(agent), "data": ["version": "1.2"]])
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply["type"] == "x.deploy.started" && reply["actor"]?.stringValue == actor && reply["data"] == ["version": "1.2"])
            let loose = try await api.post("/api/v1/events", ["type": "x.note", "data": [:]])
            #expect(loose.status == 201 && loose["resource_id"] == .null)

            for (body, fields) in [
                (["type": "task.completed", "data": [:]] as JSONValue, ["type"]),
                (["type": "x.", "data": [:]], ["type"]),
                (["type": "x.has space", "data": [:]], ["type"]),
                (["type": "x.ok"], ["data"]),
                (["type": "x.ok", "data": "text", "resource_id": "nope", "actor": "me"], ["actor", "data", "resource_id"]),
                ([:], ["data", "type"]),
            ] {
                let bad = try await api.post("/api/v1/events", body)
                #expect(bad.status == 422 && bad.errorFields.sorted() == fields, "\(bad.text)")
            }
            // A read key may read, not append.
            let reader = api.with(key: try await api.makeKey(scope: .read))
            #expect(try await reader.post("/api/v1/events", ["type": "x.no", "data": [:]]).status == 403)

            // resource_id narrows the log to one resource.
            _ = try await api.patch("/api/v1/agents/\(agent)", ["status": "active"])
            let about = try await api.events("resource_id=\(agent)", atLeast: 3)
            #expect(about.compactMap { $0["type"]?.stringValue } == ["agent.created", "x.deploy.started", "agent.updated"])
            let custom = try await api.get("/api/v1/events?types=x.&resource_id=\(agent)")
            #expect(custom.items.compactMap { $0["type"]?.stringValue } == ["x.deploy.started"])
            #expect(try await api.get("/api/v1/events?resource_id=agent-1").errorFields == ["resource_id"])
        }
    }

    @Test("the stream follows one resource with resource_id", arguments: Backend.available)
    func streamByResource(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let (task, worker) = try await Self.runningTask(api)
            let other = try await api.id(.agent, ["name": "other"])
            _ = try await api.post("/api/v1/events", ["type": "x.elsewhere", "resource_id": .string(other), "data": [:]])
            for n in 0..<3 {
                #expect(try await api.post("/api/v1/tasks/\(task)/progress", ["agent_id": .string(worker), "percent": .int(Int64(n * 10))]).status == 201)
            }
            let key = try #require(api.key)
            let url = "http://127.0.0.1:\(try #require(api.client.port))/api/v1/events/stream?resource_id=\(task)"
            let reader = EventStreamReader(url: url, key: key)
            try await reader.wait { $0.count >= 5 }
            await reader.stop()
            let events = reader.events
            #expect(events.map(\.type) == ["task.created", "task.claimed", "task.progress", "task.progress", "task.progress"])
            #expect(events.compactMap { $0.data["data"]?["percent"]?.intValue } == [0, 10, 20])
            #expect(events.allSatisfy { $0.data["resource_id"]?.stringValue == task })
            let bad = try await api.get("/api/v1/events/stream?resource_id=\(worker)x")
            #expect(bad.status == 422 && bad.errorFields == ["resource_id"])
        }
    }
}
