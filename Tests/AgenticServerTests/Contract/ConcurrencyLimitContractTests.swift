import AgenticCore
import HTTPTypes
import Foundation
import Testing

/// Concurrency limits: at most `max_running` tasks of one `concurrency_key` run at once; claims
/// skip the rest and take other work.
@Suite("Contract: concurrency limits")
struct ConcurrencyLimitContractTests {
    @Test("a limit caps a key's running tasks across claims and batches; a finished task frees its slot", arguments: Backend.available)
    func capsClaims(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let s = try await WorkQueueContractTests.setup(api)
            let set = try await api.call(.put, "/api/v1/limits/concurrency/model-a", json: ["max_running": 2])
            #expect(set.status == 201 && set["key"] == "model-a" && set["max_running"] == 2 && set["running"] == 0, "\(set.text)")
            var keyed: [String] = []
            for i in 0..<5 { keyed.append(try await api.id(.task, ["plan_id": .string(s.plan), "name": .string("k\(i)"), "concurrency_key": "model-a", "priority": 9])) }
            let other = try await api.id(.task, ["plan_id": .string(s.plan), "name": "other", "concurrency_key": "model-b", "priority": 1])
            let plain = try await api.id(.task, ["plan_id": .string(s.plan), "name": "plain", "priority": 1])

            // One at a time: two of the key, then — with three more of it at the head of the queue —
            // the other work, never nothing.
            var first: [String] = []
            for _ in 0..<4 {
                first += try await WorkQueueContractTests.claim(api, s.worker, ["limit": 1]).compactMap { $0["task_id"]?.stringValue }
            }
            #expect(first.count == 4 && Array(first.prefix(2)).allSatisfy { keyed.contains($0) }, "\(first)")
            #expect(Set(first.suffix(2)) == [other, plain], "\(first)")
            #expect(try await api.get("/api/v1/limits/concurrency/model-a")["running"] == 2)
            #expect(try await WorkQueueContractTests.claim(api, s.worker, ["limit": 10]).isEmpty, "the key is full")

            // A finished task frees its slot — for exactly one more.
            let done = try #require(first.first { keyed.contains($0) })
            #expect(try await api.post("/api/v1/tasks/\(done)/complete", ["agent_id": .string(s.worker)]).status == 200)
            #expect(try await WorkQueueContractTests.claim(api, s.worker, ["limit": 10]).count == 1)
            // Raising the limit lets more run; removing it lifts it.
            #expect(try await api.call(.put, "/api/v1/limits/concurrency/model-a", json: ["max_running": 3]).status == 200)
            #expect(try await WorkQueueContractTests.claim(api, s.worker, ["limit": 10]).count == 1)
            #expect(try await api.delete("/api/v1/limits/concurrency/model-a").status == 204)
            #expect(try await WorkQueueContractTests.claim(api, s.worker, ["limit": 10]).count == 1)
            #expect(try await api.get("/api/v1/limits/concurrency/model-a").status == 404)

            // In one batch too: a limit of 1 lets one of three through, the rest of the batch is other work.
            #expect(try await api.call(.put, "/api/v1/limits/concurrency/model-c", json: ["max_running": 1]).status == 201)
            var third: [String] = []
            for i in 0..<3 { third.append(try await api.id(.task, ["plan_id": .string(s.plan), "name": .string("c\(i)"), "concurrency_key": "model-c", "priority": 8])) }
            let fillers = [try await api.id(.task, ["plan_id": .string(s.plan), "priority": 2]), try await api.id(.task, ["plan_id": .string(s.plan), "priority": 2])]
            let batch = try await WorkQueueContractTests.claim(api, s.worker, ["limit": 3]).compactMap { $0["task_id"]?.stringValue }
            #expect(batch.count == 3 && batch.filter { third.contains($0) }.count == 1 && Set(batch).isSuperset(of: fillers), "\(batch)")

            let types = try await api.events("types=concurrency_limit.", atLeast: 4).compactMap { $0["type"]?.stringValue }
            #expect(types.filter { $0 == "concurrency_limit.set" }.count == 3 && types.contains("concurrency_limit.deleted"), "\(types)")
        }
    }

    @Test("limits are listed, read by any key, set and removed by admins only, and checked", arguments: Backend.available)
    func manage(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            for (key, n) in [("b", 1), ("a/b c", 5), ("é", 2)] {
                let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                #expect(try await api.call(.put, "/api/v1/limits/concurrency/\(encoded)", json: ["max_running": .int(Int64(n))]).status == 201)
            }
            let listed = try await api.get("/api/v1/limits/concurrency")
            #expect(Set(listed.items.compactMap { $0["key"]?.stringValue }) == ["b", "a/b c", "é"])
            let reader = api.with(key: try await api.makeKey(scope: .read))
            let writer = api.with(key: try await api.makeKey(scope: .write))
            #expect(try await reader.get("/api/v1/limits/concurrency/b")["max_running"] == 1)
            #expect(try await writer.call(.put, "/api/v1/limits/concurrency/b", json: ["max_running": 100]).status == 403)
            #expect(try await writer.delete("/api/v1/limits/concurrency/b").status == 403)
            #expect(try await api.get("/api/v1/limits/concurrency/b")["max_running"] == 1)
            // Another tenant sees none of them.
            let stranger = api.with(key: try await api.makeKey(scope: .admin, tenant: TestApp.newTenant()))
            #expect(try await stranger.get("/api/v1/limits/concurrency").items.isEmpty)
            #expect(try await stranger.get("/api/v1/limits/concurrency/b").status == 404)

            for (body, field) in [
                (["max_running": 0] as JSONValue, "max_running"), (["max_running": 1_000_001], "max_running"),
                (["max_running": 1.5], "max_running"), (["max_running": 9_223_372_036_854_775_807], "max_running"),
                ([:], "max_running"), (["max_running": 1, "burst": 2], "burst"),
            ] {
                let reply = try await api.call(.put, "/api/v1/limits/concurrency/b", json: body)
                #expect(reply.status == 422 && reply.errorFields == [field], "\(body): \(reply.text)")
            }
            let long = String(repeating: "k", count: 101)
            #expect(try await api.call(.put, "/api/v1/limits/concurrency/\(long)", json: ["max_running": 1]).errorFields == ["key"])
            #expect(try await api.delete("/api/v1/limits/concurrency/none").status == 404)
        }
    }
}
