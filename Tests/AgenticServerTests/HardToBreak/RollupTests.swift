import AgenticCore
@testable import AgenticStore
import Foundation
import PostgresNIO
import Testing

/// A plan is rolled up after the commit of the task change that finished it (see `RollupQueue`).
/// When that second step is lost — the process killed between the two, the database gone for a
/// moment — the plan stays open with nothing left to do; the maintenance sweep must finish it.
@Suite("Hard to break: a lost plan roll-up heals", .timeLimit(.minutes(2)))
struct RollupTests {
    @Test("a plan left open with every task finished is rolled up by the sweep, once", arguments: Backend.available)
    func sweepHeals(backend: Backend) async throws {
        let store: any Store
        let reopen: @Sendable (UUID, UUID) async throws -> Void
        switch backend {
        case .sqlite:
            let sqlite = try await SQLiteStore.open(path: TestFiles.temporaryDirectory() + "/rollup.sqlite")
            store = sqlite
            reopen = { plan, goal in
                try await sqlite.write { tx in
                    try await tx.run("UPDATE plans SET status = 'active' WHERE plan_id = ?1", [.uuid(plan)])
                    try await tx.run("UPDATE goals SET status = 'active' WHERE goal_id = ?1", [.uuid(goal)])
                }
            }
        case .postgres:
            let url = try await TestPostgres.freshDatabaseURL()
            guard case .postgres(let settings) = try DatabaseLocation(url: url) else { throw TestFailure("not a PostgreSQL URL") }
            let postgres = PostgresStore.open(settings, poolSize: 2, leaseDeadline: .seconds(30))
            store = postgres
            reopen = { plan, goal in
                try await postgres.transaction { tx in
                    try await tx.run("UPDATE plans SET status = 'active' WHERE plan_id = \(plan)")
                    try await tx.run("UPDATE goals SET status = 'active' WHERE goal_id = \(goal)")
                }
            }
        }
        try await closing(store) { store in
            try await store.migrate()
            let caller = Caller(tenant: "rollup", keyID: "worker-key")
            let worker = try await store.createAgent(try Agent.fields.draft(["name": "w"]), by: caller)
            let goal = try await store.createGoal(try Goal.fields.draft(["goal_text": "g"]), by: caller)
            let plan = try await store.createPlan(try Plan.fields.draft(["goal_id": .string(goal.id.lowercased)]), by: caller)
            let open = try await store.createPlan(try Plan.fields.draft(["goal_id": .string(goal.id.lowercased)]), by: caller)
            let task = try await store.createTask(try PlanTask.fields.draft(["plan_id": .string(plan.id.lowercased)]), by: caller)
            _ = try await store.createTask(try PlanTask.fields.draft(["plan_id": .string(open.id.lowercased)]), by: caller)
            _ = try await store.claimTasks(ClaimRequest(agentID: worker.id, planID: plan.id), by: caller)
            _ = try await store.completeTask(task.id, CompleteRequest(agentID: worker.id), by: caller)
            #expect(try await store.plan(plan.id, tenant: "rollup").status == .completed, "rolled up right after the commit")
            #expect(try await store.rollUpFinishedPlans(limit: 100) == 0, "nothing to heal")

            // The roll-up lost: the plan open again, its only task completed.
            try await reopen(plan.id, goal.id)
            #expect(try await store.rollUpFinishedPlans(limit: 100) == 1)
            #expect(try await store.plan(plan.id, tenant: "rollup").status == .completed)
            #expect(try await store.plan(open.id, tenant: "rollup").status == .draft, "a plan with an open task is left alone")
            #expect(try await store.rollUpFinishedPlans(limit: 100) == 0, "healed once")
            // On PostgreSQL an event shows once every older transaction has ended: wait for both.
            let completions = try await poll({
                try await store.events(after: 0, filter: EventFilter(), limit: 1000, tenant: "rollup").events
                    .filter { $0.type == "plan.completed" && $0.resourceID == plan.id }
            }, until: { $0.count >= 2 })
            #expect(completions.map(\.actor) == ["worker-key", "system"], "the first by the worker's roll-up, the second by the sweep")
        }
    }
}
