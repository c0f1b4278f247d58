import Foundation

/// What an agent is trying to achieve. Its status follows its plans once they run.
public struct Goal: Sendable, Equatable, JSONWritable {
    public var id: UUID
    public var tenant: String
    public var agentID: UUID?
    public var agentDID: String?
    public var goalText: String
    public var goalType: String
    public var status: GoalStatus
    public var priority: Int64
    public var constraints: GoalConstraints
    public var successCriteria: [String]
    public var parentGoalID: UUID?
    public var metadata: JSONObject
    public var completedAt: Timestamp?
    public var version: Int64
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: UUID, tenant: String, agentID: UUID?, agentDID: String?, goalText: String, goalType: String,
        status: GoalStatus, priority: Int64, constraints: GoalConstraints, successCriteria: [String],
        parentGoalID: UUID?, metadata: JSONObject, completedAt: Timestamp?, version: Int64,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.tenant = tenant
        self.agentID = agentID
        self.agentDID = agentDID
        self.goalText = goalText
        self.goalType = goalType
        self.status = status
        self.priority = priority
        self.constraints = constraints
        self.successCriteria = successCriteria
        self.parentGoalID = parentGoalID
        self.metadata = metadata
        self.completedAt = completedAt
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("goal_id"); w.uuid(id)
        w.key("agent_id"); w.uuid(agentID)
        w.key("agent_did"); w.string(agentDID)
        w.key("goal_text"); w.string(goalText)
        w.key("goal_type"); w.string(goalType)
        w.key("status"); w.string(status.rawValue)
        w.key("priority"); w.int(priority)
        w.key("constraints"); constraints.write(to: &w)
        w.key("success_criteria"); w.strings(successCriteria)
        w.key("parent_goal_id"); w.uuid(parentGoalID)
        w.key("metadata"); w.object(metadata)
        w.key("completed_at"); w.timestamp(completedAt)
        w.key("version"); w.int(version)
        w.key("created_at"); w.timestamp(createdAt)
        w.key("updated_at"); w.timestamp(updatedAt)
        w.endObject()
    }

    /// Moves to `next`, stamping `completed_at` on entering a final status.
    public mutating func move(to next: GoalStatus, at now: Timestamp) throws(AgenticError) {
        guard next != status else { return }
        guard status.canMove(to: next) else { throw .invalidTransition(.goal, from: status, to: next) }
        status = next
        completedAt = next.isTerminal ? now : nil
    }
}
