import AgenticCore
import Foundation

/// The row-level operations one transaction offers. Backends implement these in their own SQL;
/// every workflow (`Workflows/`) is written once on top of them.
///
/// `lock: true` reads a row for update (PostgreSQL `FOR UPDATE`; SQLite's single writer already
/// excludes everyone else). Lock order is always tasks, then plans, then goals, so concurrent
/// workflows cannot deadlock each other.
public protocol StoreTransaction: Sendable {
    // MARK: agents
    func agent(_ id: UUID, tenant: String, lock: Bool) async throws -> Agent?
    /// Inserts; a duplicate `agent_id` or `did` is a 409 `already_exists`.
    func insertAgent(_ agent: Agent) async throws
    func updateAgent(_ agent: Agent) async throws
    func deleteAgent(_ id: UUID) async throws
    func agents(_ query: ListQuery, tenant: String) async throws -> [Agent]
    /// Clears `agent_id` on every goal, plan and task naming the agent (bumping their versions); returns them.
    func detachAgent(_ id: UUID, at now: Timestamp) async throws -> (goals: [Goal], plans: [Plan], tasks: [PlanTask])

    // MARK: goals
    func goal(_ id: UUID, tenant: String, lock: Bool) async throws -> Goal?
    func goals(_ ids: [UUID], lock: Bool) async throws -> [Goal]
    func insertGoal(_ goal: Goal) async throws
    func updateGoal(_ goal: Goal) async throws
    /// Deletes the goal; its sub-goals, plans and tasks go with it.
    func deleteGoal(_ id: UUID) async throws
    func goals(_ query: ListQuery, tenant: String) async throws -> [Goal]
    /// Ids of the direct sub-goals of any of `ids`.
    func subgoalIDs(of ids: [UUID]) async throws -> [UUID]

    // MARK: plans
    func plan(_ id: UUID, tenant: String, lock: Bool) async throws -> Plan?
    func plans(_ ids: [UUID], lock: Bool) async throws -> [Plan]
    func plans(ofGoals goalIDs: [UUID], lock: Bool) async throws -> [Plan]
    func insertPlan(_ plan: Plan) async throws
    func updatePlan(_ plan: Plan) async throws
    /// Deletes the plan; its tasks go with it.
    func deletePlan(_ id: UUID) async throws
    func plans(_ query: ListQuery, tenant: String) async throws -> [Plan]
    func taskCounts(ofPlans ids: [UUID]) async throws -> [UUID: TaskCounts]

    // MARK: tasks
    func task(_ id: UUID, tenant: String, lock: Bool) async throws -> PlanTask?
    func tasks(_ ids: [UUID], lock: Bool) async throws -> [PlanTask]
    /// Tasks of the plans, optionally only those in `statuses`.
    func tasks(ofPlans planIDs: [UUID], statuses: [TaskStatus]?, lock: Bool) async throws -> [PlanTask]
    /// Running tasks whose lease `agent` holds.
    func tasks(leasedBy agent: UUID, lock: Bool) async throws -> [PlanTask]
    /// Tasks that list any of `ids` in `depends_on`.
    func dependents(of ids: [UUID], lock: Bool) async throws -> [PlanTask]
    /// Inserts the task and its dependency edges; `unmetDependencies` counts dependencies not yet completed.
    func insertTask(_ task: PlanTask, unmetDependencies: Int) async throws
    func updateTask(_ task: PlanTask) async throws
    func deleteTask(_ id: UUID) async throws
    func tasks(_ query: ListQuery, tenant: String) async throws -> [PlanTask]
    /// Replaces the task's dependency edges (its `depends_on` column is written by `updateTask`).
    func setDependencies(of task: UUID, to dependencies: [UUID], unmetDependencies: Int) async throws
    /// Records that `completed` finished: each dependent has one fewer unmet dependency.
    func dependencyCompleted(_ completed: UUID) async throws
    /// Dependency edges among the tasks of a plan: (task, depends on).
    func dependencyEdges(ofPlan planID: UUID) async throws -> [(UUID, UUID)]
    /// Locks and returns up to `request.limit` ready tasks: `pending`, every dependency completed,
    /// plan not final; highest priority, then oldest, first. Never returns a task another transaction holds.
    func claimable(_ request: ClaimRequest, tenant: String) async throws -> [PlanTask]
    /// Locks and returns running tasks whose lease expired before `now`, of any tenant.
    func expiredLeases(at now: Timestamp, limit: Int) async throws -> [PlanTask]

    // MARK: events
    /// Appends events in order, in this transaction.
    func appendEvents(_ drafts: [EventDraft], tenant: String, actor: String, at now: Timestamp) async throws
}
