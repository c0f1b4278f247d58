import AgenticCore
import Foundation

/// Where a whole-table read stands: resources are keyed, and paged, by `(tenant, id)`.
public struct RowPosition: Sendable, Equatable {
    public var tenant: String
    public var id: UUID

    public init(tenant: String, id: UUID) {
        self.tenant = tenant
        self.id = id
    }
}

/// What export and import need from a transaction beyond the everyday primitives: whole-table
/// reads in key order (a page at a time) and inserts that keep ids, versions and timestamps as given.
public protocol SnapshotTransaction: StoreTransaction {
    func snapshotTenants() async throws -> [(name: String, createdAt: Timestamp)]
    func snapshotKeys() async throws -> [ApiKey]
    func snapshotAgents(after: RowPosition?, limit: Int) async throws -> [Agent]
    func snapshotGoals(after: RowPosition?, limit: Int) async throws -> [Goal]
    func snapshotPlans(after: RowPosition?, limit: Int) async throws -> [Plan]
    func snapshotTasks(after: RowPosition?, limit: Int) async throws -> [PlanTask]
    func snapshotEvents(after: Int64, limit: Int) async throws -> [Event]

    /// True when no tenant, key, resource or event exists.
    func isEmpty() async throws -> Bool
    /// Creates the tenant unless it exists.
    func ensureTenant(name: String, createdAt: Timestamp) async throws
    func insertKey(_ key: ApiKey) async throws
    /// Inserts a task row without its dependency edges (they may name tasks not imported yet).
    func importTask(_ task: PlanTask) async throws
    func importEvent(_ event: Event) async throws
    func setParent(ofGoal goal: UUID, tenant: String, to parent: UUID) async throws
    /// Builds every dependency edge from the tasks' `depends_on` and recounts unmet dependencies.
    func rebuildDependencies() async throws
}
