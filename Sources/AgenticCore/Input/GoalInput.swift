import Foundation

/// The body of `POST /goals`.
public struct GoalDraft: Sendable {
    public var id: UUID?
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

    static let fields: Set<String> = [
        "goal_id", "agent_id", "agent_did", "goal_text", "description", "goal_type", "status", "priority",
        "constraints", "success_criteria", "parent_goal_id", "metadata",
    ]
    static let readOnly = CommonFields.serverSet.union(["completed_at"])
    static let successCriteria = Convert.stringArray(maxItems: Limits.maxListItems, maxLength: Limits.maxListItemLength)

    public static func read(_ body: JSONValue) throws(AgenticError) -> GoalDraft {
        var r = ObjectReader(body, known: fields, readOnly: readOnly)
        let goalText = r.read(oneOf: ["goal_text", "description"], CommonFields.requiredText)
        if r.object["goal_text"] == nil, r.object["description"] == nil { r.fail("goal_text", "is required") }
        var constraintErrors: [FieldError] = []
        let constraints = r.read("constraints") { value in
            Result<GoalConstraints, Problem>.success(GoalConstraints.read(value, errors: &constraintErrors))
        }
        r.append(constraintErrors)
        let status = r.read("status", Convert.enumeration(GoalStatus.self)).value(or: .pending)
        if status.isTerminal { r.fail("status", "a new goal must be `pending` or `active`") }
        let draft = GoalDraft(
            id: r.read("goal_id", Convert.uuid).value,
            agentID: r.read("agent_id", nullable: true, Convert.uuid).value,
            agentDID: r.read("agent_did", nullable: true, CommonFields.did).value,
            goalText: goalText.value ?? "",
            goalType: r.read("goal_type", CommonFields.identifier).value(or: "compound"),
            status: status,
            priority: r.read("priority", CommonFields.priority).value(or: 5),
            constraints: constraints.value(or: GoalConstraints()),
            successCriteria: r.read("success_criteria", successCriteria).value(or: []),
            parentGoalID: r.read("parent_goal_id", nullable: true, Convert.uuid).value,
            metadata: r.read("metadata", Convert.object).value(or: [:]))
        try r.check()
        return draft
    }

    /// Builds the goal; `agent` is the referenced agent (already checked to exist in the tenant).
    public func make(tenant: String, agent: Agent?, now: Timestamp) -> Goal {
        Goal(
            id: id ?? UUID(), tenant: tenant, agentID: agentID, agentDID: agentDID ?? agent?.did, goalText: goalText,
            goalType: goalType, status: status, priority: priority, constraints: constraints,
            successCriteria: successCriteria, parentGoalID: parentGoalID, metadata: metadata,
            completedAt: nil, version: 1, createdAt: now, updatedAt: now)
    }
}

/// The body of `PATCH /goals/{id}`.
public struct GoalPatch: Sendable {
    public var agentID: UUID??
    public var agentDID: String??
    public var goalText: String?
    public var goalType: String?
    public var status: GoalStatus?
    public var priority: Int64?
    public var constraints: GoalConstraints?
    public var successCriteria: [String]?
    public var parentGoalID: UUID??
    public var metadata: JSONObject?

    static let fields = GoalDraft.fields.subtracting(["goal_id"])

    public static func read(_ body: JSONValue) throws(AgenticError) -> GoalPatch {
        var r = ObjectReader(body, known: fields, readOnly: GoalDraft.readOnly.union(["goal_id"]))
        try CommonFields.requireSomeField(r)
        var constraintErrors: [FieldError] = []
        let constraints = r.read("constraints") { value in
            Result<GoalConstraints, Problem>.success(GoalConstraints.read(value, errors: &constraintErrors))
        }
        r.append(constraintErrors)
        let patch = GoalPatch(
            agentID: r.read("agent_id", nullable: true, Convert.uuid).update,
            agentDID: r.read("agent_did", nullable: true, CommonFields.did).update,
            goalText: r.read(oneOf: ["goal_text", "description"], CommonFields.requiredText).value,
            goalType: r.read("goal_type", CommonFields.identifier).value,
            status: r.read("status", Convert.enumeration(GoalStatus.self)).value,
            priority: r.read("priority", CommonFields.priority).value,
            constraints: constraints.value,
            successCriteria: r.read("success_criteria", GoalDraft.successCriteria).value,
            parentGoalID: r.read("parent_goal_id", nullable: true, Convert.uuid).update,
            metadata: r.read("metadata", Convert.object).value)
        try r.check()
        return patch
    }

    /// Applies every field but `status` (which may cascade, so the caller moves it); `newAgent` is the agent
    /// named by a changed `agent_id`, whose DID becomes the default `agent_did`.
    public func apply(to goal: inout Goal, newAgent: Agent?, at now: Timestamp) -> Bool {
        var changed = false
        assign(&goal.agentID, agentID, &changed)
        if let agentDID {
            assign(&goal.agentDID, agentDID, &changed)
        } else if case .some(.some) = agentID, let newAgent {
            assign(&goal.agentDID, newAgent.did, &changed)
        }
        assign(&goal.goalText, goalText, &changed)
        assign(&goal.goalType, goalType, &changed)
        assign(&goal.priority, priority, &changed)
        assign(&goal.constraints, constraints, &changed)
        assign(&goal.successCriteria, successCriteria, &changed)
        assign(&goal.parentGoalID, parentGoalID, &changed)
        assign(&goal.metadata, metadata, &changed)
        return changed
    }
}
