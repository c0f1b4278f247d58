import Foundation

/// One unit of work in a plan, pulled by agent workers through the lease-based queue.
///
/// Named `PlanTask` so it never shadows Swift's `Task`.
public struct PlanTask: DescribedResource, Equatable {
    public var id = UUID.unset
    public var tenant = ""
    public var planID = UUID.unset
    /// The assignee: the agent holding the lease while running, else whoever last held it.
    public var agentID: UUID?
    public var name = ""
    public var description = ""
    public var taskType = "atomic"
    public var status = TaskStatus.pending
    public var inputs: JSONObject = [:]
    public var outputs: JSONObject = [:]
    public var dependsOn: [UUID] = []
    public var priority: Int64 = 5
    public var timeoutSeconds: Int64 = 300
    public var maxAttempts: Int64 = 3
    /// How many times the task has started.
    public var attempts: Int64 = 0
    public var leaseExpiresAt: Timestamp?
    public var error: JSONObject?
    public var toolName: String?
    /// A label shared by tasks that count against one concurrency limit (a model provider, a user).
    public var concurrencyKey: String?
    /// Not ready before this time (a delayed task, or the next attempt after a backoff).
    public var notBefore: Timestamp?
    /// The backoff between attempts; none retries at once.
    public var retryPolicy: RetryPolicy?
    /// A worker must claim it within this many seconds of its becoming due, else it fails
    /// (`task.expired`); none waits for ever.
    public var scheduleToStartSeconds: Int64?
    /// When it last entered the queue: created, back to `pending`, or its last dependency completed.
    /// It is due at this time or at `not_before`, whichever is later.
    public var readyAt: Timestamp?
    /// What its attempts cost, summed from the usage workers reported on `complete` and `fail`.
    public var usage = Usage()
    /// It waits in `awaiting_approval` for a person's decision before it may be claimed (set when
    /// created, or by its goal's `constraints.require_approval`).
    public var requiresApproval = false
    /// The question, who asked and when, and the decision once made (`Approval`).
    public var approval: JSONObject?
    /// The key that created it: that key may not approve it.
    public var createdBy: String?
    /// A create request's `delay_seconds`, which the store turns into `not_before` on its own clock
    /// when it makes the task (`prepareNew`); never stored.
    public var delaySeconds: Int64?
    public var startedAt: Timestamp?
    public var completedAt: Timestamp?
    public var version: Int64 = 1
    public var createdAt = Timestamp(microseconds: 0)
    public var updatedAt = Timestamp(microseconds: 0)

    public init() {}

    public static let fields = ResourceDescription<PlanTask>(
        table: "tasks", id: "task_id",
        [
            .init("plan_id", \.planID, .uuid, .create, required: true),
            .init("agent_id", \.agentID, .optional(.uuid), .always),
            .init("name", \.name, .text(min: 1, max: Limits.maxNameLength), .always),
            .init("description", \.description, .text(max: Limits.maxTextLength), .always),
            .init("task_type", \.taskType, .identifier, .always),
            .init("status", \.status, .enumeration(TaskStatus.self), .always),
            .init("inputs", \.inputs, .object, .always, aliases: ["input_data"]),
            .init("outputs", \.outputs, .object, .always, aliases: ["output_data"]),
            .init("depends_on", \.dependsOn, .uuids(maxItems: Limits.maxListItems), .always),
            .init("priority", \.priority, .integer(Limits.priorities), .always),
            .init("timeout_seconds", \.timeoutSeconds, .integer(1...86_400), .always),
            .init("max_attempts", \.maxAttempts, .integer(1...100), .always),
            .init("attempts", \.attempts, .integer(0...Int64(Int32.max)), .server),
            .init("lease_expires_at", \.leaseExpiresAt, .optional(.timestamp), .server),
            .init("error", \.error, .optional(.object), .always),
            .init("tool_name", \.toolName, .optional(.identifier), .always),
            .init("concurrency_key", \.concurrencyKey, .optional(.text(min: 1, max: Limits.maxIdentifierLength)), .always),
            .init("not_before", \.notBefore, .optional(.timestamp), .always),
            .init("retry_policy", \.retryPolicy, .optional(.nested(RetryPolicy.self, schema: "RetryPolicy")), .always),
            .init("schedule_to_start_seconds", \.scheduleToStartSeconds, .optional(.integer(1...maxDelaySeconds)), .always),
            .init("ready_at", \.readyAt, .optional(.timestamp), .server),
            .init("usage", \.usage, .nested(Usage.self, schema: "Usage"), .server),
            .init("requires_approval", \.requiresApproval, .boolean, .create),
            .init("approval", \.approval, .optional(.object), .server),
            .init("created_by", \.createdBy, .optional(.text(min: 1, max: Limits.maxNameLength)), .server),
            .init("started_at", \.startedAt, .optional(.timestamp), .server),
            .init("completed_at", \.completedAt, .optional(.timestamp), .server),
        ], createInputs: ["delay_seconds"])

