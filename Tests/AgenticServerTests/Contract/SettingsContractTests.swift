import AgenticCore
import AgenticStore
import Foundation
import Testing

/// `GET|PATCH /settings`: the tenant's default retry policy, followed by tasks without one of their
/// own, after a failure and after an expired lease — on a clock the test moves, with a database of
/// its own because the lease sweep covers every tenant.
@Suite("Contract: tenant settings", .timeLimit(.minutes(3)))
struct SettingsContractTests {
    static func notBefore(_ reply: Reply) -> Timestamp? {
        reply["not_before"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
    }

    @Test("the default retry policy spaces the retries of tasks without their own, after failures and expired leases", arguments: Backend.available)
    func defaultRetryPolicy(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let empty = try await api.get("/api/v1/settings")
            #expect(empty.status == 200 && empty["default_retry_policy"] == .null && empty["updated_at"] == .null)

            let set = try await api.patch(
                "/api/v1/settings", ["default_retry_policy": ["initial_seconds": 10, "multiplier": 3, "jitter": false]])
            #expect(set.status == 200, "\(set.text)")
            #expect(set["default_retry_policy"] == ["initial_seconds": 10.0, "multiplier": 3.0, "max_seconds": 300.0, "jitter": false])
            #expect(set["updated_at"]?.stringValue.flatMap { Timestamp(rfc3339: $0) } == clock.now())
            #expect(try await api.get("/api/v1/settings").json == set.json)
            let logged = try await api.events("types=settings.updated", atLeast: 1)
            #expect(logged.first?["data"] == set.json)

            let s = try await WorkQueueContractTests.setup(api)
            let task = try await api.id(.task, ["plan_id": .string(s.plan), "max_attempts": 5, "timeout_seconds": 60])
            let own = try await api.id(
                .task, ["plan_id": .string(s.plan), "priority": 1, "retry_policy": ["initial_seconds": 2, "jitter": false]])
            // First failure: 10 s; the task with its own policy keeps its own (2 s).
            #expect(try await TimeRulesContractTests.claim(api, s) == [task])
            let first = try await api.post("/api/v1/tasks/\(task)/fail", ["agent_id": .string(s.worker)])
            #expect(first["status"] == "pending" && Self.notBefore(first) == clock.now().adding(seconds: 10), "\(first.text)")
            #expect(try await TimeRulesContractTests.claim(api, s) == [own])
            #expect(Self.notBefore(try await api.post("/api/v1/tasks/\(own)/fail", ["agent_id": .string(s.worker)])) == clock.now().adding(seconds: 2))

            // Second attempt's lease runs out: 10 × 3 = 30 s.
            clock.advance(seconds: 10)
            _ = try await api.store.releaseDueTasks(limit: 100)
            #expect(try await TimeRulesContractTests.claim(api, s).contains(task))
            clock.advance(seconds: 61)
            #expect(try await api.store.expireLeases(limit: 100) >= 1)
            let expired = try await api.get("/api/v1/tasks/\(task)")
            #expect(expired["status"] == "pending" && Self.notBefore(expired) == clock.now().adding(seconds: 30), "\(expired.text)")

            // Cleared: a task without a policy retries at once again.
            let cleared = try await api.patch("/api/v1/settings", ["default_retry_policy": .null])
            #expect(cleared.status == 200 && cleared["default_retry_policy"] == .null)
            clock.advance(seconds: 30)
            _ = try await api.store.releaseDueTasks(limit: 100)
            #expect(try await TimeRulesContractTests.claim(api, s).contains(task))
            let third = try await api.post("/api/v1/tasks/\(task)/fail", ["agent_id": .string(s.worker)])
            #expect(third["status"] == "pending" && third["not_before"] == .null, "\(third.text)")
        }
    }

    @Test("only an admin changes settings; bad members are named; each tenant has its own", arguments: Backend.available)
    func access(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let writer = api.with(key: try await api.makeKey(scope: .write))
            let reader = api.with(key: try await api.makeKey(scope: .read))
            #expect(try await reader.get("/api/v1/settings").status == 200)
            #expect(try await writer.patch("/api/v1/settings", ["default_retry_policy": ["initial_seconds": 1]]).status == 403)
            #expect(try await reader.patch("/api/v1/settings", ["default_retry_policy": .null]).status == 403)
            #expect(try await api.get("/api/v1/settings")["updated_at"] == .null, "nothing changed")

            let bad: [(JSONValue, [String])] = [
                (["default_retry_policy": ["multiplier": 1e300, "initial_seconds": -1, "jitter": "yes"]],
                 ["default_retry_policy.initial_seconds", "default_retry_policy.jitter", "default_retry_policy.multiplier"]),
                (["default_retry_policy": ["max_seconds": .int(Int64.max), "extra": 1]], ["default_retry_policy.extra", "default_retry_policy.max_seconds"]),
                (["default_retry_policy": "fast"], ["default_retry_policy"]),
                (["updated_at": "2026-01-01T00:00:00Z"], ["updated_at"]),
                (["retry": true], ["retry"]),
                ([1, 2], ["(body)"]),
            ]
            for (body, fields) in bad {
                let reply = try await api.patch("/api/v1/settings", body)
                #expect(reply.status == 422 && Set(reply.errorFields) == Set(fields), "\(body): \(reply.text)")
            }
            #expect(try await api.patch("/api/v1/settings", [:])["code"] == "no_fields")
            #expect(try await api.get("/api/v1/settings?x=1").errorFields == ["x"])
            #expect(try await api.get("/api/v1/settings")["updated_at"] == .null, "nothing half-written")

            #expect(try await api.patch("/api/v1/settings", ["default_retry_policy": [:]]).status == 200)
            let other = api.with(key: try await api.makeKey(scope: .admin, tenant: TestApp.newTenant()))
            #expect(try await other.get("/api/v1/settings")["default_retry_policy"] == .null)
        }
    }
}
