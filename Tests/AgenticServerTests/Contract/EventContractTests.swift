import AgenticCore
import AgenticServer
import Foundation
import HTTPTypes
import Testing

@Suite("Contract: the event log", .timeLimit(.minutes(3)))
struct EventContractTests {
    static func keyID(_ api: TestAPI) async throws -> String {
        let keys = try await api.get("/api/v1/keys").items
        return try #require(keys.first { $0["name"] == "test-admin" }?["key_id"]?.stringValue)
    }

    @Test("every change appends one event with the resource after it and the actor; failed writes append none", arguments: Backend.available)
    func outbox(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let actor = try await Self.keyID(api)
            let agent = try await api.create(.agent, ["name": "a"])
            let id = try #require(agent["agent_id"]?.stringValue)
            let patched = try await api.patch("/api/v1/agents/\(id)", ["status": "active"])
            #expect(try await api.patch("/api/v1/agents/\(id)", ["status": "idle"], headers: [.ifMatch: "\"1\""]).status == 412)
            #expect(try await api.post("/api/v1/agents", ["name": ""]).status == 422)
            #expect(try await api.patch("/api/v1/agents/\(id)", ["status": "active"]).status == 200, "a no-op")
            #expect(try await api.delete("/api/v1/agents/\(id)").status == 204)

            let events = try await api.events(atLeast: 3)
            #expect(events.compactMap { $0["type"]?.stringValue } == ["agent.created", "agent.updated", "agent.deleted"])
            #expect(events.allSatisfy { $0["actor"]?.stringValue == actor && $0["resource_id"]?.stringValue == id })
            #expect(events[0]["data"] == agent && events[1]["data"] == patched.json)
            let ids = events.compactMap { $0["event_id"]?.intValue }
            #expect(ids == ids.sorted() && Set(ids).count == 3)
        }
    }

    @Test("after, limit and next_after page through the log; types filter exactly or by prefix", arguments: Backend.available)
    func paging(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            for n in 0..<5 { _ = try await api.id(.agent, ["name": .string("a\(n)")]) }
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            _ = try await api.id(.task, ["plan_id": .string(plan)])
            let all = try await api.events(atLeast: 8)
            #expect(all.count == 8)

            var seen: [JSONValue] = []
            var after: Int64 = 0
            while true {
                let page = try await api.get("/api/v1/events?after=\(after)&limit=3")
                if page.items.isEmpty {
                    #expect(page["next_after"]?.intValue == after, "an empty page keeps the cursor")
                    break
                }
                seen += page.items
                after = try #require(page["next_after"]?.intValue)
                #expect(after == page.items.last?["event_id"]?.intValue)
            }
            #expect(seen == all)
            #expect(try await api.get("/api/v1/events?types=agent.created").items.count == 5)
            let mixed = try await api.get("/api/v1/events?types=goal.,plan.created").items.compactMap { $0["type"]?.stringValue }
            #expect(mixed == ["goal.created", "plan.created"])
            #expect(try await api.get("/api/v1/events?types=task.").items.count == 1)
            #expect(try await api.get("/api/v1/events?types=agent").items.isEmpty, "without a dot a type is exact")
        }
    }

    @Test("bad parameters are 422 naming them", arguments: Backend.available)
    func badParameters(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let cases: [(String, [String])] = [
                ("/api/v1/events?after=-1", ["after"]), ("/api/v1/events?limit=0", ["limit"]), ("/api/v1/events?limit=1001", ["limit"]),
                ("/api/v1/events?wait=31", ["wait"]), ("/api/v1/events?types=", ["types"]), ("/api/v1/events?types=task.,,x", ["types"]),
                ("/api/v1/events?since=1", ["since"]), ("/api/v1/events/stream?after=x", ["after"]),
            ]
            for (path, fields) in cases {
                let reply = try await api.get(path)
                #expect(reply.status == 422 && reply.errorFields == fields, "\(path): \(reply.text)")
            }
            let badResume = try await api.get("/api/v1/events/stream", headers: [HTTPField.Name("Last-Event-ID")!: "yesterday"])
            #expect(badResume.status == 422 && badResume.errorFields == ["Last-Event-ID"])
        }
    }

    @Test("wait long-polls until an event arrives", arguments: Backend.available)
    func longPoll(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let start = try await api.get("/api/v1/events")["next_after"]?.intValue ?? 0
            let base = "http://127.0.0.1:\(try #require(api.client.port))"
            let key = try #require(api.key)
            // The long-poll and the write need connections of their own.
            let waiting = Task { try await LiveHTTP.call(.get, base + "/api/v1/events?after=\(start)&wait=20&types=agent.", key: key) }
            try await Task.sleep(for: .milliseconds(300))
            let id = try #require(try await LiveHTTP.call(.post, base + "/api/v1/agents", key: key, json: ["name": "wake"])["agent_id"]?.stringValue)
            let reply = try await waiting.value
            #expect(reply.items.map { $0["resource_id"]?.stringValue } == [id])
            let quiet = try await api.get("/api/v1/events?after=\(Int64.max - 1)&wait=1")
            #expect(quiet.status == 200 && quiet.items.isEmpty, "a wait with nothing new ends empty")
        }
    }

    @Test("events older than the retention are pruned, newer ones kept", arguments: Backend.available)
    func retention(backend: Backend) async throws {
        // Pruning spans tenants, so on PostgreSQL this test gets a database of its own.
        try await TestApp.withAPI(backend, isolated: true) { api in
            _ = try await api.id(.agent, ["name": "old"])
            try await Task.sleep(for: .milliseconds(20))
            let cutoff = Timestamp.now()
            try await Task.sleep(for: .milliseconds(20))
            let fresh = try await api.id(.agent, ["name": "new"])
            #expect(try await api.store.pruneEvents(before: cutoff) >= 1)
            let left = try await api.events(atLeast: 1)
            #expect(left.map { $0["resource_id"]?.stringValue } == [fresh])
        }
    }

    @Test("a stream that disconnects and resumes with Last-Event-ID misses nothing and repeats nothing", arguments: Backend.available)
    func streamResume(backend: Backend) async throws {
        var configuration = ServerConfiguration()
        configuration.streamKeepAlive = .milliseconds(300)
        try await TestApp.withLiveAPI(backend, configuration: configuration) { api in
            let key = try #require(api.key)
            let url = "http://127.0.0.1:\(try #require(api.client.port))/api/v1/events/stream"
            let first = EventStreamReader(url: url, key: key)
            for n in 0..<5 { _ = try await api.id(.agent, ["name": .string("before-\(n)")]) }
            try await first.wait { $0.count >= 5 }
            await first.stop()
            let seen = first.events
            #expect(first.status == 200)

            // Changes made while no one is listening.
            let writer = Task {
                for n in 0..<20 { _ = try await api.id(.agent, ["name": .string("gap-\(n)")]) }
            }
            let resumed = EventStreamReader(url: url, key: key, lastEventID: seen.last?.id)
            try await writer.value
            try await resumed.wait { seen.count + $0.count >= 25 }
            try await resumed.wait(timeout: .seconds(5)) { _ in !resumed.comments.isEmpty }
            await resumed.stop()

            let streamed = seen + resumed.events
            let logged = try await api.events(atLeast: 25)
            #expect(streamed.map(\.id) == logged.compactMap { $0["event_id"]?.intValue }, "no gap, no repeat, in order")
            #expect(streamed.map(\.type) == logged.compactMap { $0["type"]?.stringValue })
            #expect(streamed.last?.data == logged.last, "each message is the event as the list shows it")
            #expect(resumed.comments.contains("keep-alive"), "a quiet stream sends a comment line")
        }
    }
}
