import Foundation

/// The body of `POST /tasks`.
public struct TaskDraft: Sendable {
    public var id: UUID?
    public var planID: UUID
    public var agentID: UUID?
    public var name: String?
    public var description: String
    public var taskType: String
    public var status: TaskStatus
    public var inputs: JSONObject
    public var outputs: JSONObject
    public var dependsOn: [UUID]
    public var priority: Int64
    public var timeoutSeconds: Int64
    public var maxAttempts: Int64
    public var toolName: String?
    public var error: JSONObject?

    static let fields: Set<String> = [
        "task_id", "plan_id", "agent_id", "name", "description", "task_type", "status", "inputs", "input_data",
        "outputs", "output_data", "depends_on", "priority", "timeout_seconds", "max_attempts", "tool_name", "error",
    ]
    static let readOnly = CommonFields.serverSet.union([
        "attempts", "lease_expires_at", "started_at", "completed_at",
    ])
    static let dependsOn = Convert.uuidArray(maxItems: Limits.maxListItems)
    static let timeout = Convert.int(1...86_400)
    static let maxAttempts = Convert.int(1...100)

    public static func read(_ body: JSONValue) throws(AgenticError) -> TaskDraft {
        var r = ObjectReader(body, known: fields, readOnly: readOnly)
        let planID = r.read("plan_id", Convert.uuid)
        if r.object["plan_id"] == nil { r.fail("plan_id", "is required") }
        let status = r.read("status", Convert.enumeration(TaskStatus.self)).value(or: .pending)
        if status != .pending, status != .blocked { r.fail("status", "a new task must be `pending` or `blocked`") }
        let id = r.read("task_id", Convert.uuid).value
        let dependsOn = r.read("depends_on", dependsOn).value(or: [])
        if let id, dependsOn.contains(id) { r.fail("depends_on", "a task cannot depend on itself") }
        let draft = TaskDraft(
            id: id,
            planID: planID.value ?? UUID(),
            agentID: r.read("agent_id", nullable: true, Convert.uuid).value,
            name: r.read("name", CommonFields.name).value,
            description: r.read("description", CommonFields.text).value(or: ""),
            taskType: r.read("task_type", CommonFields.identifier).value(or: "atomic"),
            status: status,
            inputs: r.read(oneOf: ["inputs", "input_data"], Convert.object).value(or: [:]),
            outputs: r.read(oneOf: ["outputs", "output_data"], Convert.object).value(or: [:]),
            dependsOn: dependsOn,
            priority: r.read("priority", CommonFields.priority).value(or: 5),
            timeoutSeconds: r.read("timeout_seconds", timeout).value(or: 300),
            maxAttempts: r.read("max_attempts", maxAttempts).value(or: 3),
            toolName: r.read("tool_name", nullable: true, CommonFields.identifier).value,
            error: r.read("error", nullable: true, Convert.object).value)
        try r.check()
        return draft
    }

    public func make(tenant: String, now: Timestamp) -> PlanTask {
        PlanTask(
            id: id ?? UUID(), tenant: tenant, planID: planID, agentID: agentID,
            name: name ?? PlanTask.defaultName(description: description), description: description,
            taskType: taskType, status: status, inputs: inputs, outputs: outputs, dependsOn: dependsOn,
            priority: priority, timeoutSeconds: timeoutSeconds, maxAttempts: maxAttempts, attempts: 0,
            leaseExpiresAt: nil, error: error, toolName: toolName, startedAt: nil, completedAt: nil, version: 1,
            createdAt: now, updatedAt: now)
    }
}

/// The body of `PATCH /tasks/{id}`.
public struct TaskPatch: Sendable {
    public var agentID: UUID??
    public var name: String?
    public var description: String?
    public var taskType: String?
    public var status: TaskStatus?
    public var inputs: JSONObject?
    public var outputs: JSONObject?
    public var dependsOn: [UUID]?
    public var priority: Int64?
    public var timeoutSeconds: Int64?
    public var maxAttempts: Int64?
    public var toolName: String??
    public var error: JSONObject??

    static let fields = TaskDraft.fields.subtracting(["task_id", "plan_id"])

    public static func read(_ body: JSONValue) throws(AgenticError) -> TaskPatch {
        var r = ObjectReader(body, known: fields, readOnly: TaskDraft.readOnly.union(["task_id", "plan_id"]))
        try CommonFields.requireSomeField(r)
        let patch = TaskPatch(
            agentID: r.read("agent_id", nullable: true, Convert.uuid).update,
            name: r.read("name", CommonFields.name).value,
            description: r.read("description", CommonFields.text).value,
            taskType: r.read("task_type", CommonFields.identifier).value,
            status: r.read("status", Convert.enumeration(TaskStatus.self)).value,
            inputs: r.read(oneOf: ["inputs", "input_data"], Convert.object).value,
            outputs: r.read(oneOf: ["outputs", "output_data"], Convert.object).value,
            dependsOn: r.read("depends_on", TaskDraft.dependsOn).value,
            priority: r.read("priority", CommonFields.priority).value,
            timeoutSeconds: r.read("timeout_seconds", TaskDraft.timeout).value,
            maxAttempts: r.read("max_attempts", TaskDraft.maxAttempts).value,
            toolName: r.read("tool_name", nullable: true, CommonFields.identifier).update,
            error: r.read("error", nullable: true, Convert.object).update)
        try r.check()
        return patch
    }

    /// Applies every field but `status` and `depends_on`, which need the store (dependencies, cascades).
    public func apply(to task: inout PlanTask) -> Bool {
        var changed = false
        assign(&task.agentID, agentID, &changed)
        assign(&task.name, name, &changed)
        assign(&task.description, description, &changed)
        assign(&task.taskType, taskType, &changed)
        assign(&task.inputs, inputs, &changed)
        assign(&task.outputs, outputs, &changed)
        assign(&task.priority, priority, &changed)
        assign(&task.timeoutSeconds, timeoutSeconds, &changed)
        assign(&task.maxAttempts, maxAttempts, &changed)
        assign(&task.toolName, toolName, &changed)
        assign(&task.error, error, &changed)
        return changed
    }
}
