import Foundation

/// One unit of work in a plan, pulled by agent workers through the lease-based queue.
///
/// Named `PlanTask` so it never shadows Swift's `Task`.
public struct PlanTask: Sendable, Equatable, JSONWritable {
    public var id: UUID
    public var tenant: String
    public var planID: UUID
    /// The assignee: the agent holding the lease while running, else whoever last held it.
    public var agentID: UUID?
    public var name: String
    public var description: String
    public var taskType: String
    public var status: TaskStatus
    public var inputs: JSONObject
    public var outputs: JSONObject
    public var dependsOn: [UUID]
    public var priority: Int64
    public var timeoutSeconds: Int64
    public var maxAttempts: Int64
    /// How many times the task has started.
    public var attempts: Int64
    public var leaseExpiresAt: Timestamp?
    public var error: JSONObject?
    public var toolName: String?
    public var startedAt: Timestamp?
    public var completedAt: Timestamp?
    public var version: Int64
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: UUID, tenant: String, planID: UUID, agentID: UUID?, name: String, description: String, taskType: String,
        status: TaskStatus, inputs: JSONObject, outputs: JSONObject, dependsOn: [UUID], priority: Int64,
        timeoutSeconds: Int64, maxAttempts: Int64, attempts: Int64, leaseExpiresAt: Timestamp?, error: JSONObject?,
        toolName: String?, startedAt: Timestamp?, completedAt: Timestamp?, version: Int64, createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.id = id
        self.tenant = tenant
        self.planID = planID
        self.agentID = agentID
        self.name = name
        self.description = description
        self.taskType = taskType
        self.status = status
        self.inputs = inputs
        self.outputs = outputs
        self.dependsOn = dependsOn
        self.priority = priority
        self.timeoutSeconds = timeoutSeconds
        self.maxAttempts = maxAttempts
        self.attempts = attempts
        self.leaseExpiresAt = leaseExpiresAt
        self.error = error
        self.toolName = toolName
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("task_id"); w.uuid(id)
        w.key("plan_id"); w.uuid(planID)
        w.key("agent_id"); w.uuid(agentID)
        w.key("name"); w.string(name)
        w.key("description"); w.string(description)
        w.key("task_type"); w.string(taskType)
        w.key("status"); w.string(status.rawValue)
        w.key("inputs"); w.object(inputs)
        w.key("outputs"); w.object(outputs)
        w.key("depends_on")
        w.beginArray()
        for dependency in dependsOn { w.uuid(dependency) }
        w.endArray()
        w.key("priority"); w.int(priority)
        w.key("timeout_seconds"); w.int(timeoutSeconds)
        w.key("max_attempts"); w.int(maxAttempts)
        w.key("attempts"); w.int(attempts)
        w.key("lease_expires_at"); w.timestamp(leaseExpiresAt)
        w.key("error")
        if let error { w.object(error) } else { w.null() }
        w.key("tool_name"); w.string(toolName)
        w.key("started_at"); w.timestamp(startedAt)
        w.key("completed_at"); w.timestamp(completedAt)
        w.key("version"); w.int(version)
        w.key("created_at"); w.timestamp(createdAt)
        w.key("updated_at"); w.timestamp(updatedAt)
        w.endObject()
    }

    /// The default name: the first 50 Unicode scalars of the description, else `Unnamed task`.
    public static func defaultName(description: String) -> String {
        let trimmed = description.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "Unnamed task" : ExactText.prefix(trimmed, 50)
    }

    /// Moves to `next`, applying the server-set fields: entering `running` counts an attempt, stamps
    /// `started_at` and takes a lease of `leaseSeconds` (the task's timeout when not given); entering a
    /// final status stamps `completed_at`; leaving `running` drops the lease.
    ///
    /// The caller checks dependencies (`dependenciesCompleted`) because only it can load them.
    public mutating func move(
        to next: TaskStatus, at now: Timestamp, leaseSeconds: Int64? = nil, dependenciesCompleted: Bool = true
    ) throws(AgenticError) {
        guard next != status else { return }
        guard status.canMove(to: next) else { throw .invalidTransition(.task, from: status, to: next) }
        if next.needsDependenciesCompleted, !dependenciesCompleted {
            throw .conflict(
                .dependenciesNotMet, "Task \(id.lowercased) cannot become `\(next.rawValue)` before its dependencies complete")
        }
        status = next
        switch next {
        case .running:
            attempts += 1
            startedAt = now
            completedAt = nil
            leaseExpiresAt = now.adding(seconds: Double(leaseSeconds ?? timeoutSeconds))
        case .pending, .blocked:
            leaseExpiresAt = nil
            completedAt = nil
        case .completed, .failed, .skipped, .cancelled:
            leaseExpiresAt = nil
            completedAt = now
        }
    }

    /// Whether `agent` holds a live lease on this task at `now`.
    public func isLeased(by agent: UUID, at now: Timestamp) -> Bool {
        guard status == .running, agentID == agent, let expiry = leaseExpiresAt else { return false }
        return expiry > now
    }

    /// Where a task goes after a failed attempt: back to `pending` while attempts are left and the
    /// failure is retryable, else `failed`.
    public func statusAfterFailure(retryable: Bool) -> TaskStatus {
        retryable && attempts < maxAttempts ? .pending : .failed
    }
}
