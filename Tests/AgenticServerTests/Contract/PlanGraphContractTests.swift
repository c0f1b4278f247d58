import AgenticCore
import Foundation
import Testing

@Suite("Contract: a plan with its task graph in one request", .timeLimit(.minutes(5)))
struct PlanGraphContractTests {
    static func task(_ ref: String, _ dependsOn: [String] = [], _ extra: JSONObject = [:]) -> JSONValue {
        var item: JSONObject = ["ref": .string(ref), "name": .string(ref)]
        if !dependsOn.isEmpty { item["depends_on_refs"] = .array(dependsOn.map { .string($0) }) }
        for (key, value) in extra { item[key] = value }
        return .object(item)
    }

    static func plan(_ goal: String, _ tasks: [JSONValue], _ extra: JSONObject = [:]) -> JSONValue {
        var body: JSONObject = ["goal_id": .string(goal), "tasks": .array(tasks)]
        for (key, value) in extra { body[key] = value }
        return .object(body)
    }

    @Test("the plan and its tasks are created together; refs answer with task ids, depends_on follows the refs", arguments: Backend.available)
    func createsGraph(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "ship it"])
            let worker = try await api.id(.agent, ["name": "w"])
            // `build` is listed before what it depends on: refs may point forward.
            let reply = try await api.post(
                "/api/v1/plans",
                Self.plan(
                    goal,
                    [
                        Self.task("build", ["fetch", "configure"], ["priority": 7, "inputs": ["target": "linux"]]),
                        Self.task("fetch", [], ["agent_id": .string(worker), "task_type": "io"]),
                        Self.task("configure", ["fetch"]),
                        Self.task("test", ["build"], ["status": "blocked"]),
                    ], ["name": "release"]))
            #expect(reply.status == 201, "\(reply.text)")
            let plan = try #require(reply["plan_id"]?.stringValue)
            #expect(reply.header("Location") == "/api/v1/plans/\(plan)" && reply.header("ETag") == "\"1\"")
            #expect(reply["name"] == "release" && reply["task_counts"]?["pending"] == 3 && reply["task_counts"]?["blocked"] == 1)
            let refs = reply["tasks"]?.arrayValue ?? []
            #expect(refs.compactMap { $0["ref"]?.stringValue } == ["build", "fetch", "configure", "test"])
            var ids: [String: String] = [:]
            for item in refs { ids[item["ref"]?.stringValue ?? ""] = item["task_id"]?.stringValue }

            let build = try await api.get("/api/v1/tasks/\(ids["build"]!)")
            #expect(build["plan_id"]?.stringValue == plan && build["priority"] == 7 && build["inputs"] == ["target": "linux"])
            #expect(Set((build["depends_on"]?.arrayValue ?? []).compactMap(\.stringValue)) == [ids["fetch"]!, ids["configure"]!])
            #expect(try await api.get("/api/v1/tasks/\(ids["fetch"]!)")["agent_id"]?.stringValue == worker)
            #expect(try await api.get("/api/v1/tasks/\(ids["test"]!)")["status"] == "blocked")

            // Only `fetch` is ready; the graph drains in dependency order.
            var order: [String] = []
            while true {
                let claimed = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan), "limit": 10]).items
                if claimed.isEmpty { break }
                for task in claimed {
                    let id = try #require(task["task_id"]?.stringValue)
                    order.append(ids.first { $0.value == id }?.key ?? "?")
                    #expect(try await api.post("/api/v1/tasks/\(id)/complete", ["agent_id": .string(worker)]).status == 200)
                }
            }
            #expect(order == ["fetch", "configure", "build"], "test stays blocked")

            // One event per resource, the plan's first.
            let events = try await api.events("types=plan.created,task.created", atLeast: 5)
            #expect(events.compactMap { $0["type"]?.stringValue } == ["plan.created"] + Array(repeating: "task.created", count: 4))
            #expect(Set(events.dropFirst().compactMap { $0["resource_id"]?.stringValue }) == Set(ids.values))
        }
    }

    @Test("a bad graph is a 422 naming the member, and nothing is written", arguments: Backend.available)
    func refusesBadGraphs(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let cases: [(JSONValue, [String])] = [
                (Self.plan(goal, [Self.task("a"), Self.task("a")]), ["tasks[1].ref"]),
                (Self.plan(goal, [Self.task("a", ["nope"])]), ["tasks[0].depends_on_refs[0]"]),
                (Self.plan(goal, [Self.task("a", ["a"])]), ["tasks[0].depends_on_refs[0]"]),
                (Self.plan(goal, [Self.task("a", ["b", "b"]), Self.task("b")]), ["tasks[0].depends_on_refs[1]"]),
                (Self.plan(goal, [Self.task("a", ["c"]), Self.task("b", ["a"]), Self.task("c", ["b"])]), ["tasks[1].depends_on_refs[0]"]),
                (Self.plan(goal, [Self.task("a"), .object(["name": "no ref"])]), ["tasks[1].ref"]),
                (Self.plan(goal, [Self.task("a", [], ["plan_id": .string(goal), "depends_on": []])]), ["tasks[0].depends_on", "tasks[0].plan_id"]),
                (Self.plan(goal, [Self.task("a", [], ["priority": 11, "status": "running", "colour": "red"])]),
                 ["tasks[0].colour", "tasks[0].priority", "tasks[0].status"]),
                (Self.plan(goal, [Self.task("a", [], ["attempts": 2])]), ["tasks[0].attempts"]),
                (Self.plan(goal, [.string("a")]), ["tasks[0]"]),
                (["goal_id": .string(goal), "tasks": "all of them"], ["tasks"]),
                (Self.plan(goal, (0...Limits.maxPlanTasks).map { Self.task("t\($0)") }), ["tasks"]),
                (Self.plan(goal, [Self.task("a", [], ["agent_id": .string(UUID().uuidString)])]), ["tasks[0].agent_id"]),
                (Self.plan(UUID().uuidString, [Self.task("a")]), ["goal_id"]),
            ]
            for (body, fields) in cases {
                let reply = try await api.post("/api/v1/plans", body)
                #expect(reply.status == 422, "\(reply.text)")
                #expect(reply.errorFields.sorted() == fields.sorted(), "\(reply.text)")
            }
            let ids = [UUID().uuidString, UUID().uuidString]
            let twice = try await api.post(
                "/api/v1/plans", Self.plan(goal, [Self.task("a", [], ["task_id": .string(ids[0])]), Self.task("b", [], ["task_id": .string(ids[0])])]))
            #expect(twice.status == 422 && twice.errorFields == ["tasks[1].task_id"])
            // The cycle names the tasks it goes through.
            let cycle = try await api.post("/api/v1/plans", Self.plan(goal, [Self.task("x", ["y"]), Self.task("y", ["x"])]))
            #expect(cycle.json["errors"]?.arrayValue?.first?["message"]?.stringValue?.contains("x → y → x") == true, "\(cycle.text)")

            // An id already taken fails the whole request at the store: no plan, no task, no event.
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            let taken = try await api.id(.task, ["plan_id": .string(plan)])
            let clash = try await api.post(
                "/api/v1/plans", Self.plan(goal, [Self.task("a"), Self.task("b", ["a"], ["task_id": .string(taken)])], ["name": "clash"]))
            #expect(clash.status == 409, "\(clash.text)")
            #expect(try await api.get("/api/v1/plans?goal_id=\(goal)").items.count == 1)
            #expect(try await api.get("/api/v1/tasks").items.count == 1)
            let created = try await api.events("types=plan.created", atLeast: 1)
            #expect(created.count == 1)
        }
    }

    @Test("500 tasks with a diamond-heavy graph: created in one call, drained by workers in dependency order", arguments: Backend.available)
    func largeDiamonds(backend: Backend) async throws {
        try await TestApp.withAPI(backend, poolSize: 6) { api in
            let goal = try await api.id(.goal, ["goal_text": "diamonds"])
            // Layers of diamonds: each task depends on up to three of the layer before.
            let width = 20
            var items: [JSONValue] = []
            var dependsOn: [String: [String]] = [:]
            for index in 0..<Limits.maxPlanTasks {
                let layer = index / width
                let ref = "t\(index)"
                let deps = layer == 0 ? [] : Set([0, 1, 7].map { "t\((layer - 1) * width + ((index % width) + $0) % width)" }).sorted()
                dependsOn[ref] = deps
                items.append(Self.task(ref, deps, ["inputs": ["n": .int(Int64(index))]]))
            }
            let reply = try await api.post("/api/v1/plans", Self.plan(goal, items))
            #expect(reply.status == 201, "\(reply.text.prefix(500))")
            let plan = try #require(reply["plan_id"]?.stringValue)
            var refByID: [String: String] = [:]
            for item in reply["tasks"]?.arrayValue ?? [] { refByID[item["task_id"]?.stringValue ?? ""] = item["ref"]?.stringValue }
            #expect(refByID.count == Limits.maxPlanTasks)
            let refs = refByID

            let workers = try await withThrowingTaskGroup(of: String.self) { group in
                for n in 0..<4 { group.addTask { try await api.id(.agent, ["name": .string("worker\(n)")]) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Each worker claims, checks every dependency completed before it, and completes.
            let finished = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in workers {
                    group.addTask {
                        var done: [String] = []
                        var idle = 0
                        while idle < 20 {
                            let claimed = try await api.post(
                                "/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan), "limit": 5]).items
                            if claimed.isEmpty {
                                idle += 1
                                try await Task.sleep(for: .milliseconds(20))
                                continue
                            }
                            idle = 0
                            for task in claimed {
                                let id = task["task_id"]?.stringValue ?? ""
                                for dependency in task["depends_on"]?.arrayValue ?? [] {
                                    let status = try await api.get("/api/v1/tasks/\(dependency.stringValue ?? "")")["status"]
                                    #expect(status == "completed", "\(refs[id] ?? id) ran before a dependency completed")
                                }
                                let complete = try await api.post("/api/v1/tasks/\(id)/complete", ["agent_id": .string(worker)])
                                #expect(complete.status == 200, "\(complete.text)")
                                done.append(refs[id] ?? id)
                            }
                        }
                        return done
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(finished.count == Limits.maxPlanTasks && Set(finished).count == Limits.maxPlanTasks)
            let final = try await poll({ try await api.get("/api/v1/plans/\(plan)") }, until: { $0["status"] == "completed" })
            #expect(final["task_counts"]?["completed"] == .int(Int64(Limits.maxPlanTasks)))
            #expect(try await api.get("/api/v1/goals/\(goal)")["status"] == "completed")
        }
    }

    @Test("include=tasks returns the plan with its tasks, paged beyond 500", arguments: Backend.available)
    func includeTasks(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let created = try await api.post("/api/v1/plans", Self.plan(goal, (0..<Limits.maxPlanTasks).map { Self.task("t\($0)") }))
            let plan = try #require(created["plan_id"]?.stringValue)
            let extra = try await api.id(.task, ["plan_id": .string(plan), "name": "one more"])

            let plain = try await api.get("/api/v1/plans/\(plan)")
            #expect(plain["tasks"] == nil && plain["task_counts"]?["pending"] == 501)
            let full = try await api.get("/api/v1/plans/\(plan)?include=tasks")
            #expect(full.status == 200 && full.header("ETag") == plain.header("ETag"))
            let first = full["tasks"]?.arrayValue ?? []
            #expect(first.count == PlanIncludeLimit.value)
            #expect(first.first?["task_id"]?.stringValue == extra, "newest first, as /tasks lists them")
            let cursor = try #require(full["tasks_next_cursor"]?.stringValue)
            let rest = try await api.get("/api/v1/tasks?plan_id=\(plan)&cursor=\(cursor)&limit=200")
            #expect(rest.items.count == 1 && rest["next_cursor"] == .null)
            let all = Set((first + rest.items).compactMap { $0["task_id"]?.stringValue })
            #expect(all.count == 501)
            var plainFields = plain.json.objectValue ?? [:]
            var fullFields = full.json.objectValue ?? [:]
            fullFields["tasks"] = nil
            fullFields["tasks_next_cursor"] = nil
            plainFields["tasks"] = nil
            #expect(plainFields == fullFields, "the plan's own fields are the same")

            // A small plan: everything, no cursor.
            let small = try await api.post("/api/v1/plans", Self.plan(goal, [Self.task("only")]))
            let smallFull = try await api.get("/api/v1/plans/\(small["plan_id"]?.stringValue ?? "")?include=tasks")
            #expect(smallFull["tasks"]?.arrayValue?.count == 1 && smallFull["tasks_next_cursor"] == .null)

            for query in ["include=goal", "expand=tasks"] {
                let bad = try await api.get("/api/v1/plans/\(plan)?\(query)")
                #expect(bad.status == 422 && bad.errorFields == [String(query.prefix { $0 != "=" })], "\(bad.text)")
            }
            #expect(try await api.get("/api/v1/plans/\(UUID().uuidString)?include=tasks").status == 404)
        }
    }
}

/// How many tasks a plan's read includes (the server's `PlanRoutes.includedTasks`).
enum PlanIncludeLimit {
    static let value = 500
}
