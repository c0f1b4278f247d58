import AgenticCore
import AgenticServer
import AgenticStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@Suite("Export and import", .timeLimit(.minutes(3)))
struct SnapshotTests {
    /// Fills a store through the API with every kind of resource and state.
    static func populate(_ api: TestAPI) async throws -> [String] {
        let agent = try await api.id(.agent, ["name": "exporter", "configuration": ["model": "m", "temperature": 0.2]])
        let goal = try await api.id(.goal, ["goal_text": "move house", "agent_id": .string(agent), "constraints": ["deadline": "2027-01-01T00:00:00Z"]])
        let subgoal = try await api.id(.goal, ["goal_text": "pack", "parent_goal_id": .string(goal)])
        let plan = try await api.id(.plan, ["goal_id": .string(goal), "resource_budget": ["usd": 10.5]])
        let a = try await api.id(.task, ["plan_id": .string(plan), "name": "a", "inputs": ["n": 1]])
        let b = try await api.id(.task, ["plan_id": .string(plan), "name": "b", "depends_on": [.string(a)]])
        let c = try await api.id(.task, ["plan_id": .string(plan), "name": "c", "depends_on": [.string(a), .string(b)]])
        let claimed = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(agent)])
        #expect(claimed.items.count == 1)
        #expect(try await api.post("/api/v1/tasks/\(a)/complete", ["agent_id": .string(agent), "outputs": ["ok": true], "usage": ["input_tokens": 7, "output_tokens": 3, "cost_usd": 0.02]]).status == 200)
        let otherPlan = try await api.id(.plan, ["goal_id": .string(subgoal)])
        let d = try await api.id(.task, ["plan_id": .string(otherPlan)])
        #expect(try await api.post("/api/v1/tasks/\(d)/cancel").status == 200)
        var paths = [
            "/api/v1/agents/\(agent)", "/api/v1/goals/\(goal)", "/api/v1/goals/\(subgoal)", "/api/v1/plans/\(plan)",
            "/api/v1/plans/\(otherPlan)", "/api/v1/tasks/\(a)", "/api/v1/tasks/\(b)", "/api/v1/tasks/\(c)", "/api/v1/tasks/\(d)",
        ]
        // What an admin sets up around the work: a schedule, settings, limits, a webhook (with its
        // allow-list) and the delivery the next event makes for it.
        let schedule = try await api.id(
            .schedule, ["name": "yearly", "cron": "0 9 1 1 *", "time_zone": "Europe/Berlin", "goal_template": ["goal_text": "review"], "plan_template": [:]])
        #expect(try await api.patch("/api/v1/settings", ["default_retry_policy": ["initial_seconds": 2, "multiplier": 3]]).status == 200)
        #expect(try await api.call(.put, "/api/v1/limits/rate/summarize", json: ["per_second": 2.5, "burst": 7]).status == 201)
        #expect(try await api.call(.put, "/api/v1/limits/concurrency/model-a", json: ["max_running": 3]).status == 201)
        #expect(try await api.call(.put, "/api/v1/webhooks/allowed-hosts", json: ["hosts": ["127.0.0.1"]]).status == 200)
        let webhook = try await api.post("/api/v1/webhooks", ["url": "http://127.0.0.1:9/hook", "types": ["agent."], "secret": "whsec_kept-across-the-move"])
        let webhookID = try #require(webhook["webhook_id"]?.stringValue, "\(webhook.text)")
        _ = try await api.id(.agent, ["name": "announced"])
        paths += [
            "/api/v1/schedules/\(schedule)", "/api/v1/schedules", "/api/v1/settings", "/api/v1/limits/rate", "/api/v1/limits/concurrency",
            "/api/v1/webhooks/allowed-hosts", "/api/v1/webhooks", "/api/v1/webhooks/\(webhookID)", "/api/v1/webhooks/\(webhookID)/deliveries",
        ]
        paths += ["/api/v1/agents", "/api/v1/goals", "/api/v1/plans", "/api/v1/tasks?limit=2", "/api/v1/events?limit=1000"]
        return paths
    }

    @Test("a populated SQLite database, exported and imported into PostgreSQL, serves identical responses")
    func sqliteToPostgres() async throws {
        guard Backend.postgresURL != nil else { throw TestFailure("needs AGENTIC_TEST_POSTGRES_URL (scripts/test sets it)") }
        let tenant = TestApp.newTenant()
        let secret = KeyMaker.newSecret()
        let lines = Mutex<[[UInt8]]>([])
        let (before, exported) = try await closing(try await Backend.sqlite.makeStore()) { source in
            try await source.createKey(KeyMaker.record(secret: secret, name: "migrating", scope: .admin, tenant: tenant))
            let before = try await Self.responses(store: source, secret: secret, tenant: tenant, populate: true)
            return (before, try await source.export { line in lines.withLock { $0.append(line) } })
        }
        #expect(exported.agents == 2 && exported.goals == 2 && exported.plans == 2 && exported.tasks == 4 && exported.keys == 1)
        #expect(exported.schedules == 1 && exported.settings == 1 && exported.rateLimits == 1 && exported.concurrencyLimits == 1)
        #expect(exported.allowLists == 1 && exported.webhooks == 1 && exported.deliveries == 1, "\(exported)")
        #expect(exported.events > 10)

        let target = try await StoreFactory.open(try DatabaseLocation(url: try await TestPostgres.freshDatabaseURL()), poolSize: 2, leaseDeadline: .seconds(30), logger: Logger(label: "test"))
        try await closing(target) { target in
            try await target.migrate()
            let all = lines.withLock { $0 }
            let cursor = Mutex(0)
            let imported = try await target.importSnapshot {
                cursor.withLock { index in
                    defer { index += 1 }
                    return index < all.count ? Array(all[index].dropLast()) : nil
                }
            }
            #expect(imported == exported)
            // The webhook goes on signing with the secret its receiver knows.
            let webhooks = try await target.listWebhooks(tenant: tenant)
            #expect(webhooks.map(\.secret) == ["whsec_kept-across-the-move"])
            let after = try await Self.responses(store: target, secret: secret, tenant: tenant, populate: false, paths: before.map(\.0), expectedEvents: exported.events)
            for (old, new) in zip(before, after) {
                #expect(old.1 == new.1, "\(old.0) differs: \(Self.firstDifference(old.1, new.1))")
            }
            // The imported database keeps working: new events sort after the imported ones.
            let (router, _) = buildRouter(store: target, configuration: ServerConfiguration())
            try await Application(router: router, logger: TestApp.serverLogger).test(.router) { client in
                let api = TestAPI(client: client, key: secret, store: target, tenant: tenant)
                let last = try await api.get("/api/v1/events?limit=1000").items.last?["event_id"]?.intValue ?? 0
                _ = try await api.id(.agent, ["name": "after-import"])
                // Events of a transaction become visible once every older transaction has finished, so a
                // follower long-polls rather than expecting them at once.
                let newest = try await api.get("/api/v1/events?after=\(last)&wait=10")
                #expect(newest.items.map { $0["type"] } == ["agent.created"])
            }
        }
    }

    @Test("import refuses a non-empty database and a truncated file, leaving nothing behind", arguments: Backend.available)
    func refusals(backend: Backend) async throws {
        let source = try await Backend.sqlite.makeStore()
        try await closing(source) { source in
            let secret = KeyMaker.newSecret()
            try await source.createKey(KeyMaker.record(secret: secret, name: "k", scope: .admin, tenant: "default"))
            _ = try await source.createAgent(try Agent.fields.draft(["name": "a"]), by: Caller(tenant: "default", keyID: "k"))
            let lines = Mutex<[[UInt8]]>([])
            _ = try await source.export { line in lines.withLock { $0.append(line) } }
            let all = lines.withLock { $0 }.map { Array($0.dropLast()) }

            let target: any Store
            switch backend {
            case .sqlite: target = try await Backend.sqlite.makeStore()
            case .postgres:
                target = try await StoreFactory.open(try DatabaseLocation(url: try await TestPostgres.freshDatabaseURL()), poolSize: 2, leaseDeadline: .seconds(30), logger: Logger(label: "test"))
            }
            try await closing(target) { target in
                try await target.migrate()
                let truncated = Array(all.dropLast())
                let index = Mutex(0)
                await #expect(throws: AgenticError.self) {
                    _ = try await target.importSnapshot {
                        index.withLock { i in defer { i += 1 }; return i < truncated.count ? truncated[i] : nil }
                    }
                }
                #expect(try await target.countKeys() == 0, "a refused import writes nothing")
                // The same snapshot whole goes in — written as a build before schedules, limits,
                // settings and webhooks were carried wrote it: its end record counts only the first
                // seven kinds. A second time it is refused.
                let old = ["tenants", "keys", "agents", "goals", "plans", "tasks", "events"]
                let endLine = try #require(all.last)
                let end = try #require(try JSONParser.parse(endLine)["end"]?.objectValue)
                #expect(end.count > old.count, "this build's end record counts more")
                let legacyEnd = JSONValue.object(["end": .object(end.filter { old.contains($0.key.string) })])
                let legacy = all.dropLast() + [Array(legacyEnd.description.utf8)]
                index.withLock { $0 = 0 }
                let imported = try await target.importSnapshot {
                    index.withLock { i in defer { i += 1 }; return i < legacy.count ? legacy[i] : nil }
                }
                #expect(imported.agents == 1 && imported.keys == 1 && imported.schedules == 0)
                index.withLock { $0 = 0 }
                await #expect {
                    _ = try await target.importSnapshot { index.withLock { i in defer { i += 1 }; return i < all.count ? all[i] : nil } }
                } throws: { ($0 as? AgenticError)?.code == .importTargetNotEmpty }
            }
        }
    }

    static func firstDifference(_ a: String, _ b: String) -> String {
        let x = Array(a), y = Array(b)
        let index = zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(x.count, y.count)
        let start = max(0, index - 80)
        return "at \(index): …\(String(x[start..<min(x.count, index + 80)]))… vs …\(String(y[start..<min(y.count, index + 80)]))…"
    }

    /// GETs `paths` (populating first when asked) and returns each body.
    static func responses(
        store: any Store, secret: String, tenant: String, populate: Bool, paths: [String] = [], expectedEvents: Int = 0
    ) async throws
        -> [(String, String)]
    {
        let (router, _) = buildRouter(store: store, configuration: ServerConfiguration())
        return try await Application(router: router, logger: TestApp.serverLogger).test(.router) { client in
            let api = TestAPI(client: client, key: secret, store: store, tenant: tenant)
            let targets = populate ? try await Self.populate(api) : paths
            var out: [(String, String)] = []
            for path in targets {
                // On PostgreSQL the imported events show once every older transaction in the cluster has
                // ended (other tests' included), so the event list is read when it is whole.
                let reply = try await poll({ try await api.get(path) }) {
                    populate || !path.hasPrefix("/api/v1/events") || $0.items.count == expectedEvents
                }
                #expect(reply.status == 200, "\(path): \(reply.text)")
                out.append((path, reply.text))
            }
            return out
        }
    }
}
