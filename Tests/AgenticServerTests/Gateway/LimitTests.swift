import AgenticCore
import AgenticServer
import AgenticStore
import Foundation
import HTTPTypes
import Testing

@Suite("Gateway: rate limits, idempotency, input limits", .timeLimit(.minutes(3)))
struct LimitTests {
    @Test("a key's token bucket answers 429 with Retry-After and RateLimit headers", arguments: Backend.available)
    func rateLimit(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let limited = api.with(key: try await api.makeKey(scope: .read, rateLimit: RateLimit(requestsPerSecond: 0.01, burst: 2)))
            let first = try await limited.get("/api/v1/agents")
            #expect(first.status == 200 && first.header("RateLimit-Limit") == "2" && first.header("RateLimit-Remaining") == "1")
            #expect(try await limited.get("/api/v1/agents").header("RateLimit-Remaining") == "0")
            let refused = try await limited.get("/api/v1/agents")
            #expect(refused.status == 429 && refused.code == "rate_limited")
            #expect(Int(refused.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(refused.header("RateLimit-Limit") == "2" && refused.header("RateLimit-Remaining") == "0")
            #expect(Int(refused.header("RateLimit-Reset") ?? "") ?? 0 >= 1)
            #expect(try await api.get("/api/v1/agents").status == 200, "other keys have their own bucket")
            let unlimited = api.with(key: try await api.makeKeyUnlimited())
            for _ in 0..<5 { #expect(try await unlimited.get("/api/v1/agents").header("RateLimit-Limit") == nil) }
        }
    }

