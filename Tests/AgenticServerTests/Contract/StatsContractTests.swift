import AgenticCore
import Foundation
import Testing

@Suite("Contract: counts for screens and name search", .timeLimit(.minutes(3)))
struct StatsContractTests {
    /// Every item of a listing, page after page.
    static func all(_ api: TestAPI, _ path: String) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var cursor: String?
        repeat {
            let separator = path.contains("?") ? "&" : "?"
            let page = try await api.get(path + separator + "limit=200" + (cursor.map { "&cursor=\($0)" } ?? ""))
            items += page.items
            cursor = page["next_cursor"]?.stringValue
        } while cursor != nil
        return items
    }

    @Test("stats equal the counts computed from lists after a mixed workload, before and after the counters are folded", arguments: Backend.available)
    func statsMatchLists(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let empty = try await api.get("/api/v1/stats")
            #expect(empty.status == 200 && empty["ready_tasks"] == 0 && empty["oldest_ready_at"] == .null)
            #expect(empty["tasks"]?["pending"] == 0 && empty["last_hour"]?["claims"] == 0)

            let workers = [try await api.id(.agent, ["name": "w1"]), try await api.id(.agent, ["name": "w2"])]
            _ = try await api.patch("/api/v1/agents/\(workers[1])", ["status": "busy"])
            let gone = try await api.id(.agent, ["name": "gone"])
            _ = try await api.patch("/api/v1/agents/\(gone)", ["status": "terminated"])
            let deleted = try await api.id(.agent, ["name": "deleted"])
            #expect(try await api.delete("/api/v1/agents/\(deleted)").status == 204)

            let goal = try await api.id(.goal, ["goal_text": "mixed"])
            var claims = 0, completions = 0, failures = 0
            for round in 0..<3 {
                let created = try await api.post(
                    "/api/v1/plans",
                    PlanGraphContractTests.plan(
                        goal,
                        [
                            PlanGraphContractTests.task("a", [], ["max_attempts": 2, "priority": .int(Int64(round))]),
                            PlanGraphContractTests.task("b", ["a"]), PlanGraphContractTests.task("c"),
                            PlanGraphContractTests.task("d", ["b"]), PlanGraphContractTests.task("e", [], ["status": "blocked"]),
                        ]))
                let plan = try #require(created["plan_id"]?.stringValue)
                func claim(_ worker: String) async throws -> [String] {
                    let ids = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan), "limit": 2])
                        .items.compactMap { $0["task_id"]?.stringValue }
                    claims += ids.count
                    return ids
                }
                // a and c: a fails once (retried), c completes; then a is claimed again and completes.
                let first = try await claim(workers[0])
                for id in first {
                    let name = try await api.get("/api/v1/tasks/\(id)")["name"]
                    if name == "a" {
                        #expect(try await api.post("/api/v1/tasks/\(id)/fail", ["agent_id": .string(workers[0])])["status"] == "pending")
                        failures += 1
                    } else {
                        #expect(try await api.post("/api/v1/tasks/\(id)/complete", ["agent_id": .string(workers[0])]).status == 200)
                        completions += 1
                    }
                }
                for id in try await claim(workers[1]) {
                    #expect(try await api.post("/api/v1/tasks/\(id)/complete", ["agent_id": .string(workers[1])]).status == 200)
                    completions += 1
                }
                // b is now ready; round 1 fails it for good (d is skipped), round 2 leaves it running.
                let next = try await claim(workers[0])
                if round == 1, let id = next.first {
                    #expect(try await api.post("/api/v1/tasks/\(id)/fail", ["agent_id": .string(workers[0]), "retryable": false])["status"] == "failed")
                    failures += 1
                }
                if round == 2 { _ = try await api.post("/api/v1/plans/\(plan)/cancel") }
            }
            _ = try await api.id(.task, ["plan_id": .string(try await api.id(.plan, ["goal_id": .string(goal)])), "name": "lonely"])
            // Deletes take their tasks along (the schema's cascades): the counts follow.
            let doomedGoal = try await api.id(.goal, ["goal_text": "doomed"])
            for _ in 0..<2 {
                let doomed = try await api.post(
                    "/api/v1/plans", PlanGraphContractTests.plan(doomedGoal, [PlanGraphContractTests.task("x"), PlanGraphContractTests.task("y", ["x"])]))
                #expect(doomed.status == 201)
            }
            let doomedPlans = try await api.get("/api/v1/plans?goal_id=\(doomedGoal)").items.compactMap { $0["plan_id"]?.stringValue }
            #expect(try await api.delete("/api/v1/plans/\(doomedPlans[0])").status == 204)
            #expect(try await api.delete("/api/v1/goals/\(doomedGoal)").status == 204)
            // A write undone halfway (its last task's id is taken) leaves no count behind.
            let taken = try #require(try await api.get("/api/v1/tasks?limit=1").items.first?["task_id"])
            let clash = try await api.post(
                "/api/v1/plans",
                PlanGraphContractTests.plan(goal, [PlanGraphContractTests.task("p"), PlanGraphContractTests.task("q", ["p"], ["task_id": taken])]))
            #expect(clash.status == 409, "\(clash.text)")

            func expectMatches(_ stats: Reply) async throws {
                let agents = try await Self.all(api, "/api/v1/agents")
                let tasks = try await Self.all(api, "/api/v1/tasks")
                for status in AgentStatus.allCases {
                    #expect(stats["agents"]?[status.rawValue]?.intValue == Int64(agents.filter { $0["status"]?.stringValue == status.rawValue }.count), "agents \(status)")
                }
                for status in TaskStatus.allCases {
                    #expect(stats["tasks"]?[status.rawValue]?.intValue == Int64(tasks.filter { $0["status"]?.stringValue == status.rawValue }.count), "tasks \(status)")
                }
                let statusByID = Dictionary(uniqueKeysWithValues: tasks.map { ($0["task_id"]?.stringValue ?? "", $0["status"]?.stringValue ?? "") })
                let ready = tasks.filter { task in
                    task["status"] == "pending"
                        && (task["depends_on"]?.arrayValue ?? []).allSatisfy { statusByID[$0.stringValue ?? ""] == "completed" }
                }
                #expect(stats["ready_tasks"]?.intValue == Int64(ready.count))
                let oldest = ready.compactMap { $0["created_at"]?.stringValue }.min()
                #expect(stats["oldest_ready_at"]?.stringValue == oldest)
                #expect((stats["oldest_ready_age_seconds"]?.doubleValue ?? -1) >= 0)
                for window in ["last_minute", "last_hour"] {
                    #expect(stats[window]?["claims"]?.intValue == Int64(claims), "\(window)")
                    #expect(stats[window]?["completions"]?.intValue == Int64(completions), "\(window)")
                    #expect(stats[window]?["failures"]?.intValue == Int64(failures), "\(window)")
                }
                // Minute by minute: ten of them, the last the same window as last_minute, together
                // everything (the workload took far less than ten minutes).
                let minutes = stats["minutes"]?.arrayValue ?? []
                #expect(minutes.count == 10 && minutes.last == stats["last_minute"])
                for (name, total) in [("claims", claims), ("completions", completions), ("failures", failures)] {
                    #expect(minutes.compactMap { $0[name]?.intValue }.reduce(0, +) == Int64(total), "\(name) by minute")
                }
                // The head is what readers can see: on PostgreSQL an older transaction still open (another
                // test's) holds it back a moment, so it reaches the tenant's newest event soon, not at once.
                let newest = try await api.get("/api/v1/events?limit=1000").items.compactMap { $0["event_id"]?.intValue }.max() ?? 0
                #expect(newest > 0 && (stats["last_event_id"]?.intValue ?? -1) > 0)
                _ = try await poll({ try await api.get("/api/v1/stats")["last_event_id"]?.intValue ?? -1 }, until: { $0 >= newest })
            }
            let stats = try await api.get("/api/v1/stats")
            #expect(stats.status == 200, "\(stats.text)")
            try await expectMatches(stats)
            #expect(claims > 0 && completions > 0 && failures > 0)

            // The maintenance sweep folds every connection's counters into one: the same answer.
            try await api.store.compactCounters()
            try await expectMatches(try await api.get("/api/v1/stats"))

            // Another tenant sees only its own.
            let other = api.with(key: try await api.makeKey(scope: .read, tenant: TestApp.newTenant()))
            let theirs = try await other.get("/api/v1/stats")
            #expect(theirs["tasks"]?["completed"] == 0 && theirs["agents"]?["created"] == 0 && theirs["last_hour"]?["claims"] == 0)
            #expect(try await api.get("/api/v1/stats?tenant=x").errorFields == ["tenant"])
        }
    }

    @Test("?name= finds agents, goals and plans by exact name prefix", arguments: Backend.available)
    func namePrefix(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let names = ["research", "Research", "researcher", "rescue", "résumé", "re", "r", "ü-first", "z\u{10FFFF}tail", "z\u{10FFFF}"]
            var agents: [String: String] = [:]
            for name in names { agents[name] = try await api.id(.agent, ["name": .string(name)]) }
            func found(_ prefix: String, _ collection: String = "agents") async throws -> Set<String> {
                let encoded = prefix.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? prefix
                let reply = try await api.get("/api/v1/\(collection)?name=\(encoded)")
                #expect(reply.status == 200, "\(reply.text)")
                return Set(reply.items.compactMap { $0[collection == "goals" ? "goal_text" : "name"]?.stringValue })
            }
            #expect(try await found("research") == ["research", "researcher"])
            #expect(try await found("re") == ["research", "researcher", "rescue", "re"])
            #expect(try await found("R") == ["Research"])
            #expect(try await found("ré") == ["résumé"])
            #expect(try await found("z\u{10FFFF}") == ["z\u{10FFFF}tail", "z\u{10FFFF}"])
            #expect(try await found("zz").isEmpty)
            #expect(try await found("ü") == ["ü-first"])

            // Goals by the start of their text (long texts too); plans by name; with other filters.
            let long = "plan the move " + String(repeating: "and then some ", count: 700)
            let goal = try await api.id(.goal, ["goal_text": .string(long)])
            _ = try await api.id(.goal, ["goal_text": "pack boxes"])
            #expect(try await found("plan the", "goals") == [long])
            #expect(try await found(String(long.prefix(200)), "goals") == [long])
            let plan = try await api.id(.plan, ["goal_id": .string(goal), "name": "alpha"])
            _ = try await api.id(.plan, ["goal_id": .string(goal), "name": "beta"])
            #expect(try await found("al", "plans") == ["alpha"])
            #expect(try await api.get("/api/v1/plans?name=al&status=draft").items.compactMap { $0["plan_id"]?.stringValue } == [plan])
            #expect(try await api.get("/api/v1/plans?name=al&status=active").items.isEmpty)

            // Paged like any list.
            for n in 0..<5 { _ = try await api.id(.agent, ["name": .string("page-\(n)")]) }
            let first = try await api.get("/api/v1/agents?name=page-&limit=3")
            let cursor = try #require(first["next_cursor"]?.stringValue)
            let second = try await api.get("/api/v1/agents?name=page-&limit=3&cursor=\(cursor)")
            #expect(first.items.count == 3 && second.items.count == 2 && second["next_cursor"] == .null)

            for query in ["name=", "name=" + String(repeating: "x", count: 201)] {
                let bad = try await api.get("/api/v1/agents?\(query)")
                #expect(bad.status == 422 && bad.errorFields == ["name"], "\(bad.text)")
            }
            #expect(try await api.get("/api/v1/tasks?name=x").errorFields == ["name"])
        }
    }
}
