import AgenticCore
import AgenticServer
import AgenticStore
import Foundation
import HTTPTypes
import Testing

@Suite("Gateway: keys, scopes, revocation, expiry", .timeLimit(.minutes(3)))
struct KeyTests {
    @Test("keys are agk_ + 43 random characters, shown once, stored only as a hash", arguments: Backend.available)
    func keyShape(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let created = try await api.post("/api/v1/keys", ["name": "ci", "scope": "write", "expires_at": "2099-01-01T00:00:00Z", "rate_limit": ["requests_per_second": 5, "burst": 10]])
            #expect(created.status == 201)
            let secret = try #require(created["key"]?.stringValue)
            #expect(secret.wholeMatch(of: /agk_[0-9A-Za-z]{43}/) != nil)
            #expect(created["prefix"]?.stringValue == String(secret.prefix(8)))
            #expect(created["rate_limit"] == ["requests_per_second": 5.0, "burst": 10])
            let listed = try await api.get("/api/v1/keys")
            #expect(!listed.text.contains(secret), "listings never show the secret")
            #expect(!listed.text.contains(KeyMaker.hash(secret)), "nor its hash")
            let stored = try #require(try await api.store.key(hash: KeyMaker.hash(secret)))
            #expect(stored.hash == KeyMaker.hash(secret) && stored.name == "ci")
            let keys = try await api.store.listKeys(tenant: api.tenant)
            #expect(keys.allSatisfy { !String(describing: $0).contains(secret) })
            let other = try await api.post("/api/v1/keys", ["name": "ci", "scope": "write"])
            #expect(other["key"] != created["key"], "keys are random")
        }
    }

    @Test("scopes: read < write < admin, and 403 says which scope is needed", arguments: Backend.available)
    func scopes(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let agent = try await api.id(.agent, ["name": "s"])
            let reader = api.with(key: try await api.makeKey(scope: .read))
            let writer = api.with(key: try await api.makeKey(scope: .write))
            #expect(try await reader.get("/api/v1/agents/\(agent)").status == 200)
            #expect(try await reader.get("/api/v1/events").status == 200)
            for reply in [
                try await reader.post("/api/v1/agents", ["name": "x"]), try await reader.patch("/api/v1/agents/\(agent)", ["name": "y"]),
                try await reader.delete("/api/v1/agents/\(agent)"), try await reader.post("/api/v1/tasks/claim", ["agent_id": .string(agent)]),
                try await writer.get("/api/v1/keys"), try await writer.post("/api/v1/keys", ["name": "k", "scope": "read"]),
            ] {
                #expect(reply.status == 403 && reply.code == "forbidden", "\(reply.text)")
            }
            #expect(try await writer.post("/api/v1/agents", ["name": "x"]).status == 201)
            #expect(try await writer.patch("/api/v1/agents/\(agent)", ["name": "y"]).status == 200)
            #expect(try await api.get("/api/v1/keys").status == 200)
        }
    }

    @Test("missing, unknown, revoked and expired keys all get the same 401", arguments: Backend.available)
    func unauthorized(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let revoked = try await api.makeKey(scope: .write)
            let revokedID = try #require(try await api.store.key(hash: KeyMaker.hash(revoked))?.id)
            #expect(try await api.store.revokeKey(revokedID, tenant: nil, at: .now()))
            let expired = try await api.makeKey(scope: .write, expiresAt: Timestamp.now().adding(seconds: -1))
            var details: Set<String> = []
            for key in [nil, "agk_" + String(repeating: "x", count: 43), "short", revoked, expired] as [String?] {
                let reply = try await api.with(key: key).get("/api/v1/agents")
                #expect(reply.status == 401 && reply.code == "unauthorized")
                #expect(reply.header("WWW-Authenticate") == "Bearer")
                details.insert(reply["detail"]?.stringValue ?? "")
            }
            #expect(details.count == 1, "the answer never tells which of the cases it was")
        }
    }

    @Test("a revoked key stops working on the next request", arguments: Backend.available)
    func revocationIsImmediate(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let created = try await api.post("/api/v1/keys", ["name": "temp", "scope": "write"])
            let temp = api.with(key: try #require(created["key"]?.stringValue))
            #expect(try await temp.get("/api/v1/agents").status == 200, "now cached")
            #expect(try await api.delete("/api/v1/keys/\(created["key_id"]!.stringValue!)").status == 204)
            #expect(try await temp.get("/api/v1/agents").status == 401)
            #expect(try await api.delete("/api/v1/keys/\(created["key_id"]!.stringValue!)").status == 404, "already revoked")
            let listed = try await api.get("/api/v1/keys").items.first { $0["key_id"] == created["key_id"] }
            #expect(listed?["revoked_at"] != .null)
        }
    }

    @Test("a key stops working when it expires", arguments: Backend.available)
    func expiry(backend: Backend) async throws {
        let clock = ManualClock()
        try await TestApp.withAPI(backend, clock: clock) { api in
            let expiry = clock.now().adding(seconds: 5)
            let soon = api.with(key: try await api.makeKey(scope: .read, expiresAt: expiry))
            #expect(try await soon.get("/api/v1/agents").status == 200)
            clock.advance(seconds: 4)
            #expect(try await soon.get("/api/v1/agents").status == 200, "a moment before its expiry")
            clock.advance(seconds: 1)
            let expired = try await soon.get("/api/v1/agents")
            #expect(expired.status == 401 && expired.code == "unauthorized", "at its expiry")
        }
    }

    @Test("authentication is served from a cache, not a database round trip per request", arguments: Backend.available)
    func keyCache(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let lookups = { () async throws -> Int in
                let text = try await api.with(key: nil).get("/metrics").text
                let line = text.split(separator: "\n").first { $0.hasPrefix("agentic_key_store_lookups ") }
                return Int(Double(line?.split(separator: " ").last ?? "") ?? -1)
            }
            _ = try await api.get("/api/v1/agents")
            let before = try await lookups()
            let start = ContinuousClock.now
            for _ in 0..<40 { _ = try await api.get("/api/v1/agents") }
            let elapsed = ContinuousClock.now - start
            let after = try await lookups()
            // At most one lookup per key per second of cache lifetime, however slow the machine is.
            let allowed = Int(elapsed.components.seconds) + 2
            #expect(after - before <= allowed, "40 requests over \(elapsed) asked the store \(after - before) times")
        }
    }

    @Test("agentic keys revoke on the database reaches a running server within a second")
    func cliRevocation() async throws {
        let folder = TestFiles.temporaryDirectory()
        let database = "sqlite://\(folder)/keys.sqlite"
        let admin = "cli-operator-key-" + UUID().uuidString
        let server = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": admin])
        let (status, output) = try await runAgentic(["keys", "create", "--name", "cli", "--scope", "read", "--database-url", database])
        #expect(status == 0, "\(output)")
        let secret = try #require(output.firstMatch(of: /agk_[0-9A-Za-z]{43}/).map { String($0.output) })
        let keyID = try #require(output.firstMatch(of: /key_id: ([0-9a-f-]{36})/).map { String($0.output.1) })
        #expect(try await LiveHTTP.call(.get, server.baseURL + "/api/v1/agents", key: secret).status == 200)
        let listed = try await runAgentic(["keys", "list", "--database-url", database])
        #expect(listed.output.contains(keyID) && !listed.output.contains(secret))
        #expect(try await runAgentic(["keys", "revoke", keyID, "--database-url", database]).status == 0)
        // The cache may serve the key for at most one more second.
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await LiveHTTP.call(.get, server.baseURL + "/api/v1/agents", key: secret).status == 401)
        try await server.stop()
    }
}
