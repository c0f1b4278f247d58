import AgenticCore
import AgenticStore
import Foundation
import Testing

@Suite("SQLite store", .timeLimit(.minutes(3)))
struct SQLiteStoreTests {
    static func path() -> String {
        let folder = NSTemporaryDirectory() + "agentic-store-" + UUID().uuidString.prefix(8)
        return folder + "/nested/agentic.sqlite"
    }

    @Test("migrations create the folder, apply once, and re-running them changes nothing")
    func migrationsAreIdempotent() async throws {
        let path = Self.path()
        let store = try await SQLiteStore.open(path: path)
        try await store.migrate()
        let agent = try await store.createAgent(try Agent.fields.draft(["name": "kept"]), by: Caller(tenant: "t", keyID: "k"))
        try await store.migrate()
        let readiness = await store.readiness()
        #expect(readiness.isReady && readiness.schemaVersion == readiness.expectedSchemaVersion)
        await store.close()

        let reopened = try await SQLiteStore.open(path: path)
        try await reopened.migrate()
        #expect(try await reopened.agent(agent.id, tenant: "t") == agent, "start-up never drops or rewrites data")
        await reopened.close()
    }

    @Test("an unmigrated database is not ready")
    func unmigratedNotReady() async throws {
        let store = try await SQLiteStore.open(path: Self.path())
        let readiness = await store.readiness()
        #expect(!readiness.isReady)
        await store.close()
    }

    @Test("a failed workflow leaves nothing behind")
    func rollback() async throws {
        let store = try await SQLiteStore.open(path: Self.path())
        try await store.migrate()
        let caller = Caller(tenant: "t", keyID: "k")
        let goal = try await store.createGoal(try Goal.fields.draft(["goal_text": "g"]), by: caller)
        let plan = try await store.createPlan(try Plan.fields.draft(["goal_id": .string(goal.id.lowercased)]), by: caller)
        // A write that fails halfway through (the duplicate id is found on insert, after reads succeeded).
        let task = try await store.createTask(try PlanTask.fields.draft(["plan_id": .string(plan.id.lowercased)]), by: caller)
        await #expect(throws: AgenticError.self) {
            _ = try await store.createTask(
                try PlanTask.fields.draft(["plan_id": .string(plan.id.lowercased), "task_id": .string(task.id.lowercased)]), by: caller)
        }
        let events = try await store.events(after: 0, filter: EventFilter(), limit: 100, tenant: "t")
        #expect(events.events.map(\.type) == ["goal.created", "plan.created", "task.created"], "no event without its change")
        #expect(try await store.listTasks(ListQuery(), tenant: "t").items.count == 1)
        await store.close()
    }

    @Test("concurrent writes share commits, and a failing one undoes only itself")
    func groupCommit() async throws {
        let store = try await SQLiteStore.open(path: Self.path())
        try await store.migrate()
        let caller = Caller(tenant: "t", keyID: "k")
        let before = store.committedBatches
        // 60 agents at once, every third reusing a DID an earlier one took: those fail on insert, after
        // their reads succeeded, in the middle of a batch.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<60 {
                group.addTask {
                    let did = n % 3 == 2 ? "did:agent:shared" : "did:agent:\(n)"
                    do {
                        _ = try await store.createAgent(try Agent.fields.draft(["name": .string("a\(n)"), "did": .string(did)]), by: caller)
                        return true
                    } catch {
                        return false
                    }
                }
            }
            var outcomes: [Bool] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        let created = outcomes.filter { $0 }.count
        #expect(created == 41, "40 own DIDs and the first of the shared one")
        let agents = try await store.listAgents(ListQuery(limit: 100), tenant: "t").items
        #expect(agents.count == created)
        let events = try await store.events(after: 0, filter: EventFilter(), limit: 1000, tenant: "t").events
        #expect(events.count == created, "one event per created agent, none for a failed one")
        let batches = store.committedBatches - before
        #expect(batches < created, "\(created) writes in \(batches) commits: concurrent writes were batched")
        await store.close()
    }

    @Test("tenants never see each other's resources")
    func tenantIsolation() async throws {
        let store = try await SQLiteStore.open(path: Self.path())
        try await store.migrate()
        let agent = try await store.createAgent(try Agent.fields.draft(["name": "mine"]), by: Caller(tenant: "a", keyID: "k"))
        await #expect(throws: AgenticError.self) { _ = try await store.agent(agent.id, tenant: "b") }
        #expect(try await store.listAgents(ListQuery(), tenant: "b").items.isEmpty)
        await #expect(throws: AgenticError.self) {
            _ = try await store.updateAgent(agent.id, try Agent.fields.patch(["name": "theirs"]), ifMatch: nil, by: Caller(tenant: "b", keyID: "k"))
        }
        #expect(try await store.agent(agent.id, tenant: "a").name == "mine")
        await store.close()
    }
}
