import AgenticCore
import Foundation

/// Who is making a change: the tenant it lands in and the key id recorded as the event actor.
public struct Caller: Sendable, Equatable {
    public var tenant: String
    public var keyID: String

    public init(tenant: String, keyID: String) {
        self.tenant = tenant
        self.keyID = keyID
    }

    /// The server's own work (lease expiry, start-up) in a tenant.
    public static func system(tenant: String) -> Caller { Caller(tenant: tenant, keyID: "system") }
}

/// Everything the server asks of a database. `SQLiteStore` and `PostgresStore` implement it; the
/// resource workflows are shared (see `TransactionalStore`), so both behave identically and one
/// contract suite tests both.
///
/// Every method either does all of its work or none of it. Missing or foreign-tenant resources are
/// `AgenticError` 404s; a database that cannot be reached is a 503 `database_unavailable`.
public protocol Store: Sendable {
    // MARK: agents
    func createAgent(_ draft: AgentDraft, by caller: Caller) async throws -> Agent
    func agent(_ id: UUID, tenant: String) async throws -> Agent
    func updateAgent(_ id: UUID, _ patch: AgentPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Agent
    func deleteAgent(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws
    func listAgents(_ query: ListQuery, tenant: String) async throws -> Page<Agent>

    // MARK: goals
    func createGoal(_ draft: GoalDraft, by caller: Caller) async throws -> Goal
    func goal(_ id: UUID, tenant: String) async throws -> Goal
    func updateGoal(_ id: UUID, _ patch: GoalPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Goal
    func deleteGoal(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws
    func listGoals(_ query: ListQuery, tenant: String) async throws -> Page<Goal>
    func cancelGoal(_ id: UUID, by caller: Caller) async throws -> Goal

    // MARK: plans
    func createPlan(_ draft: PlanDraft, by caller: Caller) async throws -> Plan
    func plan(_ id: UUID, tenant: String) async throws -> Plan
    func updatePlan(_ id: UUID, _ patch: PlanPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Plan
    func deletePlan(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws
    func listPlans(_ query: ListQuery, tenant: String) async throws -> Page<Plan>
    func cancelPlan(_ id: UUID, by caller: Caller) async throws -> Plan

    // MARK: tasks and the work queue
    func createTask(_ draft: TaskDraft, by caller: Caller) async throws -> PlanTask
    func task(_ id: UUID, tenant: String) async throws -> PlanTask
    func updateTask(_ id: UUID, _ patch: TaskPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> PlanTask
    func deleteTask(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws
    func listTasks(_ query: ListQuery, tenant: String) async throws -> Page<PlanTask>
    func claimTasks(_ request: ClaimRequest, by caller: Caller) async throws -> [PlanTask]
    func heartbeat(_ id: UUID, _ request: HeartbeatRequest, by caller: Caller) async throws -> PlanTask
    func completeTask(_ id: UUID, _ request: CompleteRequest, by caller: Caller) async throws -> PlanTask
    func failTask(_ id: UUID, _ request: FailRequest, by caller: Caller) async throws -> PlanTask
    func cancelTask(_ id: UUID, by caller: Caller) async throws -> PlanTask
    /// Returns expired leases to the queue (or fails them when attempts are used up); returns how many.
    func expireLeases(limit: Int) async throws -> Int

    // MARK: events
    /// Events of `tenant` after position `after`, oldest first, that match `types`. `nextAfter` moves
    /// past events that did not match, so a selective reader never rescans them.
    func events(after: Int64, types: EventTypeFilter, limit: Int, tenant: String) async throws -> EventBatch
    /// Deletes events created before `cutoff`; returns how many.
    func pruneEvents(before cutoff: Timestamp) async throws -> Int
    /// Rings when events may have been appended (by this process, or — on PostgreSQL — any instance).
    var eventBell: EventBell { get }
    /// Serves waiting readers from one shared read of the log per wake-up (see `EventFeed`).
    var eventFeed: EventFeed { get }
    /// The highest event id readers can see (0 when there is none).
    func visibleEventHead() async throws -> Int64
    /// Visible events of every tenant after `after`, oldest first: what `EventFeed` shares out.
    func visibleEvents(after: Int64, limit: Int) async throws -> [Event]

    // MARK: keys
    func createKey(_ key: ApiKey) async throws
    func key(hash: String) async throws -> ApiKey?
    func listKeys(tenant: String?) async throws -> [ApiKey]
    /// Revokes a key of `tenant` (any tenant when nil); false when there is no such live key.
    func revokeKey(_ id: UUID, tenant: String?, at: Timestamp) async throws -> Bool
    func countKeys() async throws -> Int

    // MARK: idempotency
    func reserveIdempotencyKey(_ reservation: IdempotencyReservation) async throws -> IdempotencyOutcome
    /// Records the answer of a request that wrote nothing (a validation error): nothing else can
    /// commit under the reservation, so a separate transaction suffices.
    func completeIdempotencyKey(_ claim: IdempotencyClaim, response: StoredResponse) async throws
    /// Gives the key up after a server error, unless the answer was recorded meanwhile.
    func releaseIdempotencyKey(_ claim: IdempotencyClaim) async throws
    func pruneIdempotencyKeys(before cutoff: Timestamp) async throws -> Int

    // MARK: operations
    /// Applies pending migrations; never drops or rewrites data.
    func migrate() async throws
    /// Answers whether the database is reachable and its schema current.
    func readiness() async -> StoreReadiness
    /// Figures for `/metrics`: tasks by status, retained events, connections in use.
    func statistics() async throws -> StoreStatistics
    /// Writes a consistent snapshot of everything as NDJSON (see `SnapshotFormat`).
    func export(to sink: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> SnapshotSummary
    /// Loads a snapshot into this empty database, all or nothing; `nextLine` returns nil at the end.
    func importSnapshot(_ nextLine: @escaping @Sendable () async throws -> [UInt8]?) async throws -> SnapshotSummary
    /// Closes connections; the store cannot be used afterwards.
    func close() async
    /// A short description for logs: backend and location, never a password.
    var description: String { get }
}

/// What `/health/ready` reports about the store.
public struct StoreReadiness: Sendable, Equatable {
    public var reachable: Bool
    public var schemaVersion: Int?
    public var expectedSchemaVersion: Int
    public var detail: String?

    public init(reachable: Bool, schemaVersion: Int?, expectedSchemaVersion: Int, detail: String?) {
        self.reachable = reachable
        self.schemaVersion = schemaVersion
        self.expectedSchemaVersion = expectedSchemaVersion
        self.detail = detail
    }

    public var isReady: Bool { reachable && schemaVersion == expectedSchemaVersion }
}

/// A page of the event log.
public struct EventBatch: Sendable {
    public var events: [Event]
    /// Where the next read resumes (never less than the `after` asked for).
    public var nextAfter: Int64

    public init(events: [Event], nextAfter: Int64) {
        self.events = events
        self.nextAfter = nextAfter
    }
}

/// What `/metrics` reports about the store.
public struct StoreStatistics: Sendable {
    public var tasksByStatus: [TaskStatus: Int64]
    public var eventsRetained: Int64
    /// How long the oldest committed event has been held back from readers (0 when none is): on
    /// PostgreSQL an open transaction anywhere in the cluster delays delivery; SQLite never does.
    public var eventDeliveryLagSeconds: Double
    public var connections: ConnectionUse

    public init(tasksByStatus: [TaskStatus: Int64], eventsRetained: Int64, eventDeliveryLagSeconds: Double = 0, connections: ConnectionUse) {
        self.tasksByStatus = tasksByStatus
        self.eventsRetained = eventsRetained
        self.eventDeliveryLagSeconds = eventDeliveryLagSeconds
        self.connections = connections
    }
}

/// How many database connections exist and how many are leased right now.
public struct ConnectionUse: Sendable, Equatable {
    public var inUse: Int
    public var size: Int

    public init(inUse: Int, size: Int) {
        self.inUse = inUse
        self.size = size
    }

    public var idle: Int { max(0, size - inUse) }
}
