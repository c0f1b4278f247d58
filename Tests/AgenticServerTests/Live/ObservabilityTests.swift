import AgenticCore
import Foundation
import HTTPTypes
import Synchronization
import Testing
import Yams

@Suite("Observability: metrics, access log, alert rules", .timeLimit(.minutes(3)))
struct ObservabilityTests {
    @Test("/metrics reports requests by route template, latency, the pool, tasks and rate limiting", arguments: Backend.available)
    func metrics(backend: Backend) async throws {
        var configuration = ServerConfigurationForTests.make()
        configuration.defaultRateLimit = RateLimit(requestsPerSecond: 0.001, burst: 3)
        try await TestApp.withAPI(backend, configuration: configuration) { api in
            let limited = api.with(key: try await api.makeKey(scope: .write))
            let goal = try await limited.id(.goal, ["goal_text": "g"])
            _ = try await limited.get("/api/v1/goals/\(goal)")
            _ = try await limited.get("/api/v1/goals/\(UUID().lowercased)")
            #expect(try await limited.get("/api/v1/goals").status == 429)
            let text = try await api.with(key: nil).get("/metrics")
            #expect(text.status == 200 && text.header("Content-Type")?.hasPrefix("text/plain") == true)
            let body = text.text
            #expect(body.contains(#"agentic_http_requests_total{method="GET",route="/api/v1/goals/{id}",status="200"} 1"#), "\(body)")
            #expect(body.contains(#"agentic_http_requests_total{method="GET",route="/api/v1/goals/{id}",status="404"} 1"#))
            #expect(body.contains(#"agentic_http_requests_total{method="POST",route="/api/v1/goals",status="201"} 1"#))
            #expect(body.contains("agentic_http_request_duration_seconds_bucket{"))
            #expect(body.contains("agentic_rate_limited_requests_total 1"))
            #expect(body.contains("agentic_database_up 1"))
            #expect(body.contains(#"agentic_db_connections{state="in_use"}"#) && body.contains("agentic_db_pool_size"))
            #expect(body.contains(#"agentic_tasks{status="pending"}"#))
            #expect(!body.contains(goal), "ids never become labels")
        }
    }

    @Test("each configured limit and the exhausted budgets have gauges, gone once the limit is removed", arguments: Backend.available)
    func limitMetrics(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            func value(_ body: String, _ series: String) -> Double? {
                body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            let tenant = api.tenant
            #expect(try await api.call(.put, "/api/v1/limits/concurrency/model-x", json: ["max_running": 3]).status == 201)
            #expect(try await api.call(.put, "/api/v1/limits/rate/summarise", json: ["per_second": 5, "burst": 8]).status == 201)
            let worker = try await api.id(.agent, ["name": "w"])
            let goal = try await api.id(.goal, ["goal_text": "g", "constraints": ["max_token_budget": 10]])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            for _ in 0..<2 { _ = try await api.id(.task, ["plan_id": .string(plan), "concurrency_key": "model-x"]) }
            let held = try #require(try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker)]).items.first?["task_id"]?.stringValue)

            var body = try await api.with(key: nil).get("/metrics").text
            #expect(value(body, #"agentic_concurrency_limit_max_running{tenant="\#(tenant)",key="model-x"}"#) == 3, "\(body)")
            #expect(value(body, #"agentic_concurrency_limit_running{tenant="\#(tenant)",key="model-x"}"#) == 1)
            #expect(value(body, #"agentic_rate_limit_per_second{tenant="\#(tenant)",task_type="summarise"}"#) == 5)
            #expect(value(body, #"agentic_rate_limit_burst{tenant="\#(tenant)",task_type="summarise"}"#) == 8)
            #expect(value(body, #"agentic_rate_limit_tokens{tenant="\#(tenant)",task_type="summarise"}"#) == 8)
            #expect(value(body, #"agentic_budgets_exhausted{tenant="\#(tenant)",kind="goals"}"#) == nil, "none exhausted yet")

            _ = try await api.post("/api/v1/tasks/\(held)/complete", ["agent_id": .string(worker), "usage": ["input_tokens": 10]])
            #expect(try await api.delete("/api/v1/limits/concurrency/model-x").status == 204)
            #expect(try await api.delete("/api/v1/limits/rate/summarise").status == 204)
            body = try await api.with(key: nil).get("/metrics").text
            #expect(value(body, #"agentic_budgets_exhausted{tenant="\#(tenant)",kind="goals"}"#) == 1, "\(body)")
            #expect(value(body, #"agentic_budgets_exhausted{tenant="\#(tenant)",kind="plans"}"#) == nil)
            // This tenant's series only: other tests, in tenants of their own, may name the same key meanwhile.
            #expect(
                !body.contains(#"tenant="\#(tenant)",key="model-x""#) && !body.contains(#"tenant="\#(tenant)",task_type="summarise""#),
                "a removed limit has no series")
        }
    }