    /// The longest `delay_seconds`: a year.
    public static let maxDelaySeconds: Int64 = 31_536_000

    /// A new task is `pending` or `blocked`, cannot depend on itself, and is named after its
    /// description unless named.
    public static func checkDraft(_ task: inout PlanTask, given: Set<String>, reader: inout ObjectReader) {
        if task.status != .pending, task.status != .blocked { reader.fail("status", "a new task must be `pending` or `blocked`") }
        if given.contains("task_id"), task.dependsOn.contains(task.id) { reader.fail("depends_on", "a task cannot depend on itself") }
        if !given.contains("name") { task.name = defaultName(description: task.description) }
        if case .value(let delay) = reader.read("delay_seconds", Convert.int(0...maxDelaySeconds)) {
            if given.contains("not_before") { reader.fail("delay_seconds", "give `not_before` or `delay_seconds`, not both") }
            task.delaySeconds = delay
        }
    }

    /// A new task enters the queue now (or waits for approval first); a create request's
    /// `delay_seconds` becomes `not_before`.
    public mutating func prepareNew(at now: Timestamp) {
        readyAt = now
        if requiresApproval, status == .pending { status = .awaitingApproval }
        guard let delaySeconds else { return }
        notBefore = now.adding(seconds: Double(delaySeconds))
        self.delaySeconds = nil
    }

    /// The time by which a worker must have claimed it (`schedule_to_start_seconds` after it became
    /// due), if it has one. Only meaningful while it is `pending` with its dependencies completed.
    public var startDeadline: Timestamp? {
        guard let scheduleToStartSeconds else { return nil }
        let entered = readyAt ?? createdAt
        let due = max(entered, notBefore ?? entered)
        return due.adding(microseconds: scheduleToStartSeconds * 1_000_000)
    }

    /// Nobody claimed it in time: it fails, `error.reason` `schedule_to_start_timeout`.
    public mutating func expireUnstarted(at now: Timestamp) throws(AgenticError) {
        try move(to: .failed, at: now)
        error = [
            "reason": "schedule_to_start_timeout",
            "message": .string("No worker claimed the task within schedule_to_start_seconds (\(scheduleToStartSeconds ?? 0)) of its becoming due"),
        ]
    }

    /// The default name: the first 50 Unicode scalars of the description, else `Unnamed task`.
    public static func defaultName(description: String) -> String {
        let trimmed = description.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "Unnamed task" : ExactText.prefix(trimmed, 50)
    }

