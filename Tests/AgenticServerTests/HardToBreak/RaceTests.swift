import AgenticCore
import AgenticServer
import AgenticStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Every precondition another request can change, raced on PostgreSQL: concurrent conflicting
/// requests, repeated, then the invariant. (SQLite's single writer would hide every one of these.)
/// The races run one after another: each has a pool as wide as its race (16 connections), and all
/// at once beside the rest of the suite took the test cluster past its 1,000 connections.
@Suite("Hard to break: races on PostgreSQL", .serialized, .timeLimit(.minutes(10)), .enabled(if: Backend.postgresURL != nil))
struct RaceTests {
    static let rounds = 8
    static let concurrency = 12

    /// Runs `body` `count` times at once and returns every reply.
    static func race(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Reply) async throws -> [Reply] {
        try await withThrowingTaskGroup(of: Reply.self) { group in
            for index in 0..<count { group.addTask { try await body(index) } }
            var replies: [Reply] = []
            for try await reply in group { replies.append(reply) }
            return replies
        }
    }

    /// The events of `type` about one resource, once at least one is visible (on PostgreSQL an event
    /// shows once every older transaction ended) and the log has settled a moment more.
    static func events(_ api: TestAPI, _ type: String, about id: String) async throws -> [JSONValue] {
        let fetch = { try await api.get("/api/v1/events?limit=1000&types=\(type)").items.filter { $0["resource_id"]?.stringValue == id } }
        _ = try await poll(fetch, until: { !$0.isEmpty })
        try await Task.sleep(for: .milliseconds(200))
        return try await fetch()
    }

    static func withAPI(_ body: @Sendable (TestAPI) async throws -> Void) async throws {
        try await TestApp.withAPI(.postgres, poolSize: concurrency + 4, body)
    }

    @Test("N PATCHes with the same If-Match: exactly one succeeds, for every kind")
    func ifMatchPatch() async throws {
        try await Self.withAPI { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            for round in 0..<Self.rounds {
                let targets: [(String, String)] = [
                    ("agents", try await api.id(.agent, ["name": "a"])), ("goals", try await api.id(.goal, ["goal_text": "g"])),
                    ("plans", try await api.id(.plan, ["goal_id": .string(goal)])),
                    ("tasks", try await api.id(.task, ["plan_id": .string(plan)])),
                ]
                for (collection, id) in targets {
                    let field = collection == "goals" ? "goal_text" : "name"
                    let replies = try await Self.race(Self.concurrency) { index in
                        try await api.patch("/api/v1/\(collection)/\(id)", [JSONKey(field): .string("n\(index)")], headers: [.ifMatch: "\"1\""])
                    }
                    let statuses = replies.map(\.status).sorted()
                    #expect(statuses.filter { $0 == 200 }.count == 1, "\(collection) round \(round): \(statuses)")
                    #expect(statuses.filter { $0 == 412 }.count == Self.concurrency - 1, "\(collection) round \(round): \(statuses)")
                    #expect(try await api.get("/api/v1/\(collection)/\(id)")["version"] == 2)
                }
            }
        }
    }

    @Test("N DELETEs with the same If-Match: one deletes, one deleted event")
    func ifMatchDelete() async throws {
        try await Self.withAPI { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            for _ in 0..<Self.rounds {
                let targets: [(String, String, String)] = [
                    ("agents", "agent", try await api.id(.agent, ["name": "a"])), ("goals", "goal", try await api.id(.goal, ["goal_text": "g"])),
                    ("plans", "plan", try await api.id(.plan, ["goal_id": .string(goal)])),
                    ("tasks", "task", try await api.id(.task, ["plan_id": .string(plan)])),
                ]
                for (collection, kind, id) in targets {
                    let replies = try await Self.race(Self.concurrency) { _ in
                        try await api.delete("/api/v1/\(collection)/\(id)", headers: [.ifMatch: "\"1\""])
                    }
                    let statuses = replies.map(\.status)
                    #expect(statuses.filter { $0 == 204 }.count == 1, "\(collection): \(statuses.sorted())")
                    #expect(statuses.allSatisfy { [204, 404, 412].contains($0) }, "\(collection): \(statuses.sorted())")
                    let deleted = try await Self.events(api, "\(kind).deleted", about: id)
                    #expect(deleted.count == 1, "\(collection): \(deleted.count) deleted events")
                }
            }
        }
    }

