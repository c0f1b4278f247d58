import Foundation

/// What an agent is trying to achieve. Its status follows its plans once they run.
public struct Goal: DescribedResource, Equatable {
    public var id = UUID.unset
    public var tenant = ""
    public var agentID: UUID?
    public var agentDID: String?
    public var goalText = ""
    public var goalType = "compound"
    public var status = GoalStatus.pending
    public var priority: Int64 = 5
    public var constraints = GoalConstraints()
    /// What counts as done: text, or objects such as `{"metric": "accuracy", "target": 0.9}`.
    public var successCriteria: [JSONValue] = []
    public var parentGoalID: UUID?
    public var metadata: JSONObject = [:]
    public var completedAt: Timestamp?
    /// When the goal fails unless it has finished: the earlier of `constraints.deadline` and
    /// `constraints.max_execution_time_sec` after its creation (see `refreshExpiry`).
    public var expiresAt: Timestamp?
    /// `constraints.max_parallelism` and whether `constraints.allowed_agent_types` names any, kept in
    /// columns of their own so a claim reads plain columns, not the constraints' JSON (`refreshDerived`).
    public var parallelismCap: Int64?
    public var restrictsAgentTypes = false
    /// What its work cost so far, summed from what workers reported (read from the usage totals).
    public var usage = Usage()
    /// Its budget is used up: claims hand out none of its work until the budget is raised.
    public var budgetExhausted = false
    public var version: Int64 = 1
    public var createdAt = Timestamp(microseconds: 0)
    public var updatedAt = Timestamp(microseconds: 0)

    public init() {}

    public static let fields = ResourceDescription<Goal>(
        table: "goals", id: "goal_id",
        [
            .init("agent_id", \.agentID, .optional(.uuid), .always),
            .init("agent_did", \.agentDID, .optional(.did), .always),
            .init("goal_text", \.goalText, .text(min: 1, max: Limits.maxTextLength), .always, required: true, aliases: ["description"]),
            .init("goal_type", \.goalType, .identifier, .always),
            .init("status", \.status, .enumeration(GoalStatus.self), .always),
            .init("priority", \.priority, .integer(Limits.priorities), .always),
            .init("constraints", \.constraints, .nested(GoalConstraints.self, schema: "GoalConstraints"), .always, patchScope: .admin),
            .init(
                "success_criteria", \.successCriteria,
                .stringsOrObjects(maxItems: Limits.maxListItems, maxLength: Limits.maxListItemLength), .always),
            .init("parent_goal_id", \.parentGoalID, .optional(.uuid), .always),
            .init("metadata", \.metadata, .object, .always),
            .init("completed_at", \.completedAt, .optional(.timestamp), .server),
            .init("expires_at", \.expiresAt, .optional(.timestamp), .server),
            .init("usage", \.usage, .nested(Usage.self, schema: "Usage"), .server, derived: .usageTotals),
            .init("budget_exhausted", \.budgetExhausted, .boolean, .server),
            .init("parallelism_cap", \.parallelismCap, .optional(.integer(1...10_000)), .hidden),
            .init("restricts_agent_types", \.restrictsAgentTypes, .boolean, .hidden),
        ])

    /// A new goal has not finished yet.
    public static func checkDraft(_ goal: inout Goal, given: Set<String>, reader: inout ObjectReader) {
        if goal.status.isTerminal { reader.fail("status", "a new goal must be `pending` or `active`") }
    }

    /// A new goal derives its columns; a budget of zero is used up from the start.
    public mutating func prepareNew(at now: Timestamp) {
        refreshDerived()
        _ = refreshBudget()
    }

    /// Derives what is kept beside the constraints: `expires_at`, the earlier of the deadline and
    /// the longest execution time counted from the goal's creation (none when neither is set), and
    /// the columns claims read.
    public mutating func refreshDerived() {
        let byDuration = constraints.maxExecutionTimeSec.map { createdAt.adding(seconds: Double($0)) }
        expiresAt = [constraints.deadline, byDuration].compactMap { $0 }.min()
        parallelismCap = constraints.maxParallelism
        restrictsAgentTypes = !constraints.allowedAgentTypes.isEmpty
    }

    /// Whether the goal is still open at `now` though its time is up.
    public func isExpired(at now: Timestamp) -> Bool {
        !status.isTerminal && (expiresAt.map { $0 <= now } ?? false)
    }

    /// The one sanctioned way out of a final status: a task below was retried, its plan reopened,
    /// so the goal is `active` again (`goal.reopened`).
    public mutating func reopen() {
        guard status.isTerminal else { return }
        status = .active
        completedAt = nil
    }

    /// Moves to `next`, stamping `completed_at` on entering a final status.
    public mutating func move(to next: GoalStatus, at now: Timestamp) throws(AgenticError) {
        guard next != status else { return }
        guard status.canMove(to: next) else { throw .invalidTransition(.goal, from: status, to: next) }
        status = next
        completedAt = next.isTerminal ? now : nil
    }
}

public typealias GoalDraft = ResourceDraft<Goal>
public typealias GoalPatch = ResourcePatch<Goal>
