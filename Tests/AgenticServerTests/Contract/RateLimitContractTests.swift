import AgenticCore
import AgenticStore
import Foundation
import Testing

/// Rate limits by task type (`/limits/rate/{task_type}`): claims take a token per task of a limited
/// type from the type's bucket, before their transaction, and put back what they did not use. On a
/// clock the test moves (a database of its own, as the clock is the store's).
@Suite("Contract: rate limits", .timeLimit(.minutes(3)))
struct RateLimitContractTests {
    /// What a claim got, as the number of tasks of each type (tasks made at one instant of the test's
    /// clock have no order among themselves).
    static func claim(_ api: TestAPI, _ worker: String, _ extra: JSONObject = [:]) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for task in try await WorkQueueContractTests.claim(api, worker, extra) { counts[task["task_type"]?.stringValue ?? "?", default: 0] += 1 }
        return counts
    }

    static func tokens(_ api: TestAPI, _ type: String = "llm") async throws -> Double? {
        try await api.get("/api/v1/limits/rate/\(type)")["tokens"]?.doubleValue
    }

    @Test("a bucket of 3 refilling at 1/s: claims take at most what it holds, other types pass, unused tokens come back", arguments: Backend.available)
    func pacing(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let s = try await WorkQueueContractTests.setup(api)
            let set = try await api.call(.put, "/api/v1/limits/rate/llm", json: ["per_second": 1, "burst": 3])
            #expect(set.status == 201 && set["tokens"]?.doubleValue == 3 && set["per_second"]?.doubleValue == 1, "\(set.text)")
            for index in 0..<6 {
                _ = try await api.id(.task, ["plan_id": .string(s.plan), "name": .string("llm\(index)"), "task_type": "llm", "priority": 9])
            }
            for index in 0..<3 { _ = try await api.id(.task, ["plan_id": .string(s.plan), "name": .string("other\(index)"), "task_type": "other"]) }

            // The bucket holds 3: a batch of 10 gets 3 of the type and the other work.
            #expect(try await Self.claim(api, s.worker, ["limit": 10]) == ["llm": 3, "other": 3])
            #expect(try await Self.tokens(api) == 0)
            #expect(try await Self.claim(api, s.worker, ["limit": 10]) == [:])
            // A second later it holds one more.
            clock.advance(seconds: 1)
            #expect(try await Self.claim(api, s.worker, ["limit": 10]) == ["llm": 1])
            // Refilling stops at the burst; what a claim took and did not hand out goes back.
            clock.advance(seconds: 60)
            #expect(try await Self.claim(api, s.worker, ["limit": 10]) == ["llm": 2])
            #expect(try await Self.tokens(api) == 1)
            clock.advance(seconds: 60)
            #expect(try await Self.claim(api, s.worker, ["limit": 10]) == [:], "nothing left to claim")
            #expect(try await Self.tokens(api) == 3, "a claim that found nothing keeps no token")
            // A claim for other types leaves the bucket alone.
            _ = try await api.id(.task, ["plan_id": .string(s.plan), "name": "llm6", "task_type": "llm"])
            _ = try await api.id(.task, ["plan_id": .string(s.plan), "name": "other3", "task_type": "other"])
            #expect(try await Self.claim(api, s.worker, ["task_types": ["other"]]) == ["other": 1])
            #expect(try await Self.tokens(api) == 3)

            // claim_next spends tokens too.
            let running = try #require(try await api.get("/api/v1/tasks?status=running&limit=1").items.first?["task_id"]?.stringValue)
            let next = try await api.post("/api/v1/tasks/\(running)/complete", ["agent_id": .string(s.worker), "claim_next": ["limit": 5]])
            #expect(next["next"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["llm6"], "\(next.text)")
            #expect(try await Self.tokens(api) == 2)

            // A changed limit keeps the bucket's tokens (at most the new burst); a removed one no longer paces.
            let changed = try await api.call(.put, "/api/v1/limits/rate/llm", json: ["per_second": 0.5, "burst": 1])
            #expect(changed.status == 200 && changed["tokens"]?.doubleValue == 1 && changed["burst"]?.doubleValue == 1)
            for index in 7..<10 { _ = try await api.id(.task, ["plan_id": .string(s.plan), "name": .string("llm\(index)"), "task_type": "llm"]) }
            #expect(try await Self.claim(api, s.worker, ["limit": 10]) == ["llm": 1])
            clock.advance(seconds: 1)
            #expect(try await Self.claim(api, s.worker, ["limit": 10]) == [:], "half a token is not a token")
            #expect(try await api.delete("/api/v1/limits/rate/llm").status == 204)
            #expect(try await Self.claim(api, s.worker, ["limit": 10]) == ["llm": 2])
            let events = try await api.events("types=rate_limit.", atLeast: 3).compactMap { $0["type"]?.stringValue }
            #expect(events == ["rate_limit.set", "rate_limit.set", "rate_limit.deleted"])
        }
    }

    @Test("managing rate limits: any key reads, only an admin sets or removes, bad values named, tenants apart", arguments: Backend.available)
    func management(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let created = try await api.call(.put, "/api/v1/limits/rate/embed", json: ["per_second": 2.5])
            #expect(created.status == 201 && created["burst"]?.doubleValue == 3, "burst defaults to a second's worth, rounded up")
            #expect(try await api.call(.put, "/api/v1/limits/rate/summarize", json: ["per_second": 0.2]).json["burst"]?.doubleValue == 1)
            let reader = api.with(key: try await api.makeKey(scope: .read))
            let writer = api.with(key: try await api.makeKey(scope: .write))
            let listed = try await reader.get("/api/v1/limits/rate")
            #expect(listed.items.compactMap { $0["task_type"]?.stringValue } == ["embed", "summarize"])
            #expect(try await reader.get("/api/v1/limits/rate/embed")["per_second"]?.doubleValue == 2.5)
            #expect(try await writer.call(.put, "/api/v1/limits/rate/embed", json: ["per_second": 100]).status == 403)
            #expect(try await writer.delete("/api/v1/limits/rate/embed").status == 403)
            #expect(try await api.get("/api/v1/limits/rate/embed")["per_second"]?.doubleValue == 2.5, "nothing changed")

            let bad: [(JSONValue, [String])] = [
                (["per_second": 0], ["per_second"]), (["per_second": -1], ["per_second"]), (["per_second": 1e300], ["per_second"]),
                (["per_second": "5"], ["per_second"]), (["per_second": .null], ["per_second"]), ([:], ["per_second"]),
                (["per_second": 1, "burst": 0.5], ["burst"]), (["per_second": 1, "burst": 2e6], ["burst"]),
                (["per_second": 1, "extra": 1], ["extra"]), ("fast", ["(body)"]),
            ]
            for (body, fields) in bad {
                let reply = try await api.call(.put, "/api/v1/limits/rate/embed", json: body)
                #expect(reply.status == 422 && Set(reply.errorFields) == Set(fields), "\(body): \(reply.text)")
            }
            #expect(try await api.call(.put, "/api/v1/limits/rate/two%20words", json: ["per_second": 1]).errorFields == ["task_type"])
            // The segment is percent-decoded, as any client may encode it: `llm%3Afast` is the type `llm:fast`.
            #expect(try await api.call(.put, "/api/v1/limits/rate/llm%3Afast", json: ["per_second": 1]).json["task_type"] == "llm:fast")
            #expect(try await api.get("/api/v1/limits/rate/llm:fast")["per_second"]?.doubleValue == 1)
            #expect(try await api.delete("/api/v1/limits/rate/llm%3afast").status == 204)
            #expect(try await api.get("/api/v1/limits/rate/%ZZ").errorFields == ["task_type"])
            #expect(try await api.get("/api/v1/limits/rate/unknown").status == 404)
            #expect(try await api.delete("/api/v1/limits/rate/unknown").status == 404)
            #expect(try await api.get("/api/v1/limits/rate?x=1").errorFields == ["x"])
            let other = api.with(key: try await api.makeKey(scope: .admin, tenant: TestApp.newTenant()))
            #expect(try await other.get("/api/v1/limits/rate").items.isEmpty)
            #expect(try await other.get("/api/v1/limits/rate/embed").status == 404)
        }
    }
}
