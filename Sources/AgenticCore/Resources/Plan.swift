import Foundation

/// A plan breaks a goal into a graph of tasks. Its status is driven by its tasks: `active` on the first
/// start, then `completed`, `failed` or `cancelled` once every task has finished.
public struct Plan: Sendable, Equatable, JSONWritable {
    public var id: UUID
    public var tenant: String
    public var goalID: UUID
    public var agentID: UUID?
    public var name: String
    public var status: PlanStatus
    public var resourceBudget: JSONObject
    public var metadata: JSONObject
    /// Derived from the plan's tasks when read; never stored.
    public var taskCounts: TaskCounts
    public var startedAt: Timestamp?
    public var completedAt: Timestamp?
    public var version: Int64
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: UUID, tenant: String, goalID: UUID, agentID: UUID?, name: String, status: PlanStatus,
        resourceBudget: JSONObject, metadata: JSONObject, taskCounts: TaskCounts = TaskCounts(),
        startedAt: Timestamp?, completedAt: Timestamp?, version: Int64, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.tenant = tenant
        self.goalID = goalID
        self.agentID = agentID
        self.name = name
        self.status = status
        self.resourceBudget = resourceBudget
        self.metadata = metadata
        self.taskCounts = taskCounts
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("plan_id"); w.uuid(id)
        w.key("goal_id"); w.uuid(goalID)
        w.key("agent_id"); w.uuid(agentID)
        w.key("name"); w.string(name)
        w.key("status"); w.string(status.rawValue)
        w.key("resource_budget"); w.object(resourceBudget)
        w.key("metadata"); w.object(metadata)
        w.key("task_counts"); taskCounts.write(to: &w)
        w.key("started_at"); w.timestamp(startedAt)
        w.key("completed_at"); w.timestamp(completedAt)
        w.key("version"); w.int(version)
        w.key("created_at"); w.timestamp(createdAt)
        w.key("updated_at"); w.timestamp(updatedAt)
        w.endObject()
    }

    /// Moves to `next`, stamping `started_at` on becoming active and `completed_at` on finishing.
    public mutating func move(to next: PlanStatus, at now: Timestamp) throws(AgenticError) {
        guard next != status else { return }
        guard status.canMove(to: next) else { throw .invalidTransition(.plan, from: status, to: next) }
        status = next
        if next == .active, startedAt == nil { startedAt = now }
        completedAt = next.isTerminal ? now : nil
    }
}

/// How many of a plan's tasks are in each status.
public struct TaskCounts: Sendable, Equatable, JSONWritable {
    public var counts: [TaskStatus: Int64] = [:]

    public init(_ counts: [TaskStatus: Int64] = [:]) {
        self.counts = counts
    }

    public subscript(status: TaskStatus) -> Int64 {
        get { counts[status] ?? 0 }
        set { counts[status] = newValue }
    }

    public var total: Int64 { counts.values.reduce(0, +) }
    public var open: Int64 { TaskStatus.openStatuses.reduce(0) { $0 + self[$1] } }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        // Fixed order, every status present, so clients need no defaulting.
        for status in TaskStatus.allCases {
            w.key(status.rawValue)
            w.int(self[status])
        }
        w.endObject()
    }
}
