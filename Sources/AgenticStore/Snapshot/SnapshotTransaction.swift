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
    func snapshotSchedules(after: RowPosition?, limit: Int) async throws -> [Schedule]
    func snapshotDeliveries(after: RowPosition?, limit: Int) async throws -> [WebhookDelivery]
    func snapshotEvents(after: Int64, limit: Int) async throws -> [Event]

    /// True when no tenant, key, resource or event exists.
    func isEmpty() async throws -> Bool
    /// Creates the tenant unless it exists.
    func ensureTenant(name: String, createdAt: Timestamp) async throws
    func insertKey(_ key: ApiKey) async throws
    /// Inserts a task row without its dependency edges (they may name tasks not imported yet).
    func importTask(_ task: PlanTask) async throws
    func importEvent(_ event: Event) async throws
    /// Inserts a described row exactly as given: ids, counters and times kept (schedules, webhooks
    /// with their secrets, deliveries, concurrency limits).
    func importRow<Object: DescribedObject>(_ object: Object) async throws
    /// Inserts a rate limit as given, its bucket full.
    func importRateLimit(_ limit: TaskRateLimit) async throws
    func setParent(ofGoal goal: UUID, tenant: String, to parent: UUID) async throws
    /// Builds every dependency edge from the tasks' `depends_on` and recounts unmet dependencies.
    func rebuildDependencies() async throws
}

/// The insert an import makes of a described row, from its description (names from the
/// description and placeholders only; values bound).
enum SnapshotInsert {
    static func statement<Object: DescribedObject>(
        _ object: Object, placeholder: (Int) -> String, extra: [BoundValue] = []
    ) -> (sql: String, values: [BoundValue]) {
        let description = Object.fields
        guard let table = description.table else { preconditionFailure("\(Object.self) has no table") }
        let values = description.boundColumns(of: object) + extra
        return (InsertStatement.text(into: table, values.map(\.name), placeholder: placeholder), values)
    }

    /// A rate limit's bucket starts full, as a new limit's does: the tokens of the moment of export
    /// are long refilled when the import is used.
    static func full(_ limit: TaskRateLimit) -> TaskRateLimit {
        var limit = limit
        limit.tokens = limit.burst
        limit.refilledAt = limit.updatedAt
        return limit
    }

    /// The column only the store keeps beside a rate limit: how many tokens were taken.
    static let untaken = [BoundValue(name: "taken", value: .integer(0), type: .int64)]
}