    @Test("tasks created while their plan is cancelled: none stays open in a cancelled plan")
    func createTaskVersusCancelPlan() async throws {
        try await Self.withAPI { api in
            for round in 0..<Self.rounds {
                let goal = try await api.id(.goal, ["goal_text": "g"])  // cancelling its only plan ends the goal
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                _ = try await api.id(.task, ["plan_id": .string(plan)])
                let replies = try await Self.race(Self.concurrency + 1) { index in
                    if index == Self.concurrency / 2 { return try await api.post("/api/v1/plans/\(plan)/cancel") }
                    return try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "name": .string("t\(index)")])
                }
                #expect(replies.allSatisfy { [200, 201].contains($0.status) || $0.code == "plan_closed" }, "\(replies.map(\.status))")
                #expect(try await api.get("/api/v1/plans/\(plan)")["status"] == "cancelled")
                let tasks = try await api.get("/api/v1/tasks?plan_id=\(plan)&limit=200").items
                let open = tasks.filter { !["cancelled", "completed", "failed", "skipped"].contains($0["status"]?.stringValue ?? "") }
                #expect(open.isEmpty, "round \(round): \(open.count) open tasks in a cancelled plan")
            }
        }
    }

    @Test("plans created while their goal is cancelled: none stays open in a cancelled goal")
    func createPlanVersusCancelGoal() async throws {
        try await Self.withAPI { api in
            for round in 0..<Self.rounds {
                let goal = try await api.id(.goal, ["goal_text": "g"])
                _ = try await api.id(.plan, ["goal_id": .string(goal)])
                let replies = try await Self.race(Self.concurrency + 1) { index in
                    if index == Self.concurrency / 2 { return try await api.post("/api/v1/goals/\(goal)/cancel") }
                    return try await api.post("/api/v1/plans", ["goal_id": .string(goal)])
                }
                #expect(replies.allSatisfy { [200, 201].contains($0.status) || $0.code == "invalid_transition" }, "\(replies.map(\.status))")
                let plans = try await api.get("/api/v1/plans?goal_id=\(goal)&limit=200").items
                let open = plans.filter { !["cancelled", "completed", "failed"].contains($0["status"]?.stringValue ?? "") }
                #expect(open.isEmpty, "round \(round): \(open.count) open plans in a cancelled goal")
            }
        }
    }

    @Test("goals made each other's parent at once: never a cycle")
    func parentCycle() async throws {
        try await Self.withAPI { api in
            for round in 0..<Self.rounds {
                var ring: [String] = []
                for _ in 0..<Self.concurrency { ring.append(try await api.id(.goal, ["goal_text": "ring"])) }
                let goals = ring
                let replies = try await Self.race(goals.count) { index in
                    try await api.patch("/api/v1/goals/\(goals[index])", ["parent_goal_id": .string(goals[(index + 1) % goals.count])])
                }
                #expect(replies.contains { $0.status == 422 }, "round \(round): closing the ring must be refused")
                var parent: [String: String] = [:]
                for id in goals { parent[id] = try await api.get("/api/v1/goals/\(id)")["parent_goal_id"]?.stringValue }
                for start in goals {
                    var seen: Set<String> = [start]
                    var cursor = parent[start]
                    while let next = cursor {
                        #expect(seen.insert(next).inserted, "round \(round): the parents form a cycle through \(next)")
                        if seen.count > goals.count + 1 { break }
                        cursor = parent[next]
                    }
                }
            }
        }
    }

    @Test("tasks made each other's dependency at once: never a cycle")
    func dependencyCycle() async throws {
        try await Self.withAPI { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            for round in 0..<Self.rounds {
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                var ring: [String] = []
                for _ in 0..<Self.concurrency { ring.append(try await api.id(.task, ["plan_id": .string(plan)])) }
                let tasks = ring
                let replies = try await Self.race(tasks.count) { index in
                    try await api.patch("/api/v1/tasks/\(tasks[index])", ["depends_on": [.string(tasks[(index + 1) % tasks.count])]])
                }
                #expect(replies.contains { $0.status == 422 }, "round \(round): closing the ring must be refused")
                #expect(replies.filter { $0.status == 200 }.count < tasks.count)
            }
        }
    }

    @Test("N tasks of one plan completed at once: the plan and its goal complete exactly once")
    func completeAllAtOnce() async throws {
        try await Self.withAPI { api in
            let worker = try await api.id(.agent, ["name": "w"])
            for round in 0..<Self.rounds {
                let goal = try await api.id(.goal, ["goal_text": "g"])
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                for _ in 0..<Self.concurrency { _ = try await api.id(.task, ["plan_id": .string(plan)]) }
                let claimed = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan), "limit": 100]).items
                #expect(claimed.count == Self.concurrency)
                let ids = claimed.compactMap { $0["task_id"]?.stringValue }
                let replies = try await Self.race(ids.count) { index in
                    try await api.post("/api/v1/tasks/\(ids[index])/complete", ["agent_id": .string(worker), "outputs": ["i": .int(Int64(index))]])
                }
                #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map(\.status))")
                #expect(try await api.get("/api/v1/plans/\(plan)")["status"] == "completed", "round \(round)")
                #expect(try await api.get("/api/v1/goals/\(goal)")["status"] == "completed", "round \(round)")
                let planEvents = try await Self.events(api, "plan.completed", about: plan)
                let goalEvents = try await Self.events(api, "goal.completed", about: goal)
                #expect(planEvents.count == 1 && goalEvents.count == 1, "round \(round): \(planEvents.count) plan, \(goalEvents.count) goal completions")
            }
        }
    }

    @Test("N claims of a draft plan's tasks at once: the plan becomes active exactly once")
    func firstClaimsAtOnce() async throws {
        try await Self.withAPI { api in
            let worker = try await api.id(.agent, ["name": "w"])
            for round in 0..<Self.rounds {
                let goal = try await api.id(.goal, ["goal_text": "g"])
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                for _ in 0..<Self.concurrency { _ = try await api.id(.task, ["plan_id": .string(plan)]) }
                let replies = try await Self.race(Self.concurrency) { _ in
                    try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan)])
                }
                #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map(\.status))")
                #expect(replies.map { $0.items.count }.reduce(0, +) == Self.concurrency, "round \(round): every task claimed once")
                #expect(try await api.get("/api/v1/plans/\(plan)")["status"] == "active", "round \(round)")
                let activations = try await Self.events(api, "plan.activated", about: plan)
                #expect(activations.count == 1, "round \(round): \(activations.count) activations")
            }
        }
    }

    @Test("the last tasks of a plan completed while new tasks join it: the plan ends only with none open")
    func completionsVersusNewTasks() async throws {
        try await Self.withAPI { api in
            let worker = try await api.id(.agent, ["name": "w"])
            for round in 0..<Self.rounds {
                let goal = try await api.id(.goal, ["goal_text": "g"])
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                let half = Self.concurrency / 2
                for _ in 0..<half { _ = try await api.id(.task, ["plan_id": .string(plan), "task_type": "old"]) }
                let ids = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan), "limit": 100])
                    .items.compactMap { $0["task_id"]?.stringValue }
                let replies = try await Self.race(Self.concurrency) { index in
                    if index < half {
                        return try await api.post("/api/v1/tasks/\(ids[index])/complete", ["agent_id": .string(worker)])
                    }
                    return try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "task_type": "new"])
                }
                // A new task either joined the open plan (201) or found it completed (409 plan_closed).
                #expect(replies.allSatisfy { [200, 201, 409].contains($0.status) }, "\(replies.map(\.status))")
                let joined = replies.filter { $0.status == 201 }.count
                let status = try await api.get("/api/v1/plans/\(plan)")["status"]?.stringValue
                if joined > 0 {
                    #expect(status == "active", "round \(round): \(joined) new tasks are open, yet the plan is \(status ?? "?")")
                    let open = try await api.get("/api/v1/tasks?plan_id=\(plan)&status=pending&limit=100").items.count
                    #expect(open == joined)
                    #expect(!replies.contains { $0.status == 409 }, "round \(round): a task was refused by a plan that stayed open")
                } else {
                    #expect(status == "completed", "round \(round)")
                    #expect(try await Self.events(api, "plan.completed", about: plan).count == 1)
                }
            }
        }
    }

    @Test("a dependent created while its dependency completes is ready once it has completed")
    func dependentVersusCompletion() async throws {
        try await Self.withAPI { api in
            let worker = try await api.id(.agent, ["name": "w"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            for round in 0..<Self.rounds {
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                let first = try await api.id(.task, ["plan_id": .string(plan), "task_type": "first"])
                _ = try await api.id(.task, ["plan_id": .string(plan), "task_type": "keeper"])  // keeps the plan open
                _ = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan), "task_types": ["first"]])
                let replies = try await Self.race(Self.concurrency) { index in
                    if index == 0 { return try await api.post("/api/v1/tasks/\(first)/complete", ["agent_id": .string(worker)]) }
                    return try await api.post("/api/v1/tasks", ["plan_id": .string(plan), "task_type": "second", "depends_on": [.string(first)]])
                }
                #expect(replies.allSatisfy { [200, 201].contains($0.status) }, "\(replies.map { "\($0.status) \($0.text.prefix(200))" })")
                let ready = try await api.post(
                    "/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan), "task_types": ["second"], "limit": 100]).items
                #expect(ready.count == Self.concurrency - 1, "round \(round): \(ready.count) of \(Self.concurrency - 1) dependents are ready")
            }
        }
    }

    @Test("delayed tasks released by sweeps while PATCHes clear or move their time: each ends ready exactly once")
    func releaseVersusPatch() async throws {
        try await Self.withAPI { api in
            let worker = try await api.id(.agent, ["name": "w"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            for round in 0..<3 {
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                var made: [String] = []
                for _ in 0..<Self.concurrency {
                    made.append(try await api.id(.task, ["plan_id": .string(plan), "delay_seconds": 1]))
                }
                let tasks = made
                try await Task.sleep(for: .milliseconds(1100))  // due: the sweep may release them now
                let past = Timestamp.now().adding(seconds: -1).rfc3339
                let replies = try await Self.race(Self.concurrency * 2) { index in
                    let task = tasks[index % tasks.count]
                    if index.isMultiple(of: 2) {
                        _ = try await api.store.releaseDueTasks(limit: 3)
                        return try await api.patch("/api/v1/tasks/\(task)", ["not_before": .null])
                    }
                    return try await api.patch("/api/v1/tasks/\(task)", ["not_before": .string(past)])
                }
                #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map { "\($0.status) \($0.text.prefix(200))" })")
                while try await api.store.releaseDueTasks(limit: 100) > 0 {}
                // Ready exactly once each: every one claimable, none left held back, none counted twice.
                let ready = try await api.post(
                    "/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan), "limit": 100]).items
                #expect(ready.count == tasks.count, "round \(round): \(ready.count) of \(tasks.count) ready")
                #expect(try await api.get("/api/v1/stats")["ready_tasks"] == 0, "round \(round)")
            }
        }
    }

    @Test("approvals and rejections of one waiting task at once, by different keys: exactly one decides, one event, the dependents follow it")
    func approveVersusReject() async throws {
        try await Self.withAPI { api in
            let approvers = [api.with(key: try await api.makeKey(scope: .approve)), api.with(key: try await api.makeKey(scope: .approve))]
            for round in 0..<Self.rounds {
                // A plan per round: a rejection fails the task, skips its dependent and so ends the plan.
                let goal = try await api.id(.goal, ["goal_text": "g"])
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                let task = try await api.id(.task, ["plan_id": .string(plan), "requires_approval": true])
                let dependent = try await api.id(.task, ["plan_id": .string(plan), "depends_on": [.string(task)]])
                let replies = try await Self.race(Self.concurrency) { index in
                    let approver = approvers[index % 2]
                    return index % 3 == 0
                        ? try await approver.post("/api/v1/tasks/\(task)/reject", ["reason": .string("no \(index)")])
                        : try await approver.post("/api/v1/tasks/\(task)/approve", ["comment": .string("yes \(index)")])
                }
                let statuses = replies.map(\.status).sorted()
                #expect(statuses.filter { $0 == 200 }.count == 1, "round \(round): \(statuses)")
                #expect(statuses.filter { $0 == 409 }.count == Self.concurrency - 1, "round \(round): \(statuses)")
                let winner = try #require(replies.first { $0.status == 200 })
                let final = try await api.get("/api/v1/tasks/\(task)")
                #expect(final["status"] == winner["status"] && final["version"] == 2, "round \(round): \(final.text)")
                let decisions = try await Self.events(api, "task.approved,task.rejected", about: task)
                #expect(decisions.count == 1, "round \(round): \(decisions.count) decisions")
                let after = try await api.get("/api/v1/tasks/\(dependent)")["status"]
                #expect(after == (final["status"] == "failed" ? "skipped" : "pending"), "round \(round): dependent \(after.map { "\($0)" } ?? "-")")
            }
        }
    }

    @Test("claims racing each other and completions under a concurrency limit of 3: never more than 3 of the key run")
    func concurrencyLimit() async throws {
        try await Self.withAPI { api in
            let worker = try await api.id(.agent, ["name": "w"])
            let goal = try await api.id(.goal, ["goal_text": "g"])
            let plan = try await api.id(.plan, ["goal_id": .string(goal)])
            #expect(try await api.call(.put, "/api/v1/limits/concurrency/k", json: ["max_running": 3]).status == 201)
            for _ in 0..<(Self.rounds * 3 + 3) { _ = try await api.id(.task, ["plan_id": .string(plan), "concurrency_key": "k", "priority": 9]) }
            for _ in 0..<(Self.rounds * Self.concurrency) { _ = try await api.id(.task, ["plan_id": .string(plan)]) }
            var holding: [String] = []
            var keyedClaims = 0
            for round in 0..<Self.rounds {
                let finishing = holding
                let replies = try await Self.race(Self.concurrency) { index in
                    if index < finishing.count {
                        return try await api.post("/api/v1/tasks/\(finishing[index])/complete", ["agent_id": .string(worker)])
                    }
                    return try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan), "limit": 2])
                }
                #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map { "\($0.status) \($0.text.prefix(200))" })")
                let claimed = replies.flatMap(\.items).filter { $0["concurrency_key"] == "k" }.compactMap { $0["task_id"]?.stringValue }
                keyedClaims += claimed.count
                holding = claimed
                let running = try await api.get("/api/v1/limits/concurrency/k")["running"]?.intValue ?? -1
                #expect(running <= 3 && claimed.count <= 3, "round \(round): \(running) running, \(claimed.count) claimed")
            }
            #expect(keyedClaims >= Self.rounds, "the key's work kept flowing: \(keyedClaims) claims")
        }
    }

    @Test("claims racing each other, completions and cap changes under a goal's max_parallelism of 3: never more than the cap run")
    func goalParallelism() async throws {
        try await Self.withAPI { api in
            let worker = try await api.id(.agent, ["name": "w"])
            let goal = try await api.id(.goal, ["goal_text": "g", "constraints": ["max_parallelism": 3]])
            let other = try await api.id(.goal, ["goal_text": "free"])
            // The capped goal's tasks over two plans, ahead of the other goal's in the queue.
            let plans = [try await api.id(.plan, ["goal_id": .string(goal)]), try await api.id(.plan, ["goal_id": .string(goal)])]
            let freePlan = try await api.id(.plan, ["goal_id": .string(other)])
            for index in 0..<(Self.rounds * 3 + 3) { _ = try await api.id(.task, ["plan_id": .string(plans[index % 2]), "priority": 9]) }
            for _ in 0..<(Self.rounds * Self.concurrency * 2) { _ = try await api.id(.task, ["plan_id": .string(freePlan)]) }
            var holding: [String] = []
            var cappedClaims = 0
            for round in 0..<Self.rounds {
                let finishing = holding
                // Now and then an admin PATCH lowers the cap to 2 and sets it back, racing the claims.
                let cap: Int64 = round % 3 == 2 ? 2 : 3
                let replies = try await Self.race(Self.concurrency) { index in
                    if index < finishing.count {
                        return try await api.post("/api/v1/tasks/\(finishing[index])/complete", ["agent_id": .string(worker)])
                    }
                    if index == Self.concurrency - 1 {
                        return try await api.patch("/api/v1/goals/\(goal)", ["constraints": ["max_parallelism": .int(cap)]])
                    }
                    return try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "limit": 2])
                }
                #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map { "\($0.status) \($0.text.prefix(200))" })")
                let capped = Set(plans)
                let claimed = replies.flatMap(\.items).filter { capped.contains($0["plan_id"]?.stringValue ?? "") }.compactMap { $0["task_id"]?.stringValue }
                cappedClaims += claimed.count
                holding = claimed
                var running = 0
                for plan in plans { running += Int(try await api.get("/api/v1/plans/\(plan)")["task_counts"]?["running"]?.intValue ?? -100) }
                #expect(running <= 3 && claimed.count <= 3, "round \(round): \(running) running, \(claimed.count) claimed")
            }
            #expect(cappedClaims >= Self.rounds, "the goal's work kept flowing: \(cappedClaims) claims")
        }
    }

    @Test("progress racing the task's completion: every accepted report is in its history before the completion, no refused one is")
    func progressVersusCompletion() async throws {
        try await Self.withAPI { api in
            let worker = try await api.id(.agent, ["name": "w"])
            for round in 0..<Self.rounds {
                let goal = try await api.id(.goal, ["goal_text": "g"])
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                let task = try await api.id(.task, ["plan_id": .string(plan)])
                _ = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan)])
                let replies = try await Self.race(Self.concurrency) { index in
                    if index == Self.concurrency / 2 {
                        return try await api.post("/api/v1/tasks/\(task)/complete", ["agent_id": .string(worker)])
                    }
                    return try await api.post("/api/v1/tasks/\(task)/progress", ["agent_id": .string(worker), "message": .string("r\(round)-\(index)")])
                }
                #expect(replies.allSatisfy { [200, 201, 409].contains($0.status) }, "\(replies.map { "\($0.status) \($0.text.prefix(200))" })")
                #expect(replies.filter { $0.status == 200 }.count == 1)
                #expect(replies.filter { $0.status == 409 }.allSatisfy { $0.code == "lease_lost" })
                let accepted = Set(replies.filter { $0.status == 201 }.compactMap { $0["event_id"]?.intValue })
                let history = try await api.get("/api/v1/tasks/\(task)/events?limit=1000").items
                let completed = try #require(history.first { $0["type"] == "task.completed" }?["event_id"]?.intValue)
                let reports = history.filter { $0["type"] == "task.progress" }.compactMap { $0["event_id"]?.intValue }
                #expect(Set(reports) == accepted, "round \(round): every acknowledged report, and only those")
                #expect(reports.allSatisfy { $0 < completed }, "round \(round): no report after the completion")
                #expect(history.last?["type"] == "task.completed")
            }
        }
    }

    @Test("N progress reports of one task at once over two instances, on a clock that stands still: exactly 20 go in, the rest are 429")
    func progressLimitRace() async throws {
        // The stores' clock stands still, so every report falls in one second whatever the machine's speed.
        try await Self.withTwoInstances(clock: ManualClock()) { a, b in
            let worker = try await a.id(.agent, ["name": "w"])
            for round in 0..<Self.rounds {
                let goal = try await a.id(.goal, ["goal_text": "g"])
                let plan = try await a.id(.plan, ["goal_id": .string(goal)])
                let task = try await a.id(.task, ["plan_id": .string(plan)])
                _ = try await a.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan)])
                let replies = try await Self.race(2 * ProgressRequest.perSecond + 4) { index in
                    try await (index.isMultiple(of: 2) ? a : b).post(
                        "/api/v1/tasks/\(task)/progress", ["agent_id": .string(worker), "message": .string("r\(round)-\(index)")])
                }
                #expect(replies.filter { $0.status == 201 }.count == ProgressRequest.perSecond, "round \(round): \(replies.map(\.status))")
                #expect(replies.filter { $0.status != 201 }.allSatisfy { $0.status == 429 && $0.header("Retry-After") == "1" })
                let history = try await poll({ try await b.get("/api/v1/tasks/\(task)/events?limit=1000").items }) {
                    $0.filter { $0["type"] == "task.progress" }.count >= ProgressRequest.perSecond
                }
                #expect(history.filter { $0["type"] == "task.progress" }.count == ProgressRequest.perSecond)
            }
        }
    }

    /// Two instances — two stores, each with its own pool and router — on one fresh database, as one
    /// admin of a new tenant: what one instance counts in memory the other cannot see.
    static func withTwoInstances(clock: ManualClock, _ body: @Sendable (TestAPI, TestAPI) async throws -> Void) async throws {
        try await withInstances(2, clock: clock) { apis in try await body(apis[0], apis[1]) }
    }

    /// `count` instances on one fresh database, as one admin of a new tenant.
    static func withInstances(_ count: Int, clock: ManualClock, _ body: @Sendable ([TestAPI]) async throws -> Void) async throws {
        let location = try DatabaseLocation(url: try await TestPostgres.freshDatabaseURL())
        var opened: [any Store] = []
        for _ in 0..<count {
            opened.append(
                try await StoreFactory.open(location, poolSize: concurrency + 4, leaseDeadline: .seconds(30), logger: Logger(label: "test"), clock: clock))
        }
        let stores = opened
        let tenant = TestApp.newTenant()
        let secret = KeyMaker.newSecret()
        @Sendable func nest(_ index: Int, _ apis: [TestAPI]) async throws {
            guard index < stores.count else { return try await body(apis) }
            let store = stores[index]
            try await store.run {
                if index == 0 {
                    try await store.migrate()
                    try await store.createKey(KeyMaker.record(secret: secret, name: "test-admin", scope: .admin, tenant: tenant))
                }
                try await Application(router: buildRouter(store: store, configuration: ServerConfiguration()).0, logger: TestApp.serverLogger)
                    .test(.router) { client in
                        try await nest(index + 1, apis + [TestAPI(client: client, key: secret, store: store, tenant: tenant)])
                    }
            }
        }
        try await nest(0, [])
    }

    @Test("3 instances sweeping one database create exactly one goal and plan per tick across a simulated hour")
    func scheduleTicks() async throws {
        let clock = ManualClock(Timestamp(rfc3339: "2026-06-01T10:00:00Z")!)
        try await Self.withInstances(3, clock: clock) { apis in
            let template: JSONValue = ["name": "hourly", "tasks": [["ref": "a"], ["ref": "b", "depends_on_refs": ["a"]]]]
            let id = try await apis[0].id(
                .schedule, ["name": "every minute", "cron": "* * * * *", "goal_template": ["goal_text": "tick"], "plan_template": template])
            for minute in 1...60 {
                clock.advance(seconds: 60)
                // Two sweeps per instance at once, as a busy deployment's maintenance might overlap.
                let ran = try await withThrowingTaskGroup(of: Int.self) { group in
                    for api in apis {
                        for _ in 0..<2 { group.addTask { try await api.store.runDueSchedules(limit: 10) } }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(ran == 1, "minute \(minute): \(ran) runs")
            }
            let fired = try await apis[1].events("types=schedule.fired&limit=1000", atLeast: 60)
            let ticks = Set(fired.compactMap { $0["data"]?["scheduled_for"]?.stringValue })
            #expect(fired.count == 60 && ticks.count == 60)
            let goals = Set(fired.compactMap { $0["data"]?["goal_id"]?.stringValue })
            let plans = Set(fired.compactMap { $0["data"]?["plan_id"]?.stringValue })
            #expect(goals.count == 60 && plans.count == 60)
            #expect(try await apis[2].get("/api/v1/goals?limit=200").items.count == 60)
            #expect(try await apis[2].get("/api/v1/plans?limit=200").items.count == 60)
            let schedule = try await apis[2].get("/api/v1/schedules/\(id)")
            #expect(schedule["run_count"] == 60 && schedule["next_run_at"] == "2026-06-01T11:01:00.000000Z")
        }
    }

    @Test("8 workers on a goal with max_token_budget 1000, each task reporting 100 tokens: no more complete than the budget allows plus those already running")
    func tokenBudget() async throws {
        try await Self.withAPI { api in
            for round in 0..<3 {
                let goal = try await api.id(.goal, ["goal_text": "budget", "constraints": ["max_token_budget": 1000]])
                let plan = try await api.post("/api/v1/plans", ["goal_id": .string(goal), "tasks": .array((0..<40).map { .object(["ref": .string("t\($0)")]) })])
                #expect(plan.status == 201)
                let workers = 8
                var agents: [String] = []
                for n in 0..<workers { agents.append(try await api.id(.agent, ["name": .string("w\(n)")])) }
                let completions = try await withThrowingTaskGroup(of: Int.self) { group in
                    for agent in agents {
                        group.addTask {
                            var done = 0
                            while let task = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(agent)]).items.first?["task_id"]?.stringValue {
                                let reply = try await api.post(
                                    "/api/v1/tasks/\(task)/complete", ["agent_id": .string(agent), "usage": ["input_tokens": 60, "output_tokens": 40]])
                                if reply.status == 200 { done += 1 }
                            }
                            return done
                        }
                    }
                    return try await group.reduce(0, +)
                }
                let state = try await api.get("/api/v1/goals/\(goal)")
                #expect(state["budget_exhausted"] == true, "round \(round)")
                #expect(completions >= 10 && completions <= 10 + workers - 1, "round \(round): \(completions) completed")
                #expect(state["usage"]?["input_tokens"]?.intValue == Int64(60 * completions), "round \(round): every report summed once")
            }
        }
    }

    @Test("an agent deleted while it claims: no task stays running without its agent")
    func deleteAgentVersusClaim() async throws {
        try await Self.withAPI { api in
            let goal = try await api.id(.goal, ["goal_text": "g"])
            for round in 0..<Self.rounds {
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                for _ in 0..<Self.concurrency { _ = try await api.id(.task, ["plan_id": .string(plan)]) }
                let worker = try await api.id(.agent, ["name": "doomed"])
                let replies = try await Self.race(Self.concurrency) { index in
                    if index == Self.concurrency / 2 { return try await api.delete("/api/v1/agents/\(worker)") }
                    return try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan)])
                }
                #expect(replies.allSatisfy { [200, 204, 422].contains($0.status) }, "\(replies.map(\.status))")
                let running = try await api.get("/api/v1/tasks?plan_id=\(plan)&status=running&limit=200").items
                #expect(running.isEmpty, "round \(round): \(running.count) tasks still running for a deleted agent")
            }
        }
    }

    @Test("N requests with one Idempotency-Key: one change")
    func idempotencyKey() async throws {
        try await Self.withAPI { api in
            for round in 0..<Self.rounds {
                let name = "idem-\(round)-\(UUID().uuidString.prefix(8))"
                let replies = try await Self.race(Self.concurrency) { _ in
                    try await api.post("/api/v1/agents", ["name": .string(name)], headers: [.idempotencyKeyTest: .init(name)])
                }
                #expect(replies.allSatisfy { $0.status == 201 || $0.code == "idempotency_in_progress" }, "\(replies.map(\.status))")
                let created = Set(replies.filter { $0.status == 201 }.compactMap { $0["agent_id"]?.stringValue })
                #expect(created.count == 1)
                let all = try await api.get("/api/v1/agents?limit=200").items.filter { $0["name"]?.stringValue == name }
                #expect(all.count == 1, "round \(round): \(all.count) agents for one key")
            }
        }
    }

    @Test("N retries of one failed task, with a bulk retry among them: one reopens it, its dependent, plan and goal come back once")
    func retryRace() async throws {
        try await Self.withAPI { api in
            let worker = try await api.id(.agent, ["name": "w"])
            for round in 0..<Self.rounds {
                let goal = try await api.id(.goal, ["goal_text": "g"])
                let plan = try await api.id(.plan, ["goal_id": .string(goal)])
                let a = try await api.id(.task, ["plan_id": .string(plan), "name": "a", "max_attempts": 1])
                let b = try await api.id(.task, ["plan_id": .string(plan), "name": "b", "depends_on": [.string(a)]])
                let claimed = try await api.post("/api/v1/tasks/claim", ["agent_id": .string(worker), "plan_id": .string(plan)])
                #expect(claimed.items.first?["task_id"]?.stringValue == a)
                #expect(try await api.post("/api/v1/tasks/\(a)/fail", ["agent_id": .string(worker)])["status"] == "failed")
                _ = try await poll({ try await api.get("/api/v1/goals/\(goal)")["status"]?.stringValue }, until: { $0 == "failed" })

                let replies = try await Self.race(Self.concurrency) { index in
                    index == 0
                        ? try await api.post("/api/v1/tasks/bulk", ["action": "retry", "filter": ["plan_id": .string(plan), "status": "failed"]])
                        : try await api.post("/api/v1/tasks/\(a)/retry")
                }
                let single = replies.filter { $0["matched"] == nil }
                let bulkChanged = replies.compactMap { $0["changed"]?.intValue }.reduce(0, +)
                let reopened = single.filter { $0.status == 200 }.count + Int(bulkChanged)
                #expect(reopened == 1, "round \(round): \(replies.map(\.status)) bulk changed \(bulkChanged)")
                #expect(single.allSatisfy { $0.status == 200 || $0["code"] == "invalid_transition" }, "round \(round)")
                for (type, id) in [("task.reopened", a), ("task.reopened", b), ("plan.reopened", plan), ("goal.reopened", goal)] {
                    #expect(try await Self.events(api, type, about: id).count == 1, "round \(round): \(type) of \(id)")
                }
                #expect(try await api.get("/api/v1/tasks/\(b)")["status"] == "pending")
            }
            // Exactly each round's first task is ready: a dependent counted ready twice, or early, would show.
            #expect(try await api.get("/api/v1/stats")["ready_tasks"] == .int(Int64(Self.rounds)))
        }
    }
}
