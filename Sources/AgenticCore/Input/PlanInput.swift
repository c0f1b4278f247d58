import Foundation

/// The body of `POST /plans`.
public struct PlanDraft: Sendable {
    public var id: UUID?
    public var goalID: UUID
    public var agentID: UUID?
    public var name: String
    public var status: PlanStatus
    public var resourceBudget: JSONObject
    public var metadata: JSONObject

    static let fields: Set<String> = ["plan_id", "goal_id", "agent_id", "name", "status", "resource_budget", "metadata"]
    static let readOnly = CommonFields.serverSet.union(["task_counts", "started_at", "completed_at"])

    public static func read(_ body: JSONValue) throws(AgenticError) -> PlanDraft {
        var r = ObjectReader(body, known: fields, readOnly: readOnly)
        let goalID = r.read("goal_id", Convert.uuid)
        if r.object["goal_id"] == nil { r.fail("goal_id", "is required") }
        let status = r.read("status", Convert.enumeration(PlanStatus.self)).value(or: .draft)
        if status.isTerminal { r.fail("status", "a new plan must be `draft` or `active`") }
        let draft = PlanDraft(
            id: r.read("plan_id", Convert.uuid).value,
            goalID: goalID.value ?? UUID(),
            agentID: r.read("agent_id", nullable: true, Convert.uuid).value,
            name: r.read("name", CommonFields.name).value(or: "Unnamed plan"),
            status: status,
            resourceBudget: r.read("resource_budget", Convert.object).value(or: [:]),
            metadata: r.read("metadata", Convert.object).value(or: [:]))
        try r.check()
        return draft
    }

    public func make(tenant: String, now: Timestamp) -> Plan {
        Plan(
            id: id ?? UUID(), tenant: tenant, goalID: goalID, agentID: agentID, name: name, status: status,
            resourceBudget: resourceBudget, metadata: metadata, startedAt: status == .active ? now : nil,
            completedAt: nil, version: 1, createdAt: now, updatedAt: now)
    }
}

/// The body of `PATCH /plans/{id}`.
public struct PlanPatch: Sendable {
    public var agentID: UUID??
    public var name: String?
    public var status: PlanStatus?
    public var resourceBudget: JSONObject?
    public var metadata: JSONObject?

    static let fields: Set<String> = ["agent_id", "name", "status", "resource_budget", "metadata"]

    public static func read(_ body: JSONValue) throws(AgenticError) -> PlanPatch {
        var r = ObjectReader(body, known: fields, readOnly: PlanDraft.readOnly.union(["plan_id", "goal_id"]))
        try CommonFields.requireSomeField(r)
        let patch = PlanPatch(
            agentID: r.read("agent_id", nullable: true, Convert.uuid).update,
            name: r.read("name", CommonFields.name).value,
            status: r.read("status", Convert.enumeration(PlanStatus.self)).value,
            resourceBudget: r.read("resource_budget", Convert.object).value,
            metadata: r.read("metadata", Convert.object).value)
        try r.check()
        return patch
    }

    /// Applies every field but `status`, which the caller moves because it may cascade.
    public func apply(to plan: inout Plan) -> Bool {
        var changed = false
        assign(&plan.agentID, agentID, &changed)
        assign(&plan.name, name, &changed)
        assign(&plan.resourceBudget, resourceBudget, &changed)
        assign(&plan.metadata, metadata, &changed)
        return changed
    }
}
