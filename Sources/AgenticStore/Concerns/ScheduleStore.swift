import AgenticCore
import Foundation

/// Schedules: recurring goals with their plans, created at each tick of a cron expression.
/// Changing them needs `admin` (enforced by the routes); a run is claimed in the database, so
/// however many instances sweep, each tick creates its work once.
public protocol ScheduleStore: Sendable {
    func createSchedule(_ draft: ScheduleDraft, by caller: Caller) async throws -> Schedule
    func schedule(_ id: UUID, tenant: String) async throws -> Schedule
    func updateSchedule(_ id: UUID, _ patch: SchedulePatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Schedule
    func deleteSchedule(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws
    func listSchedules(_ query: ListQuery, tenant: String) async throws -> Page<Schedule>
    /// Pauses (`true`) or resumes a schedule; resuming skips the ticks missed while paused.
    func pauseSchedule(_ id: UUID, _ paused: Bool, by caller: Caller) async throws -> Schedule
    /// Runs schedules whose tick has come, each tick once; answers how many ran (at most `limit`).
    func runDueSchedules(limit: Int) async throws -> Int
}
