import AgenticCore
import Foundation

/// The lease-based work queue: claims, heartbeats, completions, failures, cancellations and the
/// return of expired leases.
public protocol WorkQueueStore: Sendable {
    func claimTasks(_ request: ClaimRequest, by caller: Caller) async throws -> [PlanTask]
    func heartbeat(_ id: UUID, _ request: HeartbeatRequest, by caller: Caller) async throws -> PlanTask
    func releaseTask(_ id: UUID, _ request: ReleaseRequest, by caller: Caller) async throws -> PlanTask
    /// Completes the caller's task; with `claimNext`, claims the next in the same transaction.
    func completeTask(_ id: UUID, _ request: CompleteRequest, by caller: Caller) async throws -> TaskOutcome
    /// Records a failed attempt; with `claimNext`, claims the next in the same transaction.
    func failTask(_ id: UUID, _ request: FailRequest, by caller: Caller) async throws -> TaskOutcome
    func cancelTask(_ id: UUID, by caller: Caller) async throws -> PlanTask
    /// Puts a failed, cancelled or skipped task back in the queue, with its skipped dependents,
    /// reopening its plan and goal if they had ended.
    func retryTask(_ id: UUID, by caller: Caller) async throws -> PlanTask
    /// Cancels or retries every task a filter matches (up to `BulkTaskRequest.maxTasks`).
    func bulkTasks(_ request: BulkTaskRequest, by caller: Caller) async throws -> BulkTaskOutcome
    /// Records a step the lease holder reports as a `task.progress` event; the task is unchanged.
    func reportProgress(_ id: UUID, _ request: ProgressRequest, by caller: Caller) async throws -> Event
    /// Returns expired leases to the queue (or fails them when attempts are used up); returns how many.
    func expireLeases(limit: Int) async throws -> Int
    /// Makes delayed tasks and backed-off retries whose `not_before` has come ready; returns how many.
    func releaseDueTasks(limit: Int) async throws -> Int
    /// Fails open goals whose time ran out (`goal.expired`) and cancels their open work; returns
    /// how many it looked at.
    func expireGoals(limit: Int) async throws -> Int
    /// Fails ready tasks nobody claimed within their `schedule_to_start_seconds`; how many.
    func expireUnstartedTasks(limit: Int) async throws -> Int
    /// Finishes plans left open although none of their tasks is (their roll-up after a commit was
    /// lost to a crash or an outage); returns how many it found.
    func rollUpFinishedPlans(limit: Int) async throws -> Int
    /// Drops the usage totals of agents, goals and plans that were deleted; returns how many.
    func pruneUsageTotals() async throws -> Int
}