    @Test("--log-format json writes one JSON access line per request with its id, route, status, duration and key")
    func jsonAccessLog() async throws {
        let folder = TestFiles.temporaryDirectory()
        let key = "log-operator-key-" + UUID().uuidString
        let server = try await ServerProcess.start(
            database: "sqlite://\(folder)/a.sqlite", environment: ["AGENTIC_ADMIN_KEY": key], extraArguments: ["--log-format", "json"])
        let reply = try await LiveHTTP.call(.get, server.baseURL + "/api/v1/agents/\(UUID().lowercased)", key: key, headers: [("X-Request-ID", "trace-json-1")])
        #expect(reply.status == 404 && reply.header("X-Request-ID") == "trace-json-1")
        try await server.stop()
        let lines = server.log.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(!lines.isEmpty)
        let entries = try lines.map { try JSONParser.parse(String($0)) }
        let access = try #require(entries.first { $0["request_id"] == "trace-json-1" && $0["message"] == "request" })
        #expect(access["method"] == "GET" && access["route"] == "/api/v1/agents/{id}" && access["status"] == "404")
        #expect(access["duration_ms"]?.stringValue.flatMap(Double.init) != nil)
        #expect(access["key_id"]?.stringValue?.count == 36)
        #expect(access["level"] == "info" && access["time"]?.stringValue?.hasSuffix("Z") == true)
    }

    @Test("deploy/prometheus/alerts.yml parses and alerts on error ratio > 1% and p95 > 500 ms over 5 minutes, on metrics we emit")
    func alertRules() async throws {
        let text = try String(contentsOfFile: TestFiles.packageRoot + "/deploy/prometheus/alerts.yml", encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let groups = try #require(document["groups"] as? [[String: Any]])
        let rules = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
        func rule(_ name: String) throws -> [String: Any] {
            try #require(rules.first { $0["alert"] as? String == name }, "no rule \(name)")
        }
        for rule in rules {
            #expect(rule["expr"] is String && rule["for"] is String && (rule["labels"] as? [String: Any])?["severity"] != nil)
        }
        let errors = try rule("AgenticHighErrorRatio")
        let errorExpr = try #require(errors["expr"] as? String)
        #expect(errorExpr.contains(#"status=~"5.."}[5m]"#) && errorExpr.contains("> 0.01") && errors["for"] as? String == "5m")
        let latency = try rule("AgenticSlowRequests")
        let latencyExpr = try #require(latency["expr"] as? String)
        #expect(latencyExpr.contains("histogram_quantile(0.95") && latencyExpr.contains("[5m]") && latencyExpr.contains("> 0.5"))
        #expect(latency["for"] as? String == "5m")
        let lag = try rule("AgenticEventDeliveryLag")
        #expect((lag["expr"] as? String)?.contains("agentic_event_delivery_lag_seconds") == true)

        // Every metric a rule names is one the server really exposes.
        let scraped = Mutex("")
        try await TestApp.withAPI(.sqlite) { api in
            _ = try await api.get("/api/v1/agents")
            let text = try await api.with(key: nil).get("/metrics").text
            scraped.withLock { $0 = text }
        }
        let emitted = scraped.withLock { $0 }
        let names = rules.compactMap { $0["expr"] as? String }.flatMap { expr in
            expr.matches(of: /agentic_[a-z_]+/).map { String($0.output) }
        }
        #expect(!names.isEmpty)
        for name in Set(names) {
            #expect(emitted.contains(name + "{") || emitted.contains(name + " "), "\(name) is not in /metrics")
        }
    }
}

import AgenticServer

enum ServerConfigurationForTests {
    static func make() -> ServerConfiguration { ServerConfiguration() }
}
