import AgenticCore
import Foundation
import HTTPTypes
import Testing

@Suite("Contract: errors and the gateway basics", .timeLimit(.minutes(3)))
struct ErrorContractTests {
    @Test("every error class answers problem+json with a stable code and the request id", arguments: Backend.available)
    func errorClasses(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let cases: [(HTTPRequest.Method, String, String?, HTTPFields, Int, String)] = [
                (.post, "/api/v1/agents", "{\"name\": ", [.contentType: "application/json"], 400, "malformed_json"),
                (.post, "/api/v1/agents", "{\"name\": \"a\",}", [.contentType: "application/json"], 400, "malformed_json"),
                (.post, "/api/v1/agents", "name=a", [.contentType: "application/x-www-form-urlencoded"], 415, "unsupported_media_type"),
                (.post, "/api/v1/agents", "{\"name\": \"a\"}", [:], 415, "unsupported_media_type"),
                (.post, "/api/v1/agents", "{\"name\": 5}", [.contentType: "application/json"], 422, "validation_failed"),
                (.get, "/api/v1/nowhere", nil, [:], 404, "route_not_found"),
                (.get, "/nowhere", nil, [:], 404, "route_not_found"),
                (.put, "/api/v1/agents", nil, [:], 405, "method_not_allowed"),
                (.post, "/api/v1/agents/\(UUID().lowercased)", nil, [:], 405, "method_not_allowed"),
                (.get, "/api/v1/goals/\(UUID().lowercased)", nil, [:], 404, "not_found"),
            ]
            for (method, path, body, headers, status, code) in cases {
                let reply = try await api.call(method, path, raw: body, headers: headers)
                #expect(reply.status == status, "\(method) \(path): \(reply.text)")
                #expect(reply.code == code, "\(method) \(path)")
                #expect(reply.header("Content-Type") == "application/problem+json")
                #expect(reply["type"]?.stringValue == "urn:agentic:problem:\(code)")
                #expect(reply["title"]?.stringValue?.isEmpty == false && reply["detail"]?.stringValue?.isEmpty == false)
                #expect(reply["status"]?.intValue == Int64(status))
                let requestID = try #require(reply["request_id"]?.stringValue)
                #expect(reply.header("X-Request-ID") == requestID)
            }
            let allow = try await api.call(.put, "/api/v1/agents")
            #expect(allow.header("Allow") == "GET, HEAD, POST")
        }
    }

    @Test("a body over 1 MiB is 413 and nothing is stored", arguments: Backend.available)
    func oversizeBody(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let huge = "{\"name\": \"a\", \"metadata\": {\"blob\": \"" + String(repeating: "x", count: Limits.maxBodyBytes) + "\"}}"
            let reply = try await api.call(.post, "/api/v1/agents", raw: huge, headers: [.contentType: "application/json"])
            #expect(reply.status == 413 && reply.code == "payload_too_large")
            #expect(try await api.get("/api/v1/agents").items.isEmpty)
        }
    }

    @Test("deep nesting and oversized fields are refused with the field named", arguments: Backend.available)
    func structuralLimits(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
            let tooDeep = try await api.call(
                .post, "/api/v1/agents", raw: "{\"name\": \"a\", \"metadata\": {\"x\": \(deep)}}", headers: [.contentType: "application/json"])
            #expect(tooDeep.status == 422)
            var nested: JSONValue = 1
            for _ in 0..<20 { nested = ["n": nested] }
            let fieldTooDeep = try await api.post("/api/v1/agents", ["name": "a", "metadata": nested])
            #expect(fieldTooDeep.status == 422 && fieldTooDeep.errorFields.first?.hasPrefix("metadata.n.n") == true)
            let bigString = try await api.post("/api/v1/agents", ["name": "a", "configuration": ["s": .string(String(repeating: "y", count: 70_000))]])
            #expect(bigString.status == 422 && bigString.errorFields == ["configuration.s"])
            let bigArray = try await api.post("/api/v1/agents", ["name": "a", "metadata": ["list": .array(Array(repeating: 1, count: 1001))]])
            #expect(bigArray.status == 422 && bigArray.errorFields == ["metadata.list"])
        }
    }

    @Test("a trailing slash on a collection is the collection", arguments: Backend.available)
    func trailingSlash(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.post("/api/v1/goals/", ["goal_text": "slash"])
            #expect(goal.status == 201)
            let list = try await api.get("/api/v1/goals/")
            #expect(list.status == 200 && list.items.count == 1)
        }
    }

    @Test("keys: X-API-Key and Bearer both work; missing or unknown keys are 401", arguments: Backend.available)
    func keys(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let secret = try #require(api.key)
            #expect(try await api.with(key: nil).get("/api/v1/agents", headers: [.authorization: "Bearer \(secret)"]).status == 200)
            #expect(try await api.with(key: nil).get("/api/v1/agents", headers: [.authorization: "bearer \(secret)"]).status == 200)
            let none = try await api.with(key: nil).get("/api/v1/agents")
            #expect(none.status == 401 && none.code == "unauthorized" && none.header("WWW-Authenticate") == "Bearer")
            let unknown = try await api.with(key: "agk_" + String(repeating: "z", count: 43)).get("/api/v1/agents")
            #expect(unknown.status == 401 && unknown["detail"] == none["detail"], "no hint whether a key exists")
            #expect(try await api.with(key: nil).get("/api/v1/agents", headers: [.authorization: "Basic \(secret)"]).status == 401)
        }
    }

    @Test("the client's X-Request-ID is kept; a bad one is replaced", arguments: Backend.available)
    func requestID(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let kept = try await api.get("/api/v1/agents/\(UUID().lowercased)", headers: [.xRequestIDTest: "trace-42"])
            #expect(kept.header("X-Request-ID") == "trace-42" && kept["request_id"] == "trace-42")
            let replaced = try await api.get("/health/live", headers: [.xRequestIDTest: "bad id with spaces"])
            #expect(replaced.header("X-Request-ID") != "bad id with spaces" && replaced.header("X-Request-ID")?.isEmpty == false)
        }
    }

    @Test("health endpoints answer without a key", arguments: Backend.available)
    func health(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let open = api.with(key: nil)
            #expect(try await open.get("/health/live")["status"] == "ok")
            #expect(try await open.get("/health/startup")["status"] == "ok")
            let ready = try await open.get("/health/ready")
            #expect(ready.status == 200 && ready["checks"]?["database"]?["status"] == "up")
        }
    }

    @Test("responses carry security headers and no server banner", arguments: Backend.available)
    func securityHeaders(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            for reply in [try await api.get("/api/v1/agents"), try await api.with(key: nil).get("/api/v1/agents")] {
                #expect(reply.header("X-Content-Type-Options") == "nosniff")
                #expect(reply.header("Server") == nil)
                #expect(reply.header("Referrer-Policy") == "no-referrer")
                #expect(reply.header("Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'")
            }
            // The dashboard's own policy: scripts and styles of this origin only, nothing inline.
            let page = try await api.with(key: nil).get("/ui")
            #expect(page.status == 200 && page.header("Content-Type") == "text/html; charset=utf-8")
            let policy = try #require(page.header("Content-Security-Policy"))
            #expect(policy.contains("script-src 'self'") && policy.contains("default-src 'none'") && !policy.contains("unsafe"))
            #expect(page.header("X-Frame-Options") == "DENY")
            #expect(try await api.with(key: nil).get("/ui/app.js").header("Content-Type") == "text/javascript; charset=utf-8")
            #expect(try await api.with(key: nil).get("/ui/missing.js").status == 404)
        }
    }

    @Test("limits and budgets change only with admin scope: a write key's PATCH is 403 naming them, and changes nothing", arguments: Backend.available)
    func limitsNeedAdmin(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let writer = api.with(key: try await api.makeKey(scope: .write))
            // A write key may give them when it creates (new work of its own), not raise them after.
            let agent = try await writer.post("/api/v1/agents", ["name": "a", "resource_limits": ["max_tokens": 10]])
            let goal = try await writer.post("/api/v1/goals", ["goal_text": "g", "constraints": ["max_parallelism": 2]])
            #expect(agent.status == 201 && goal.status == 201)
            let goalID = try #require(goal["goal_id"]?.stringValue)
            let plan = try await writer.post("/api/v1/plans", ["goal_id": .string(goalID), "resource_budget": ["max_tokens": 10]])
            let targets: [(String, String, JSONValue)] = [
                ("/api/v1/agents/\(agent["agent_id"]?.stringValue ?? "")", "resource_limits", ["max_tokens": 1_000_000] as JSONValue),
                ("/api/v1/goals/\(goalID)", "constraints", ["max_parallelism": 10_000]),
                ("/api/v1/plans/\(plan["plan_id"]?.stringValue ?? "")", "resource_budget", ["max_tokens": 1_000_000]),
            ]
            for (path, field, raised) in targets {
                let before = try await api.get(path)
                let refused = try await writer.patch(path, .object([JSONKey(field): raised, "metadata": ["note": "x"]]))
                #expect(refused.status == 403 && refused.errorFields == [field], "\(path): \(refused.text)")
                #expect(try await api.get(path)["version"] == before["version"], "\(path) unchanged")
                #expect(try await writer.patch(path, ["metadata": ["note": "x"]]).status == 200, "\(path): other fields stay a write key's")
                let allowed = try await api.patch(path, .object([JSONKey(field): raised]))
                #expect(allowed.status == 200 && allowed[field] != before[field], "\(path): \(allowed.text)")
            }
        }
    }

    @Test("whoami: any key learns its own id, tenant, scope and rate limit", arguments: Backend.available)
    func whoami(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let tenant = TestApp.newTenant()
            for scope in Scope.allCases {
                let key = try await api.makeKey(scope: scope, tenant: tenant)
                let me = try await api.with(key: key).get("/api/v1/whoami")
                #expect(me.status == 200 && me["scope"]?.stringValue == scope.rawValue && me["tenant"]?.stringValue == tenant)
                #expect(me["rate_limit"] == .null && me["key_id"]?.stringValue?.count == 36)
            }
            #expect(try await api.with(key: nil).get("/api/v1/whoami").status == 401)
            #expect(try await api.get("/api/v1/whoami?x=1").errorFields == ["x"])
        }
    }
}

extension HTTPField.Name {
    static let xRequestIDTest = Self("X-Request-ID")!
}
