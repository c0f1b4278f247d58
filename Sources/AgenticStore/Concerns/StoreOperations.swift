import AgenticCore
import Foundation
import Logging
import ServiceLifecycle

/// Running the database: migrations, readiness, figures for `/metrics`, snapshots, shutdown.
public protocol StoreOperations: Sendable {
    /// What must run while the store is in use (PostgreSQL: the connection pool and the event
    /// relay). `serve` runs them in its ServiceGroup; other commands and tests use `run(_:)`.
    var services: [any Service] { get }
    /// Opens connections ahead of the first requests (best effort; once the services run).
    func warm() async
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

extension StoreOperations {
    /// Runs the store's services while `body` runs, then stops them (in reverse order, gracefully)
    /// and closes the store, however `body` ends.
    public func run<T>(logger: Logger = Logger(label: "agentic.store"), _ body: () async throws -> T) async throws -> T {
        guard !services.isEmpty else {
            do {
                let result = try await body()
                await close()
                return result
            } catch {
                await close()
                throw error
            }
        }
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let outcome: Result<T, any Error>
            do {
                await warm()
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            await close()
            return try outcome.get()
        }
    }
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

/// What `/metrics` reports about the store.
public struct StoreStatistics: Sendable {
    public var tasksByStatus: [TaskStatus: Int64]
    public var eventsRetained: Int64
    /// How long the oldest committed event has been held back from readers (0 when none is): on
    /// PostgreSQL an open transaction anywhere in the cluster delays delivery; SQLite never does.
    public var eventDeliveryLagSeconds: Double
    public var connections: ConnectionUse
    public var limits: LimitStatistics

    public init(
        tasksByStatus: [TaskStatus: Int64], eventsRetained: Int64, eventDeliveryLagSeconds: Double = 0, connections: ConnectionUse,
        limits: LimitStatistics
    ) {
        self.tasksByStatus = tasksByStatus
        self.eventsRetained = eventsRetained
        self.eventDeliveryLagSeconds = eventDeliveryLagSeconds
        self.connections = connections
        self.limits = limits
    }
}

/// Every tenant's configured limits and how many of its goals, plans and agents have used up their
/// budget: for the metrics.
public struct LimitStatistics: Sendable {
    public var asOf: Timestamp
    public var concurrency: [ConcurrencyLimit]
    public var rate: [TaskRateLimit]
    public var exhaustedBudgets: [(tenant: String, kind: String, count: Int64)]
}

extension StoreTransaction {
    func limitStatistics(at now: Timestamp) async throws -> LimitStatistics {
        LimitStatistics(
            asOf: now, concurrency: try await concurrencyLimits(key: nil, tenant: nil), rate: try await rateLimits(taskType: nil, tenant: nil),
            exhaustedBudgets: try await exhaustedBudgets())
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
