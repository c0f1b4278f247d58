import AgenticCore
import Foundation
import HTTPTypes
import Testing

@Suite("Gateway: tenants never see each other", .timeLimit(.minutes(3)))
struct TenancyTests {
    @Test("another tenant's resources are 404 on every route, over a real socket", arguments: Backend.available)
    func crossTenant(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { a in
            // Tenant A's world.
            let agent = try await a.id(.agent, ["name": "a-worker"])
            let goal = try await a.id(.goal, ["goal_text": "a goal", "agent_id": .string(agent)])
            let plan = try await a.id(.plan, ["goal_id": .string(goal)])
            let task = try await a.id(.task, ["plan_id": .string(plan)])
            let queued = try await a.id(.task, ["plan_id": .string(plan)])
            let schedule = try await a.id(
                .schedule, ["name": "a schedule", "cron": "0 0 * * *", "goal_template": ["goal_text": "g"], "plan_template": [:]])
            #expect(try await a.post("/api/v1/tasks/claim", ["agent_id": .string(agent)]).items.count == 1)

            // Tenant B, even with an admin key.
            let b = a.with(key: try await a.makeKey(scope: .admin, tenant: TestApp.newTenant()))
            let bAgent = try await b.id(.agent, ["name": "b-worker"])
            for kind in ResourceKind.allCases {
                let id = try #require(["agent": agent, "goal": goal, "plan": plan, "task": task, "schedule": schedule][kind.rawValue])
                let path = "/api/v1/\(kind.plural)/\(id)"
                #expect(try await b.get(path).status == 404, "GET \(path)")
                let change: JSONValue = kind == .goal ? ["goal_text": "mine now"] : ["name": "mine now"]
                #expect(try await b.patch(path, change).status == 404, "PATCH \(path)")
                #expect(try await b.delete(path).status == 404, "DELETE \(path)")
                #expect(try await b.get("/api/v1/\(kind.plural)").items.isEmpty || kind == .agent, "list \(kind.plural)")
            }
            #expect(try await b.get("/api/v1/agents").items.map { $0["agent_id"] } == [.string(bAgent)])
            for path in [
                "/api/v1/goals/\(goal)/cancel", "/api/v1/plans/\(plan)/cancel", "/api/v1/tasks/\(task)/cancel", "/api/v1/schedules/\(schedule)/pause",
            ] {
                #expect(try await b.post(path).status == 404, "POST \(path)")
            }
            for action in ["heartbeat", "complete", "fail"] {
                #expect(try await b.post("/api/v1/tasks/\(task)/\(action)", ["agent_id": .string(bAgent)]).status == 404, "\(action)")
            }
            #expect(try await b.post("/api/v1/tasks/claim", ["agent_id": .string(bAgent)]).items.isEmpty, "B's worker never gets A's work")
            #expect(try await b.post("/api/v1/tasks/claim", ["agent_id": .string(agent)]).status == 422, "A's agent is unknown to B")
            // References into A from B's bodies name nothing.
            #expect(try await b.post("/api/v1/goals", ["goal_text": "x", "agent_id": .string(agent)]).errorFields == ["agent_id"])
            #expect(try await b.post("/api/v1/plans", ["goal_id": .string(goal)]).errorFields == ["goal_id"])
            #expect(try await b.post("/api/v1/tasks", ["plan_id": .string(plan)]).errorFields == ["plan_id"])
            let bGoal = try await b.id(.goal, ["goal_text": "b goal"])
            let bPlan = try await b.id(.plan, ["goal_id": .string(bGoal)])
            #expect(try await b.post("/api/v1/tasks", ["plan_id": .string(bPlan), "depends_on": [.string(queued)]]).errorFields == ["depends_on[0]"])
            // Events and keys.
            let events = try await b.get("/api/v1/events?limit=1000&wait=1")
            #expect(events.items.allSatisfy { ![agent, goal, plan, task, queued].contains($0["resource_id"]?.stringValue ?? "") })
            #expect(try await b.get("/api/v1/keys").items.allSatisfy { $0["tenant"]?.stringValue != a.tenant })
            let aKeys = try await a.get("/api/v1/keys").items
            let aKeyID = try #require(aKeys.first?["key_id"]?.stringValue)
            #expect(try await b.delete("/api/v1/keys/\(aKeyID)").status == 404)
            // A's data is untouched by all of it.
            #expect(try await a.get("/api/v1/tasks/\(task)")["status"] == "running")
            #expect(try await a.get("/api/v1/agents/\(agent)")["version"] == 1)
        }
    }

    @Test("only an admin of the default tenant may create keys for another tenant", arguments: Backend.available)
    func tenantCreation(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let elsewhere = TestApp.newTenant()
            let refused = try await api.post("/api/v1/keys", ["name": "x", "scope": "read", "tenant": .string(elsewhere)])
            #expect(refused.status == 403 && refused.code == "forbidden")
            let own = try await api.post("/api/v1/keys", ["name": "mine", "scope": "read", "tenant": .string(api.tenant)])
            #expect(own.status == 201 && own["tenant"]?.stringValue == api.tenant)

            let operator_ = api.with(key: try await api.makeKey(scope: .admin, tenant: ApiKey.defaultTenant))
            let created = try await operator_.post("/api/v1/keys", ["name": "new-tenant", "scope": "write", "tenant": .string(elsewhere)])
            #expect(created.status == 201 && created["tenant"]?.stringValue == elsewhere)
            let newTenant = api.with(key: try #require(created["key"]?.stringValue))
            #expect(try await newTenant.post("/api/v1/agents", ["name": "first"]).status == 201)
            #expect(try await newTenant.get("/api/v1/agents").items.count == 1)
            #expect(try await api.get("/api/v1/agents").items.isEmpty)
        }
    }
}
