/// The event types the server appends. Followers match them exactly or by prefix (`task.`).
public enum EventType {
    public static func created(_ kind: ResourceKind) -> String { kind.rawValue + ".created" }
    public static func updated(_ kind: ResourceKind) -> String { kind.rawValue + ".updated" }
    public static func deleted(_ kind: ResourceKind) -> String { kind.rawValue + ".deleted" }

    public static let taskClaimed = "task.claimed"
    public static let taskHeartbeat = "task.heartbeat"
    public static let taskCompleted = "task.completed"
    /// A failed attempt that goes back to the queue.
    public static let taskRetried = "task.retried"
    public static let taskFailed = "task.failed"
    public static let taskCancelled = "task.cancelled"
    /// A dependency ended without completing, so this task will never run.
    public static let taskSkipped = "task.skipped"
    public static let taskLeaseExpired = "task.lease_expired"
    /// An attempt ran past its `timeout_seconds` (heartbeats cannot extend a lease beyond it).
    public static let taskTimedOut = "task.timed_out"
    /// Budgets: usage reached a goal's, plan's or agent's budget; claims pass its work over until
    /// the budget is raised (`Goal.budgetExhaustedEvent`, …).
    public static let goalBudgetExhausted = Goal.budgetExhaustedEvent
    public static let planBudgetExhausted = Plan.budgetExhaustedEvent
    public static let agentBudgetExhausted = Agent.budgetExhaustedEvent
    /// A ready task nobody claimed within its `schedule_to_start_seconds` failed.
    public static let taskExpired = "task.expired"
    /// A goal's time ran out (`constraints.deadline` or `max_execution_time_sec`): it failed, and
    /// what was open below it was cancelled.
    public static let goalExpired = "goal.expired"
    /// `POST /tasks/{id}/retry` put a task (or a skipped dependent of it) back to `pending`, and
    /// reopened its plan and goal if they had ended.
    public static let taskReopened = "task.reopened"
    public static let planReopened = "plan.reopened"
    public static let goalReopened = "goal.reopened"
    /// An admin changed the tenant's settings (`data`: the settings).
    public static let settingsUpdated = "settings.updated"
    /// An admin set or removed a concurrency limit (`data`: the limit, or `{key}`).
    public static let concurrencyLimitSet = "concurrency_limit.set"
    public static let concurrencyLimitDeleted = "concurrency_limit.deleted"
    /// An admin set or removed a rate limit (`data`: the limit, or `{task_type}`).
    public static let rateLimitSet = "rate_limit.set"
    public static let rateLimitDeleted = "rate_limit.deleted"
    /// The lease holder gave the task back (`release`), or was deleted; the task went back to the queue.
    public static let taskReleased = "task.released"
    /// A schedule's tick created its goal and plan (`data`: schedule_id, scheduled_for, goal_id,
    /// plan_id), or could not (`schedule.failed`, with the error); the actor is `system`.
    public static let scheduleFired = "schedule.fired"
    public static let scheduleFailed = "schedule.failed"
    /// An admin paused or resumed a schedule (`data`: the schedule).
    public static let schedulePaused = "schedule.paused"
    public static let scheduleResumed = "schedule.resumed"
    /// Approvals: a worker asked mid-task, a person approved (the task joins the queue) or rejected
    /// it (it fails; its dependents are skipped). The actor is the asking or deciding key.
    public static let taskApprovalRequested = "task.approval_requested"
    public static let taskApproved = "task.approved"
    public static let taskRejected = "task.rejected"
    /// The lease holder reported a step; the task itself did not change.
    public static let taskProgress = "task.progress"

    /// Events clients append themselves start with this, so they are never mistaken for the server's.
    public static let clientPrefix = "x."

    /// `plan.activated`, `plan.completed`, `goal.failed`, …: a status the server moved on its own.
    public static func status(_ kind: ResourceKind, _ status: some LifecycleStatus) -> String {
        kind.rawValue + "." + (status.rawValue == "active" ? "activated" : status.rawValue)
    }
}
