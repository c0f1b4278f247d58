import AgenticCore
import Foundation

/// How a read locks the rows it returns, until the transaction ends.
///
/// `update` (PostgreSQL `FOR UPDATE`) for rows the transaction will change; `share` (`FOR SHARE`)
/// for rows whose state is a precondition of the write — it conflicts with any `UPDATE` of the row
/// (unlike `FOR KEY SHARE`, which lets a status change through), so the checked state cannot change
/// before the write commits. SQLite's single writer already excludes everyone else, so it ignores it.
public enum RowLock: Sendable {
    case none, share, update
}

/// What a transaction may serialise on beyond single rows: changes whose precondition spans many
/// rows (no cycle among goals' parents, none among a plan's task dependencies). PostgreSQL takes a
/// transaction-scoped advisory lock; SQLite's single writer needs nothing.
public enum SerialScope: Sendable, Hashable {
    /// Every change of a goal's parent in the tenant.
    case goalTree(tenant: String)
    /// Every change of `depends_on` among the plan's tasks.
    case taskGraph(tenant: String, plan: UUID)
    /// Every change of the tenant's settings (read, changed, written back).
    case settings(tenant: String)
    /// The claims of one agent with a `max_concurrent_tasks`, so each counts the other's.
    case agentClaims(tenant: String, agent: UUID)

    /// The lock's name: `agentic:goal-tree:<tenant>` or `agentic:task-graph:<tenant>:<plan>`.
    public var name: String {
        switch self {
        case .goalTree(let tenant): return "agentic:goal-tree:\(tenant)"
        case .taskGraph(let tenant, let plan): return "agentic:task-graph:\(tenant):\(plan.lowercased)"
        case .settings(let tenant): return "agentic:settings:\(tenant)"
        case .agentClaims(let tenant, let agent): return "agentic:agent-claims:\(tenant):\(agent.lowercased)"
        }
    }
}

/// A ready task a claim found, the status of its plan (a `draft` plan becomes `active`), and its
/// goal with the goal's `max_parallelism`, if it has one (the claim then counts the goal's running
/// tasks).
public struct ClaimableTask: Sendable {
    public var task: PlanTask
    public var planStatus: PlanStatus
    public var goalID: UUID
    public var goalCap: Int64?
    /// The claiming agent's `resource_limits.max_concurrent_tasks`.
    public var agentCap: Int64?

    public init(task: PlanTask, planStatus: PlanStatus, goalID: UUID, goalCap: Int64?, agentCap: Int64?) {
        self.task = task
        self.planStatus = planStatus
        self.goalID = goalID
        self.goalCap = goalCap
        self.agentCap = agentCap
    }

    /// As a store reads it: the plan's status as stored text.
    init(task: PlanTask, storedPlanStatus status: String, goalID: UUID, goalCap: Int64?, agentCap: Int64?) throws {
        guard let planStatus = PlanStatus(rawValue: status) else { throw AgenticError.internal("a plan has the unknown status `\(status)`") }
        self.init(task: task, planStatus: planStatus, goalID: goalID, goalCap: goalCap, agentCap: agentCap)
    }
}

/// What a claim passes over: concurrency keys at their limit, goals at their `max_parallelism`
/// (both found by a first look) and task types whose rate limit gave it no token.
public struct ClaimExclusions: Sendable, Equatable {
    public var keys: [String] = []
    public var goals: [UUID] = []
    public var taskTypes: [String] = []

    public init(keys: [String] = [], goals: [UUID] = [], taskTypes: [String] = []) {
        self.keys = keys
        self.goals = goals
        self.taskTypes = taskTypes
    }

    public var isEmpty: Bool { keys.isEmpty && goals.isEmpty && taskTypes.isEmpty }

    /// Adds what `other` found full (each list stays sorted, without repeats).
    mutating func formUnion(_ other: ClaimExclusions) {
        keys = Set(keys).union(other.keys).sorted()
        goals = Set(goals).union(other.goals).sorted { $0.uuidString < $1.uuidString }
        taskTypes = Set(taskTypes).union(other.taskTypes).sorted()
    }
}

/// The row-level operations one transaction offers. Backends implement these in their own SQL;
/// every workflow (`Workflows/`) is written once on top of them.
///
/// Resources are keyed by `(tenant, id)`: an id used in one tenant is free in every other, so every
/// lookup names its tenant. Lock order is agents, then tasks, then plans, then goals, so concurrent
/// workflows rarely deadlock (and a deadlock PostgreSQL detects is retried).
public protocol StoreTransaction: Sendable {
    // MARK: agents
    func agent(_ id: UUID, tenant: String, lock: RowLock) async throws -> Agent?
    /// Inserts; a duplicate `agent_id` or `did` in the tenant is a 409 `already_exists`.
    func insertAgent(_ agent: Agent) async throws
    func updateAgent(_ agent: Agent) async throws
    func deleteAgent(_ id: UUID, tenant: String) async throws
    func agents(_ query: ListQuery, tenant: String) async throws -> [Agent]
    /// Clears `agent_id` on every task, plan and goal naming the agent (bumping their versions); returns them.
    func detachAgent(_ id: UUID, tenant: String, at now: Timestamp) async throws -> (goals: [Goal], plans: [Plan], tasks: [PlanTask])