    @Test("Idempotency-Key replays the first response; another body is 422; a running duplicate is 409", arguments: Backend.available)
    func idempotency(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let headers: HTTPFields = [.idempotencyKeyTest: "create-agent-1"]
            let first = try await api.post("/api/v1/agents", ["name": "once"], headers: headers)
            #expect(first.status == 201 && first.header("Idempotent-Replayed") == nil)
            let again = try await api.post("/api/v1/agents", ["name": "once"], headers: headers)
            #expect(again.status == 201 && again.header("Idempotent-Replayed") == "true")
            #expect(again.body == first.body && again.header("Location") == first.header("Location") && again.header("ETag") == first.header("ETag"))
            #expect(try await api.get("/api/v1/agents").items.count == 1, "the work happened once")
            let other = try await api.post("/api/v1/agents", ["name": "twice"], headers: headers)
            #expect(other.status == 422 && other.code == "idempotency_key_reused")

            // A client error is kept too: the retry gets the same answer.
            let bad = try await api.post("/api/v1/agents", ["name": ""], headers: [.idempotencyKeyTest: "bad-1"])
            let badAgain = try await api.post("/api/v1/agents", ["name": ""], headers: [.idempotencyKeyTest: "bad-1"])
            #expect(bad.status == 422 && badAgain.status == 422 && badAgain.header("Idempotent-Replayed") == "true")

            // The same key string in another tenant is another key.
            let elsewhere = api.with(key: try await api.makeKey(scope: .write, tenant: TestApp.newTenant()))
            let theirs = try await elsewhere.post("/api/v1/agents", ["name": "once"], headers: headers)
            #expect(theirs.status == 201 && theirs.header("Idempotent-Replayed") == nil)

            // While the first request with a key is still running, a duplicate is 409.
            let body = #"{"name":"slow"}"#
            let now = Timestamp.now()
            #expect(
                try await api.store.reserveIdempotencyKey(
                    IdempotencyReservation(
                        tenant: api.tenant, key: "in-flight",
                        requestHash: IdempotencyMiddleware.fingerprint(method: "POST", path: "/api/v1/agents", body: Array(body.utf8)),
                        now: now, expiresAt: now.adding(seconds: 86_400))).token != nil)
            let running = try await api.call(.post, "/api/v1/agents", raw: body, headers: [.idempotencyKeyTest: "in-flight", .contentType: "application/json"])
            #expect(running.status == 409 && running.code == "idempotency_in_progress")
            let bogus = try await api.post("/api/v1/agents", ["name": "x"], headers: [.idempotencyKeyTest: "has spaces"])
            #expect(bogus.status == 400)
        }
    }

    @Test("an answer that shows a secret is kept sealed with the caller's key: replayed to it, refused to another, never in the clear", arguments: Backend.available)
    func sealedReplay(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            #expect(try await api.call(.put, "/api/v1/webhooks/allowed-hosts", json: ["hosts": ["127.0.0.1"]]).status == 200)
            let creates: [(path: String, body: String, secret: String)] = [
                ("/api/v1/keys", #"{"name":"sealed","scope":"read"}"#, "key"),
                ("/api/v1/webhooks", #"{"url":"http://127.0.0.1:9/sealed","types":["task."]}"#, "secret"),
            ]
            for (index, create) in creates.enumerated() {
                let headers: HTTPFields = [.idempotencyKeyTest: "sealed-\(index)", .contentType: "application/json"]
                let first = try await api.call(.post, create.path, raw: create.body, headers: headers)
                let secret = try #require(first[create.secret]?.stringValue, "\(first.text)")
                let again = try await api.call(.post, create.path, raw: create.body, headers: headers)
                #expect(again.status == 201 && again.header("Idempotent-Replayed") == "true" && again.body == first.body, "\(again.text)")

                // What the database keeps is sealed: neither the secret nor any of the answer shows.
                let now = Timestamp.now()
                let found = try await api.store.reserveIdempotencyKey(
                    IdempotencyReservation(
                        tenant: api.tenant, key: "sealed-\(index)",
                        requestHash: IdempotencyMiddleware.fingerprint(method: "POST", path: create.path, body: Array(create.body.utf8)),
                        now: now, expiresAt: now.adding(seconds: 86_400)))
                guard case .replay(let kept) = found else {
                    Issue.record("the answer was not kept: \(found)")
                    continue
                }
                #expect(ReplaySeal.isSealed(kept) && kept.status == 201)
                #expect(!kept.body.containsSubsequence(Array(secret.utf8)) && !kept.body.containsSubsequence(Array("created_at".utf8)))

                // Another admin key of the tenant is not the caller: no replay, and nothing is made again.
                let other = api.with(key: try await api.makeKey(scope: .admin))
                let refused = try await other.call(.post, create.path, raw: create.body, headers: headers)
                #expect(refused.status == 422 && refused.code == "idempotency_key_reused", "\(refused.text)")
                #expect(!refused.text.contains(secret))
            }
            #expect(try await api.get("/api/v1/webhooks").items.count == 1, "the webhook was made once")
            #expect(try await api.get("/api/v1/keys").items.filter { $0["name"] == "sealed" }.count == 1, "the key was made once")

            // An answer without a secret is kept as it was given.
            let headers: HTTPFields = [.idempotencyKeyTest: "plain-1", .contentType: "application/json"]
            #expect(try await api.call(.post, "/api/v1/agents", raw: #"{"name":"plain"}"#, headers: headers).status == 201)
            let now = Timestamp.now()
            let plain = try await api.store.reserveIdempotencyKey(
                IdempotencyReservation(
                    tenant: api.tenant, key: "plain-1",
                    requestHash: IdempotencyMiddleware.fingerprint(method: "POST", path: "/api/v1/agents", body: Array(#"{"name":"plain"}"#.utf8)),
                    now: now, expiresAt: now.adding(seconds: 86_400)))
            guard case .replay(let kept) = plain else {
                Issue.record("the answer was not kept: \(plain)")
                return
            }
            #expect(!ReplaySeal.isSealed(kept) && kept.body.containsSubsequence(Array("plain".utf8)))
        }
    }

    @Test("idempotency records last 24 hours, and an abandoned reservation is taken over", arguments: Backend.available)
    func idempotencyLifetime(backend: Backend) async throws {
        try await backend.withStore { store in
            let tenant = TestApp.newTenant()
            let start = Timestamp.now()
            func reserve(_ at: Timestamp, hash: String = "h") async throws -> IdempotencyOutcome {
                try await store.reserveIdempotencyKey(
                    IdempotencyReservation(tenant: tenant, key: "k", requestHash: hash, now: at, expiresAt: at.adding(seconds: IdempotencyPolicy.retentionSeconds)))
            }
            let first = try #require(try await reserve(start).token)
            #expect(try await reserve(start.adding(seconds: 1)) == .inProgress)
            let abandonedAfter = IdempotencyPolicy.abandonAfterSeconds + 1
            let second = try #require(
                try await reserve(start.adding(seconds: abandonedAfter)).token, "a request that died is retried after a while")
            #expect(first != second)
            let answer = StoredResponse(status: 201, headers: ["ETag": "\"1\""], body: [1, 2])
            // The abandoned request can no longer record its answer; the one that took over can.
            try await store.completeIdempotencyKey(IdempotencyClaim(tenant: tenant, key: "k", token: first), response: answer)
            #expect(try await reserve(start.adding(seconds: abandonedAfter + 1)) == .inProgress)
            try await store.completeIdempotencyKey(IdempotencyClaim(tenant: tenant, key: "k", token: second), response: answer)
            #expect(try await reserve(start.adding(seconds: 3600)) == .replay(answer))
            #expect(try await reserve(start.adding(seconds: 3600), hash: "other") == .mismatch)
            #expect(try await reserve(start.adding(seconds: abandonedAfter + 86_401)).token != nil, "gone after 24 hours")
        }
    }

    @Test("a stored idempotent response survives a server restart")
    func idempotencySurvivesRestart() async throws {
        let folder = TestFiles.temporaryDirectory()
        let database = "sqlite://\(folder)/idem.sqlite"
        let key = "idempotency-operator-key-" + UUID().uuidString
        let first = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
        let created = try await LiveHTTP.call(.post, first.baseURL + "/api/v1/goals", key: key, json: ["goal_text": "once"], headers: [("Idempotency-Key", "restart-1")])
        #expect(created.status == 201)
        try await first.stop()
        let second = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
        let replay = try await LiveHTTP.call(.post, second.baseURL + "/api/v1/goals", key: key, json: ["goal_text": "once"], headers: [("Idempotency-Key", "restart-1")])
        #expect(replay.status == 201 && replay.header("Idempotent-Replayed") == "true" && replay.body == created.body)
        #expect(try await LiveHTTP.call(.get, second.baseURL + "/api/v1/goals", key: key).items.count == 1)
        try await second.stop()
    }

    @Test("string, array and object size limits name the field", arguments: Backend.available)
    func sizeLimits(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let cases: [(String, JSONValue, String)] = [
                ("/api/v1/goals", ["goal_text": .string(String(repeating: "g", count: 10_001))], "goal_text"),
                ("/api/v1/agents", ["name": "a", "agent_type": .string("t" + String(repeating: "x", count: 100))], "agent_type"),
                ("/api/v1/tasks", ["plan_id": .string(plan), "depends_on": .array((0..<101).map { _ in .string(UUID().lowercased) })], "depends_on"),
                ("/api/v1/goals", ["goal_text": "g", "success_criteria": .array(Array(repeating: "c", count: 101))], "success_criteria"),
                ("/api/v1/agents", ["name": "a", "metadata": .object(Dictionary(uniqueKeysWithValues: (0..<1001).map { (JSONKey("k\($0)"), .int(Int64($0))) }))], "metadata"),
                ("/api/v1/agents", ["name": "a", "configuration": ["k": .string(String(repeating: "z", count: 65_537))]], "configuration.k"),
            ]
            for (path, body, field) in cases {
                let reply = try await api.post(path, body)
                #expect(reply.status == 422 && reply.errorFields == [field], "\(field): \(reply.text.prefix(300))")
            }
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKeyTest = Self("Idempotency-Key")!
}

extension IdempotencyOutcome {
    /// The reservation token when the key was reserved.
    var token: String? {
        if case .reserved(let token) = self { return token }
        return nil
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}

extension TestAPI {
    /// An admin key without any rate limit, like the operator's AGENTIC_ADMIN_KEY.
    func makeKeyUnlimited() async throws -> String {
        let secret = KeyMaker.newSecret()
        try await store.createKey(KeyMaker.record(secret: secret, name: "unlimited", scope: .admin, tenant: tenant, unlimited: true))
        return secret
    }
}
