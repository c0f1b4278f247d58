import AgenticCore
import Foundation
import HTTPTypes
import Testing

@Suite("Contract: lists", .timeLimit(.minutes(3)))
struct ListContractTests {
    @Test("pages walk every item once, newest first", arguments: Backend.available)
    func pagination(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            var created: [String] = []
            for index in 0..<7 { created.append(try await api.id(.agent, ["name": .string("agent-\(index)")])) }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/api/v1/agents?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await api.get(path)
                #expect(page.status == 200)
                seen += page.items.compactMap { $0["agent_id"]?.stringValue }
                cursor = page["next_cursor"]?.stringValue
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == created.reversed(), "newest first, each once")
            let last = try await api.get("/api/v1/agents?limit=7")
            #expect(last.items.count == 7 && last["next_cursor"] == .null)
        }
    }

    @Test("filters narrow each collection", arguments: Backend.available)
    func filters(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let worker = try await api.id(.agent, ["name": "w", "agent_type": "worker", "status": "active"])
            _ = try await api.id(.agent, ["name": "x", "agent_type": "critic"])
            #expect(try await api.get("/api/v1/agents?agent_type=worker").items.map { $0["agent_id"] } == [.string(worker)])
            #expect(try await api.get("/api/v1/agents?status=active").items.count == 1)
            #expect(try await api.get("/api/v1/agents?status=active&agent_type=critic").items.isEmpty)

            let goal = try await api.id(.goal, ["goal_text": "g", "agent_id": .string(worker)])
            _ = try await api.id(.goal, ["goal_text": "h", "status": "active"])
            #expect(try await api.get("/api/v1/goals?agent_id=\(worker)").items.count == 1)
            #expect(try await api.get("/api/v1/goals?status=active").items.count == 1)

            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let otherGoal = try await api.id(.goal, ["goal_text": "i"])
            _ = try await api.id(.plan, ["goal_id": .string(otherGoal), "agent_id": .string(worker)])
            #expect(try await api.get("/api/v1/plans?goal_id=\(goal)").items.map { $0["plan_id"] } == [.string(plan)])
            #expect(try await api.get("/api/v1/plans?agent_id=\(worker)").items.count == 1)

            let task = try await api.id(.task, ["plan_id": .string(plan), "agent_id": .string(worker)])
            _ = try await api.id(.task, ["plan_id": .string(plan), "status": "blocked"])
            #expect(try await api.get("/api/v1/tasks?plan_id=\(plan)").items.count == 2)
            #expect(try await api.get("/api/v1/tasks?plan_id=\(plan)&status=blocked").items.count == 1)
            #expect(try await api.get("/api/v1/tasks?agent_id=\(worker)").items.map { $0["task_id"] } == [.string(task)])
        }
    }

    @Test("bad list parameters are 422s naming the parameter", arguments: Backend.available)
    func badParameters(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            for (query, field) in [
                ("limit=0", "limit"), ("limit=201", "limit"), ("limit=abc", "limit"), ("cursor=%%%", "cursor"),
                ("cursor=bm90LWEtY3Vyc29y", "cursor"), ("status=sleeping", "status"), ("plan_id=12", "plan_id"),
                ("colour=red", "colour"),
            ] {
                let reply = try await api.get("/api/v1/tasks?\(query)")
                #expect(reply.status == 422 && reply.errorFields == [field], "\(query): \(reply.text)")
            }
            #expect(try await api.get("/api/v1/agents?limit=200").status == 200)
            // An empty status is any status (the seed's client sends `status=` for "any"); every other
            // empty parameter is still wrong.
            _ = try await api.id(.agent, ["name": "any"])
            #expect(try await api.get("/api/v1/agents/?limit=100&status=").items.count == 1)
            for query in ["limit=", "cursor=", "agent_type=", "name="] {
                #expect(try await api.get("/api/v1/agents?\(query)").errorFields == [String(query.dropLast())], "\(query)")
            }
        }
    }
}
