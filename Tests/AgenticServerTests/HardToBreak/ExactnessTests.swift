import AgenticCore
import Foundation
import HTTPTypes
import Testing

/// Text is compared and counted as exact Unicode scalars, and ids belong to their tenant.
@Suite("Hard to break: exact text, ids per tenant", .timeLimit(.minutes(3)))
struct ExactnessTests {
    static let composed = "caf\u{E9}"  // é as one scalar
    static let decomposed = "cafe\u{301}"  // e + combining acute

    @Test("a PATCH from one spelling of café to the other is a change", arguments: Backend.available)
    func canonicalEquivalentsDiffer(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let agent = try await api.create(.agent, ["name": .string(Self.composed), "metadata": ["k": .string(Self.composed)]])
            let id = agent["agent_id"]!.stringValue!
            let renamed = try await api.patch("/api/v1/agents/\(id)", ["name": .string(Self.decomposed)])
            #expect(renamed.status == 200 && renamed["version"] == 2, "a real change gets a new version")
            #expect(Array(renamed["name"]!.stringValue!.unicodeScalars) == Array(Self.decomposed.unicodeScalars))
            let stored = try await api.get("/api/v1/agents/\(id)")
            #expect(Array(stored["name"]!.stringValue!.unicodeScalars) == Array(Self.decomposed.unicodeScalars), "stored as sent")
            let inside = try await api.patch("/api/v1/agents/\(id)", ["metadata": ["k": .string(Self.decomposed)]])
            #expect(inside["version"] == 3, "a change inside free-form JSON counts too")
            let same = try await api.patch("/api/v1/agents/\(id)", ["name": .string(Self.decomposed)])
            #expect(same["version"] == 3, "the very same scalars are no change")
        }
    }

    @Test("two spellings of one name are two JSON members, not a duplicate key", arguments: Backend.available)
    func membersByScalars(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let body = "{\"name\": \"m\", \"metadata\": {\"\(Self.composed)\": 1, \"\(Self.decomposed)\": 2}}"
            let created = try await api.call(.post, "/api/v1/agents", raw: body, headers: [.contentType: "application/json"])
            #expect(created.status == 201, "\(created.text)")
            let metadata = try #require(created["metadata"]?.objectValue)
            #expect(metadata.count == 2)
            #expect(metadata[JSONKey(Self.composed)] == 1 && metadata[JSONKey(Self.decomposed)] == 2)
            let id = created["agent_id"]!.stringValue!
            let read = try await api.get("/api/v1/agents/\(id)")
            #expect(read["metadata"]?.objectValue?.count == 2, "both members are stored")
            let duplicate = try await api.call(
                .post, "/api/v1/agents", raw: "{\"name\": \"m\", \"metadata\": {\"k\": 1, \"k\": 2}}", headers: [.contentType: "application/json"])
            #expect(duplicate.status == 400 && duplicate.code == "malformed_json", "the same scalars twice are a duplicate")
        }
    }

    @Test("length limits count scalars: a letter with 250,000 combining marks is not one character", arguments: Backend.available)
    func limitsCountScalars(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let marks = "a" + String(repeating: "\u{301}", count: 250_000)
            let tooLong = try await api.post("/api/v1/agents", ["name": .string(marks)])
            #expect(tooLong.status == 422 && tooLong.errorFields == ["name"])
            let limit = "a" + String(repeating: "\u{301}", count: Limits.maxNameLength - 1)
            #expect(try await api.post("/api/v1/agents", ["name": .string(limit)]).status == 201, "200 scalars fit")
            let over = "a" + String(repeating: "\u{301}", count: Limits.maxNameLength)
            #expect(try await api.post("/api/v1/agents", ["name": .string(over)]).status == 422, "201 do not")
            // The default task name is cut at 50 scalars, so it always fits the name limit.
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let task = try await api.create(.task, ["plan_id": .string(plan), "description": .string(String(repeating: "e\u{301}", count: 1_000))])
            #expect(task["name"]?.stringValue?.unicodeScalars.count == 50)
        }
    }

    @Test("an id used in one tenant is free in another; each sees only its own", arguments: Backend.available)
    func idsPerTenant(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let other = api.with(key: try await api.makeKey(scope: .write, tenant: TestApp.newTenant()))
            let ids = (agent: UUID().lowercased, goal: UUID().lowercased, plan: UUID().lowercased, task: UUID().lowercased)
            for client in [api, other] {
                let tag = JSONValue.string(client.key == api.key ? "mine" : "theirs")
                #expect(try await client.post("/api/v1/agents", ["agent_id": .string(ids.agent), "name": tag]).status == 201)
                #expect(try await client.post("/api/v1/goals", ["goal_id": .string(ids.goal), "goal_text": tag, "agent_id": .string(ids.agent)]).status == 201)
                #expect(try await client.post("/api/v1/plans", ["plan_id": .string(ids.plan), "goal_id": .string(ids.goal), "name": tag]).status == 201)
                #expect(try await client.post("/api/v1/tasks", ["task_id": .string(ids.task), "plan_id": .string(ids.plan), "name": tag]).status == 201)
            }
            #expect(try await api.post("/api/v1/agents", ["agent_id": .string(ids.agent), "name": "again"]).status == 409, "still unique within a tenant")
            #expect(try await api.get("/api/v1/agents/\(ids.agent)")["name"] == "mine")
            #expect(try await other.get("/api/v1/agents/\(ids.agent)")["name"] == "theirs")
            #expect(try await other.patch("/api/v1/tasks/\(ids.task)", ["name": "changed"]).status == 200)
            #expect(try await api.get("/api/v1/tasks/\(ids.task)")["name"] == "mine", "a change in one tenant leaves the other alone")
            #expect(try await other.delete("/api/v1/goals/\(ids.goal)").status == 204)
            #expect(try await api.get("/api/v1/plans/\(ids.plan)")["name"] == "mine", "a cascade stays in its tenant")
            #expect(try await other.get("/api/v1/plans/\(ids.plan)").status == 404)
            #expect(try await other.delete("/api/v1/agents/\(ids.agent)").status == 204)
            #expect(try await api.get("/api/v1/goals/\(ids.goal)")["agent_id"]?.stringValue == ids.agent, "detaching stays in its tenant")
        }
    }
}