    /// Moves to `next`, applying the server-set fields: entering `running` counts an attempt, stamps
    /// `started_at` and takes a lease of `leaseSeconds` (the task's timeout when not given, and never
    /// past it: see `deadline`); entering a final status stamps `completed_at`; leaving `running`
    /// drops the lease.
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
            leaseExpiresAt = now.adding(seconds: Double(min(leaseSeconds ?? timeoutSeconds, timeoutSeconds)))
        case .pending, .blocked:
            leaseExpiresAt = nil
            completedAt = nil
            readyAt = now
        case .awaitingApproval:
            leaseExpiresAt = nil
            completedAt = nil
        case .completed, .failed, .skipped, .cancelled:
            leaseExpiresAt = nil
            completedAt = now
        }
    }

    /// The one sanctioned way out of a final status (`POST /tasks/{id}/retry`): a task that ended
    /// without completing waits again, with a fresh attempt count and no error, lease or delay.
    /// The caller checks that its dependencies can still complete.
    public mutating func reopen(at now: Timestamp) {
        guard status.endedWithoutCompleting else { return }
        // A task that needs approval asks again before it runs again.
        status = requiresApproval ? .awaitingApproval : .pending
        approval = nil
        readyAt = now
        attempts = 0
        error = nil
        leaseExpiresAt = nil
        startedAt = nil
        completedAt = nil
        notBefore = nil
    }

    /// When a running attempt must be over: `timeout_seconds` after it started. No lease reaches past
    /// it, so heartbeats cannot keep a task running longer; the sweep then times it out.
    public var deadline: Timestamp? {
        guard status == .running, let startedAt else { return nil }
        return startedAt.adding(seconds: Double(timeoutSeconds))
    }

    /// Extends the lease by `seconds` from `now`, up to the attempt's deadline.
    public mutating func extendLease(by seconds: Int64, at now: Timestamp) {
        let wanted = now.adding(seconds: Double(seconds))
        leaseExpiresAt = deadline.map { min($0, wanted) } ?? wanted
    }

    /// Whether an attempt whose lease ran out at `now` had reached its deadline (timed out) rather
    /// than lost its worker.
    public func timedOut(at now: Timestamp) -> Bool {
        deadline.map { $0 <= now } ?? false
    }

    /// Whether the task is held back at `now` by `not_before`.
    public func isDeferred(at now: Timestamp) -> Bool {
        notBefore.map { $0 > now } ?? false
    }

    /// After a failed attempt that will be retried: the next is not ready before the backoff of
    /// the task's own policy, else of the tenant's default (`fallback`); at once without either
    /// (whatever delay it had is behind it: it ran).
    public mutating func scheduleRetry(at now: Timestamp, random: Double, fallback: RetryPolicy? = nil) {
        notBefore = (retryPolicy ?? fallback).map { now.adding(seconds: $0.delay(afterAttempts: attempts, random: random)) }
    }

    /// Whether `agent` holds a live lease on this task at `now`.
    public func isLeased(by agent: UUID, at now: Timestamp) -> Bool {
        guard status == .running, agentID == agent, let expiry = leaseExpiresAt else { return false }
        return expiry > now
    }

    /// The lease holder gives the task back unfinished (`POST /tasks/{id}/release`, a worker shutting
    /// down): it waits again at once and the attempt does not count, so a release never uses up the
    /// task's retries.
    public mutating func release(at now: Timestamp) throws(AgenticError) {
        try move(to: .pending, at: now)
        attempts = max(0, attempts - 1)
    }

    /// Where a task goes after a failed attempt: back to `pending` while attempts are left and the
    /// failure is retryable, else `failed`.
    public func statusAfterFailure(retryable: Bool) -> TaskStatus {
        retryable && attempts < maxAttempts ? .pending : .failed
    }
}

public typealias TaskDraft = ResourceDraft<PlanTask>
public typealias TaskPatch = ResourcePatch<PlanTask>

// MARK: approvals

extension PlanTask {
    /// Makes a new task wait for approval because its goal requires it.
    public mutating func requireApproval() {
        requiresApproval = true
        if status == .pending { status = .awaitingApproval }
    }

    /// The lease holder asks a person mid-task: the lease is given back, the attempt does not count,
    /// and the task waits until someone decides.
    public mutating func askApproval(question: String, data: JSONObject?, by key: String, at now: Timestamp) throws(AgenticError) {
        guard status == .running else { throw .invalidTransition(.task, from: status, to: .awaitingApproval) }
        status = .awaitingApproval
        leaseExpiresAt = nil
        attempts = max(0, attempts - 1)
        var asked: JSONObject = ["question": .string(question), "requested_by": .string(key), "requested_at": .string(now.rfc3339)]
        if let data { asked[JSONKey("data")] = .object(data) }
        approval = asked
    }

    /// Whether `key` may decide on this task: never the key that created it or asked.
    public func mayBeDecided(by key: String) -> Bool {
        key != createdBy && key != approval?[JSONKey("requested_by")]?.stringValue
    }

    /// A person said yes: the task joins the queue.
    public mutating func approve(by key: String, comment: String?, at now: Timestamp) throws(AgenticError) {
        try decide("approved", by: key, note: ("comment", comment), at: now)
        status = .pending
        readyAt = now
    }

    /// A person said no: the task fails (`error.code` `rejected`) and its dependents are skipped.
    public mutating func reject(by key: String, reason: String, at now: Timestamp) throws(AgenticError) {
        try decide("rejected", by: key, note: ("reason", reason), at: now)
        status = .failed
        completedAt = now
        error = ["code": "rejected", "reason": .string(reason)]
    }

    private mutating func decide(_ decision: String, by key: String, note: (name: String, text: String?), at now: Timestamp) throws(AgenticError) {
        guard status == .awaitingApproval else {
            throw .conflict(.invalidTransition, "Task \(id.lowercased) is `\(status.rawValue)`; only a task awaiting approval can be approved or rejected")
        }
        guard mayBeDecided(by: key) else {
            throw AgenticError(
                code: .forbidden, status: 403,
                detail: "A key cannot approve or reject a task it created or asked about; another person's key must decide")
        }
        var record = approval ?? [:]
        record[JSONKey("decision")] = .string(decision)
        record[JSONKey("decided_by")] = .string(key)
        record[JSONKey("decided_at")] = .string(now.rfc3339)
        if let text = note.text { record[JSONKey(note.name)] = .string(text) }
        approval = record
    }
}

