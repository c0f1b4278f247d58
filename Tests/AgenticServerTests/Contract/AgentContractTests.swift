import AgenticCore
import Foundation
import HTTPTypes
import Testing

@Suite("Contract: agents", .timeLimit(.minutes(3)))
struct AgentContractTests {
    @Test("create applies every default and answers 201 with Location and ETag", arguments: Backend.available)
    func createDefaults(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let reply = try await api.post("/api/v1/agents", ["name": "Research Assistant"])
            #expect(reply.status == 201)
            let agent = reply.json
            let id = try #require(agent["agent_id"]?.stringValue)
            #expect(id == id.lowercased() && UUID(uuidString: id) != nil)
            #expect(reply.header("Location") == "/api/v1/agents/\(id)")
            #expect(reply.header("ETag") == "\"1\"")
            #expect(agent["name"] == "Research Assistant")
            #expect(agent["agent_type"] == "general")
            #expect(agent["status"] == "created")
            #expect(agent["configuration"] == [:] && agent["metadata"] == [:] && agent["resource_limits"] == [:])
            #expect(agent["version"] == 1)
            #expect(agent["id"] == nil, "the identity field is agent_id only")
            let did = try #require(agent["did"]?.stringValue)
            #expect(did.hasPrefix("did:agent:research-assistant:") && did.count == "did:agent:research-assistant:".count + 8)
            let created = try #require(agent["created_at"]?.stringValue)
            #expect(created.hasSuffix("Z") && created.count == 27, "RFC 3339 UTC with microseconds: \(created)")
            #expect(agent["updated_at"]?.stringValue == created)
        }
    }

    @Test("a client-supplied id is used; the same id or did again is 409", arguments: Backend.available)
    func clientIDsAndDuplicates(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let id = UUID().lowercased
            let first = try await api.post("/api/v1/agents", ["agent_id": .string(id), "name": "a", "did": "did:agent:a:1"])
            #expect(first.status == 201 && first["agent_id"]?.stringValue == id)
            let sameID = try await api.post("/api/v1/agents", ["agent_id": .string(id), "name": "b"])
            #expect(sameID.status == 409 && sameID.code == "already_exists")
            let sameDID = try await api.post("/api/v1/agents", ["name": "c", "did": "did:agent:a:1"])
            #expect(sameDID.status == 409 && sameDID.code == "already_exists")
            let list = try await api.get("/api/v1/agents")
            #expect(list.items.count == 1, "a refused create leaves nothing behind")
        }
    }

    @Test("create rejects every bad field at once, naming each", arguments: Backend.available)
    func createValidation(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let reply = try await api.post(
                "/api/v1/agents",
                [
                    "name": "", "agent_type": "9 bad", "status": "sleeping", "configuration": [1, 2], "did": "not-a-did",
                    "version": 3, "colour": "red",
                ])
            #expect(reply.status == 422)
            #expect(reply.code == "validation_failed")
            #expect(
                Set(reply.errorFields) == ["name", "agent_type", "status", "configuration", "did", "version", "colour"])
            #expect(reply.header("Content-Type") == "application/problem+json")
            let missing = try await api.post("/api/v1/agents", [:])
            #expect(missing.status == 422 && missing.errorFields == ["name"])
            let long = try await api.post("/api/v1/agents", ["name": .string(String(repeating: "x", count: 201))])
            #expect(long.status == 422 && long.errorFields == ["name"])
            let nul = try await api.post("/api/v1/agents", ["name": "a", "metadata": ["k": "a\u{0}b"]])
            #expect(nul.status == 422 && nul.errorFields == ["metadata.k"])
        }
    }

    @Test("get answers the resource; unknown is 404, malformed id 400", arguments: Backend.available)
    func get(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let created = try await api.create(.agent, ["name": "g", "configuration": ["max_tokens": 1000, "nested": ["a": [1, 2.5, true, nil]]]])
            let id = created["agent_id"]!.stringValue!
            let reply = try await api.get("/api/v1/agents/\(id)")
            #expect(reply.status == 200 && reply.json == created)
            #expect(reply["configuration"]?["max_tokens"] == 1000, "JSON objects come back as objects, not strings")
            #expect(reply.header("ETag") == "\"1\"")
            let missing = try await api.get("/api/v1/agents/\(UUID().lowercased)")
            #expect(missing.status == 404 && missing.code == "not_found")
            let malformed = try await api.get("/api/v1/agents/not-a-uuid")
            #expect(malformed.status == 400 && malformed.code == "malformed_id")
        }
    }

    @Test("patch changes only what it names, bumps version and updated_at", arguments: Backend.available)
    func patch(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let created = try await api.create(.agent, ["name": "p", "metadata": ["team": "x"]])
            let id = created["agent_id"]!.stringValue!
            try await Task.sleep(for: .milliseconds(2))
            let reply = try await api.patch("/api/v1/agents/\(id)", ["status": "active", "configuration": ["max_tokens": 1500]])
            #expect(reply.status == 200)
            #expect(reply["status"] == "active" && reply["configuration"]?["max_tokens"] == 1500)
            #expect(reply["metadata"] == ["team": "x"] && reply["name"] == "p")
            #expect(reply["version"] == 2 && reply.header("ETag") == "\"2\"")
            #expect(reply["created_at"] == created["created_at"])
            #expect(reply["updated_at"] != created["updated_at"])
            let same = try await api.patch("/api/v1/agents/\(id)", ["status": "active"])
            #expect(same.status == 200 && same["version"] == 2, "setting a field to its value is a no-op")
            let empty = try await api.patch("/api/v1/agents/\(id)", [:])
            #expect(empty.status == 400 && empty.code == "no_fields")
            let readOnly = try await api.patch("/api/v1/agents/\(id)", ["agent_id": .string(UUID().lowercased)])
            #expect(readOnly.status == 422 && readOnly.errorFields == ["agent_id"])
            let unknown = try await api.patch("/api/v1/agents/\(id)", ["mood": "happy"])
            #expect(unknown.status == 422 && unknown.errorFields == ["mood"])
            let missing = try await api.patch("/api/v1/agents/\(UUID().lowercased)", ["name": "x"])
            #expect(missing.status == 404)
        }
    }

    @Test("a terminated agent stays terminated", arguments: Backend.available)
    func terminatedIsFinal(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let id = try await api.id(.agent, ["name": "t"])
            for status in ["active", "suspended", "error", "idle", "busy", "created"] {
                #expect(try await api.patch("/api/v1/agents/\(id)", ["status": .string(status)]).status == 200)
            }
            #expect(try await api.patch("/api/v1/agents/\(id)", ["status": "terminated"]).status == 200)
            let back = try await api.patch("/api/v1/agents/\(id)", ["status": "active"])
            #expect(back.status == 409 && back.code == "invalid_transition")
            #expect(try await api.patch("/api/v1/agents/\(id)", ["status": "terminated"]).status == 200)
            #expect(try await api.get("/api/v1/agents/\(id)")["status"] == "terminated")
        }
    }

    @Test("If-Match guards PATCH and DELETE with 412", arguments: Backend.available)
    func ifMatch(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let id = try await api.id(.agent, ["name": "e"])
            let stale = try await api.patch("/api/v1/agents/\(id)", ["name": "f"], headers: [.ifMatch: "\"7\""])
            #expect(stale.status == 412 && stale.code == "version_mismatch")
            let garbage = try await api.patch("/api/v1/agents/\(id)", ["name": "f"], headers: [.ifMatch: "nonsense"])
            #expect(garbage.status == 412)
            let fresh = try await api.patch("/api/v1/agents/\(id)", ["name": "f"], headers: [.ifMatch: "\"1\""])
            #expect(fresh.status == 200 && fresh.header("ETag") == "\"2\"")
            #expect(try await api.patch("/api/v1/agents/\(id)", ["name": "g"], headers: [.ifMatch: "*"]).status == 200)
            #expect(try await api.delete("/api/v1/agents/\(id)", headers: [.ifMatch: "\"1\""]).status == 412)
            #expect(try await api.get("/api/v1/agents/\(id)").status == 200, "a refused delete deletes nothing")
            // RFC 9110: any listed strong tag may match; a weak tag never does; several lines are one list.
            #expect(try await api.delete("/api/v1/agents/\(id)", headers: [.ifMatch: "W/\"3\""]).status == 412)
            #expect(try await api.patch("/api/v1/agents/\(id)", ["name": "h"], headers: [.ifMatch: "\"9\", \"3\""]).status == 200)
            #expect(try await api.patch("/api/v1/agents/\(id)", ["name": "i"], headers: [.ifMatch: "W/\"4\", \"99999999999999999999\""]).status == 412)
            var lines = HTTPFields()
            lines.append(HTTPField(name: .ifMatch, value: "\"8\""))
            lines.append(HTTPField(name: .ifMatch, value: "\"4\""))
            #expect(try await api.patch("/api/v1/agents/\(id)", ["name": "i"], headers: lines).status == 200)
            #expect(try await api.delete("/api/v1/agents/\(id)", headers: [.ifMatch: "\"5\", W/\"5\""]).status == 204)
            #expect(try await api.delete("/api/v1/agents/\(id)", headers: [.ifMatch: "*"]).status == 404, "* holds only for an existing resource")
        }
    }

    @Test("deleting an agent nulls agent_id below it and releases its leases", arguments: Backend.available)
    func deleteDetaches(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let agent = try await api.id(.agent, ["name": "d"])
            let goal = try await api.create(.goal, ["goal_text": "g", "agent_id": .string(agent)])
            let goalID = goal["goal_id"]!.stringValue!
            let plan = try await api.id(.plan, ["goal_id": .string(goalID), "agent_id": .string(agent)])
            let task = try await api.id(.task, ["plan_id": .string(plan), "agent_id": .string(agent)])
            let claimed = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(agent)])
            #expect(claimed.items.first?["task_id"]?.stringValue == task)
            let goalBefore = try await api.get("/api/v1/goals/\(goalID)")

            #expect(try await api.delete("/api/v1/agents/\(agent)").status == 204)
            #expect(try await api.get("/api/v1/agents/\(agent)").status == 404)
            #expect(try await api.delete("/api/v1/agents/\(agent)").status == 404)
            let goalAfter = try await api.get("/api/v1/goals/\(goalID)")
            #expect(goalAfter["agent_id"] == .null)
            #expect(goalAfter["version"]?.intValue == (goalBefore["version"]?.intValue ?? 0) + 1)
            #expect(goalAfter["agent_did"] == goal["agent_did"], "the DID stays as a record")
            #expect(try await api.get("/api/v1/plans/\(plan)")["agent_id"] == .null)
            let taskAfter = try await api.get("/api/v1/tasks/\(task)")
            #expect(taskAfter["agent_id"] == .null)
            #expect(taskAfter["status"] == "pending", "the deleted agent's lease is released")
            #expect(taskAfter["lease_expires_at"] == .null)
        }
    }
}