    // MARK: goals
    func goal(_ id: UUID, tenant: String, lock: RowLock) async throws -> Goal?
    func goals(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [Goal]
    func insertGoal(_ goal: Goal) async throws
    func updateGoal(_ goal: Goal) async throws
    /// Deletes the goal; its sub-goals, plans and tasks go with it.
    func deleteGoal(_ id: UUID, tenant: String) async throws
    func goals(_ query: ListQuery, tenant: String) async throws -> [Goal]
    /// Open goals of any tenant whose `expires_at` has come by `now`, soonest first (not locked).
    func expiredGoals(at now: Timestamp, limit: Int) async throws -> [Goal]
    /// Ids of the direct sub-goals of any of `ids`.
    func subgoalIDs(of ids: [UUID], tenant: String) async throws -> [UUID]

    // MARK: plans
    func plan(_ id: UUID, tenant: String, lock: RowLock) async throws -> Plan?
    func plans(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [Plan]
    func plans(ofGoals goalIDs: [UUID], tenant: String, lock: RowLock) async throws -> [Plan]
    func insertPlan(_ plan: Plan) async throws
    func updatePlan(_ plan: Plan) async throws
    /// Deletes the plan; its tasks go with it.
    func deletePlan(_ id: UUID, tenant: String) async throws
    func plans(_ query: ListQuery, tenant: String) async throws -> [Plan]
    func taskCounts(ofPlans ids: [UUID], tenant: String) async throws -> [UUID: TaskCounts]
    /// Whether any task of the plan is open (an index probe, however many tasks the plan has).
    func hasOpenTasks(plan: UUID, tenant: String) async throws -> Bool
    /// Plans of any tenant still `draft` or `active` that have tasks, none of them open: their
    /// roll-up was lost (see `RollupQueue`).
    func finishedOpenPlans(limit: Int) async throws -> [(tenant: String, plan: UUID)]

    // MARK: tasks
    func task(_ id: UUID, tenant: String, lock: RowLock) async throws -> PlanTask?
    func tasks(_ ids: [UUID], tenant: String, lock: RowLock) async throws -> [PlanTask]
    /// Tasks of the plans, optionally only those in `statuses`.
    func tasks(ofPlans planIDs: [UUID], tenant: String, statuses: [TaskStatus]?, lock: RowLock) async throws -> [PlanTask]
    /// Running tasks whose lease `agent` holds.
    func tasks(leasedBy agent: UUID, tenant: String, lock: RowLock) async throws -> [PlanTask]
    /// Tasks that list any of `ids` in `depends_on`.
    func dependents(of ids: [UUID], tenant: String, lock: RowLock) async throws -> [PlanTask]
    /// Inserts the task and its dependency edges; `unmetDependencies` counts dependencies not yet completed.
    func insertTask(_ task: PlanTask, unmetDependencies: Int) async throws
    func updateTask(_ task: PlanTask) async throws
    func deleteTask(_ id: UUID, tenant: String) async throws
    func tasks(_ query: ListQuery, tenant: String) async throws -> [PlanTask]
    /// Inserts the tasks a plan is created with and their dependency edges: every dependency is one
    /// of them, listed before its dependents, and none has completed.
    func insertNewTasks(_ tasks: [PlanTask]) async throws
    /// Replaces the task's dependency edges (its `depends_on` column is written by `updateTask`).
    func setDependencies(of task: UUID, tenant: String, to dependencies: [UUID], unmetDependencies: Int) async throws
    /// Holds the task back (`deferred`: its `not_before` is still ahead) or lets it go. A held-back
    /// task counts one unmet dependency more, so every rule of readiness — the claim, the ready
    /// index, the counters — keeps reading `unmet_dependencies = 0` alone.
    func setDeferred(_ id: UUID, tenant: String, _ deferred: Bool) async throws
    /// Lets go of held-back tasks, of any tenant, whose `not_before` has come by `now`; returns how many.
    func releaseDueTasks(at now: Timestamp, limit: Int) async throws -> Int
    /// Records that `completed` finished: each dependent has one fewer unmet dependency.
    func dependencyCompleted(_ completed: UUID, tenant: String, at now: Timestamp) async throws
    /// Dependency edges among the tasks of a plan: (task, depends on).
    func dependencyEdges(ofPlan planID: UUID, tenant: String) async throws -> [(UUID, UUID)]
    /// Locks and returns up to `request.limit` ready tasks — `pending`, every dependency completed,
    /// plan not final; highest priority, then oldest, first — with their plans' statuses. Never
    /// returns a task another transaction holds. Returns none unless `request.agentID` names an agent
    /// of the tenant that can take work, whose row stays read `FOR SHARE` (it cannot be terminated or
    /// deleted) until this transaction ends: one statement checks the worker and finds its work.
    /// `excluding` names concurrency keys and goals at their limit, whose tasks are passed over (the
    /// rare second look of a claim that met full ones; see `claim`).
    func claimable(_ request: ClaimRequest, tenant: String, excluding: ClaimExclusions) async throws -> [ClaimableTask]
    /// Locks and returns running tasks whose lease expired before `now`, of any tenant.
    func expiredLeases(at now: Timestamp, limit: Int) async throws -> [PlanTask]

    // MARK: schedules

    func schedule(_ id: UUID, tenant: String, lock: RowLock) async throws -> Schedule?
    func insertSchedule(_ schedule: Schedule) async throws
    func updateSchedule(_ schedule: Schedule) async throws
    func deleteSchedule(_ id: UUID, tenant: String) async throws
    func schedules(_ query: ListQuery, tenant: String) async throws -> [Schedule]
    /// The unpaused schedule of any tenant whose `next_run_at` came first and is not after `now`,
    /// locked for its run; one another transaction holds is passed over (`SKIP LOCKED`).
    func dueSchedule(at now: Timestamp) async throws -> Schedule?

    // MARK: webhooks

    func insertWebhook(_ webhook: Webhook) async throws
    func webhook(_ id: UUID, tenant: String) async throws -> Webhook?
    /// The tenant's webhooks, newest first.
    func webhooks(tenant: String) async throws -> [Webhook]
    /// Deletes the webhook and its deliveries.
    func deleteWebhook(_ id: UUID, tenant: String) async throws
    func webhookAllowedHosts(tenant: String) async throws -> WebhookAllowedHosts
    func putWebhookAllowedHosts(_ hosts: WebhookAllowedHosts, tenant: String) async throws
    /// A webhook's deliveries, newest first, after `cursor`; `limit + 1` of them at most.
    func webhookDeliveries(of webhook: UUID, tenant: String, limit: Int, cursor: Cursor?) async throws -> [WebhookDelivery]
    /// One delivery of the webhook, locked for an update.
    func webhookDelivery(_ id: UUID, of webhook: UUID, tenant: String) async throws -> WebhookDelivery?
    /// The delivery `claim` holds, locked; nil once the claim was lost (released or taken over).
    func claimedWebhookDelivery(_ id: UUID, claim: UUID) async throws -> WebhookDelivery?
    /// Writes a delivery's state, attempts and times, and clears its claim.
    func updateWebhookDelivery(_ delivery: WebhookDelivery) async throws
    /// Claims (with `claim`, until `until`) up to `limit` due deliveries of any tenant: pending,
    /// `next_attempt_at` come, no live claim, no earlier pending delivery of the same webhook and
    /// resource; PostgreSQL skips rows another transaction holds.
    func claimDueWebhookDeliveries(at now: Timestamp, limit: Int, until: Timestamp, claim: UUID) async throws -> [WebhookDelivery]
    /// Deletes finished (delivered or failed) deliveries of any tenant made before `cutoff`; returns how many.
    func deleteFinishedWebhookDeliveries(before cutoff: Timestamp) async throws -> Int
    /// One event of the log, as it reads it (nil once pruned).
    func event(_ id: Int64, tenant: String) async throws -> Event?

    // MARK: usage

    /// Adds `usage` to the totals of each resource (its kind is its table: `agents`, `goals`,
    /// `plans`), rows locked to the end of the transaction; give them in that order, so two
    /// transactions lock them in the same order.
    func addUsage(_ usage: Usage, to resources: [(kind: String, id: UUID)], tenant: String) async throws -> [String: Usage]
    /// One resource's totals, locked — made first (zero) when nothing was reported yet — so no report
    /// lands between reading them and deciding on the resource's budget.
    func lockUsageTotals(kind: String, id: UUID, tenant: String) async throws -> Usage
    /// Deletes the totals whose agent, goal or plan is gone; returns how many.
    func pruneOrphanUsageTotals() async throws -> Int
    /// How many goals, plans and agents of each tenant have `budget_exhausted` set.
    func exhaustedBudgets() async throws -> [(tenant: String, kind: String, count: Int64)]
    /// Ready tasks (any tenant) whose `schedule_to_start_seconds` ran out unclaimed, locked
    /// (PostgreSQL skips locked ones).
    func unstartedPastDeadline(at now: Timestamp, limit: Int) async throws -> [PlanTask]

    // MARK: concurrency limits
    /// The limits of `keys` that exist, as `max_running` by key, their rows locked until the
    /// transaction ends (in key order): claims of one key wait for each other, others do not.
    func lockConcurrencyLimits(_ keys: [String], tenant: String) async throws -> [JSONKey: Int64]
    /// How many tasks of each of `keys` run now (read after the locks above, so it counts every
    /// claim that held them before).
    func runningCounts(_ keys: [String], tenant: String) async throws -> [JSONKey: Int64]
    /// How many tasks of each of `goals` (of their own plans) run now; read after the goals were
    /// locked, so it counts every claim that held them before.
    func runningCounts(ofGoals goals: [UUID], tenant: String) async throws -> [UUID: Int64]
    /// The tenant's limits (only `key`'s when given), with their running counts, by key.
    func concurrencyLimits(key: String?, tenant: String?) async throws -> [ConcurrencyLimit]
    /// Sets `key`'s limit; true when the key had none.
    func putConcurrencyLimit(key: String, maxRunning: Int64, tenant: String, at now: Timestamp) async throws -> Bool
    /// Removes `key`'s limit; false when it had none.
    func deleteConcurrencyLimit(key: String, tenant: String) async throws -> Bool

    // MARK: rate limits
    /// Takes up to `limit` tokens from the bucket of each rate-limited task type among `types`
    /// (every limited type of the tenant when `nil`), refilled to `now` first, in one short
    /// statement; returns what it took by type (0 for an empty bucket). Types without a limit are
    /// not in the answer.
    func takeRateTokens(types: [String]?, limit: Int, tenant: String, at now: Timestamp) async throws -> [String: Int]
    /// Puts back tokens a claim took and did not use (never past the bucket's `burst`).
    func returnRateTokens(_ unused: [String: Int], tenant: String) async throws
    /// The tenant's rate limits (only `taskType`'s when given), by task type.
    func rateLimits(taskType: String?, tenant: String?) async throws -> [TaskRateLimit]
    /// Sets `taskType`'s limit (a new one starts with a full bucket); true when the type had none.
    func putRateLimit(taskType: String, perSecond: Double, burst: Double, tenant: String, at now: Timestamp) async throws -> Bool
    /// Removes `taskType`'s limit; false when it had none.
    func deleteRateLimit(taskType: String, tenant: String) async throws -> Bool

    /// Lets this transaction's commit return before its changes reach the disk (PostgreSQL
    /// `synchronous_commit = off`; SQLite's group commit has nothing to relax). Only for writes
    /// whose loss in a crash is harmless — rate tokens: a crash can only give back tokens taken in
    /// the last moments — so that a hot row is not held through a disk flush.
    func relaxDurability() async throws

    // MARK: tenant settings
    /// The tenant's settings (the defaults when an admin never set any).
    func tenantSettings(tenant: String) async throws -> TenantSettings
    /// Replaces the tenant's settings.
    func putTenantSettings(_ settings: TenantSettings, tenant: String) async throws

    // MARK: serialisation
    /// Holds `scope` until the transaction ends: other transactions asking for it wait.
    func serialize(_ scope: SerialScope) async throws

    // MARK: idempotency
    /// Records the answer of the request holding `claim`, in this transaction: the change and the
    /// record of its answer commit together or not at all. False when the reservation is no longer
    /// this request's (it was abandoned and taken over by a retry).
    func finishIdempotentRequest(_ claim: IdempotencyClaim, response: StoredResponse) async throws -> Bool

    // MARK: after the commit
    /// The plans this transaction's task changes may have finished, rolled up once it commits.
    var rollups: RollupQueue { get }

    // MARK: events
    /// Appends events in order, in this transaction.
    func appendEvents(_ drafts: [EventDraft], tenant: String, actor: String, at now: Timestamp) async throws
    /// Committed events whose `resource_id` is `id`, after `after`, oldest first.
    func events(about id: UUID, after: Int64, limit: Int, tenant: String) async throws -> [Event]
    /// When the task's newest `limit` events of `type` were recorded (newest first): a walk of the
    /// task's own events from its newest, so its cost does not grow with the task's history.
    func latestEventTimes(about id: UUID, type: String, limit: Int, tenant: String) async throws -> [Timestamp]
    /// Appends one event now, in this transaction, and returns it with its position.
    func appendEvent(_ draft: EventDraft, tenant: String, actor: String, at now: Timestamp) async throws -> Event
}

extension StoreTransaction {
    public func insertNewTasks(_ tasks: [PlanTask]) async throws {
        for task in tasks { try await insertTask(task, unmetDependencies: task.dependsOn.count) }
    }
}
