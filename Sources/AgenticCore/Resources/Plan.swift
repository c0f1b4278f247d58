import Foundation

/// A plan breaks a goal into a graph of tasks. Its status is driven by its tasks: `active` on the first
/// start, then `completed`, `failed` or `cancelled` once every task has finished.
public struct Plan: DescribedResource, Equatable {
    public var id = UUID.unset
    public var tenant = ""
    public var goalID = UUID.unset
    public var agentID: UUID?
    public var name = "Unnamed plan"
    public var status = PlanStatus.draft
    /// How its steps were meant to run, as the seed's planners say it; the graph of `depends_on` is
    /// what the queue follows.
    public var planType: PlanType?
    /// Free-form, except `max_tokens` and `max_cost_usd`, which are enforced.
    public var resourceBudget: JSONObject = [:]
    /// What its work cost so far, summed from what workers reported (read from the usage totals).
    public var usage = Usage()
    /// Its budget is used up: claims hand out none of its work until the budget is raised.
    public var budgetExhausted = false
    public var metadata: JSONObject = [:]
    /// Derived from the plan's tasks when read; never stored.
    public var taskCounts = TaskCounts()
    public var startedAt: Timestamp?
    public var completedAt: Timestamp?
    public var version: Int64 = 1
    public var createdAt = Timestamp(microseconds: 0)
    public var updatedAt = Timestamp(microseconds: 0)

    public init() {}

    public static let fields = ResourceDescription<Plan>(
        table: "plans", id: "plan_id",
        [
            .init("goal_id", \.goalID, .uuid, .create, required: true),
            .init("agent_id", \.agentID, .optional(.uuid), .always),
            .init("name", \.name, .text(min: 1, max: Limits.maxNameLength), .always),
            .init("status", \.status, .enumeration(PlanStatus.self), .always),
            .init("plan_type", \.planType, .optional(.enumeration(PlanType.self)), .always),
            .init(
                "resource_budget", \.resourceBudget, .object(enforcing: PlanBudget.self, schema: "PlanBudget"), .always,
                patchScope: .admin),
            .init("usage", \.usage, .nested(Usage.self, schema: "Usage"), .server, derived: .usageTotals),
            .init("budget_exhausted", \.budgetExhausted, .boolean, .server),
            .init("metadata", \.metadata, .object, .always),
            .init("task_counts", \.taskCounts, .taskCounts, .server),
            .init("started_at", \.startedAt, .optional(.timestamp), .server),
            .init("completed_at", \.completedAt, .optional(.timestamp), .server),
        ])

    /// A new plan has not finished yet.
    public static func checkDraft(_ plan: inout Plan, given: Set<String>, reader: inout ObjectReader) {
        if plan.status.isTerminal { reader.fail("status", "a new plan must be `draft` or `active`") }
    }

    /// A plan created `active` has started.
    public mutating func prepareNew(at now: Timestamp) {
        // A budget of zero is used up from the start.
        _ = refreshBudget()
        if status == .active { startedAt = now }
    }

    /// Moves to `next`, stamping `started_at` on becoming active and `completed_at` on finishing.
    public mutating func move(to next: PlanStatus, at now: Timestamp) throws(AgenticError) {
        guard next != status else { return }
        guard status.canMove(to: next) else { throw .invalidTransition(.plan, from: status, to: next) }
        status = next
        if next == .active, startedAt == nil { startedAt = now }
        completedAt = next.isTerminal ? now : nil
    }

    /// The one sanctioned way out of a final status: a task of the plan was retried
    /// (`POST /tasks/{id}/retry`), so the plan is `active` again (`plan.reopened`).
    public mutating func reopen(at now: Timestamp) {
        guard status.isTerminal else { return }
        status = .active
        if startedAt == nil { startedAt = now }
        completedAt = nil
    }
}

/// `sequential` (each step waits for the one before) or `parallel`.
public enum PlanType: String, Sendable, CaseIterable, ExactEquatable {
    case sequential, parallel
}

/// How many of a plan's tasks are in each status.
public struct TaskCounts: Sendable, Equatable, ExactEquatable, JSONWritable {
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

extension FieldCodec where Value == TaskCounts {
    /// Every status with its count; computed when a plan is read, never stored or set.
    static var taskCounts: Self {
        FieldCodec(
            schema: .reference("TaskCounts"), column: nil,
            read: { _, path, errors in
                errors.append(FieldError(field: path, message: "is read-only"))
                return nil
            },
            write: { v, w in v.write(to: &w) },
            parse: { value in
                guard case .object(let members) = value else { return nil }
                var counts = TaskCounts()
                for status in TaskStatus.allCases {
                    guard let count = members[JSONKey(status.rawValue)]?.intValue else { return nil }
                    counts[status] = count
                }
                return counts
            },
            store: { _ in .null }, load: { _ in TaskCounts() })
    }
}

public typealias PlanDraft = ResourceDraft<Plan>
public typealias PlanPatch = ResourcePatch<Plan>
