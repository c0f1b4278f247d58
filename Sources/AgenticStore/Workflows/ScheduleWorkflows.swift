import AgenticCore
import Foundation

extension TransactionalStore {
    public func createSchedule(_ draft: ScheduleDraft, by caller: Caller) async throws -> Schedule {
        try await write { tx in
            let now = clock.now()
            var schedule = draft.make(tenant: caller.tenant, now: now)
            try await tx.insertSchedule(schedule)
            var log = ChangeLog()
            log.record(EventType.created(.schedule), schedule)
            try await tx.commit(log, by: caller, at: now)
            schedule.showUpcoming(at: now)
            return schedule
        }
    }

    public func schedule(_ id: UUID, tenant: String) async throws -> Schedule {
        try await read { tx in
            guard var schedule = try await tx.schedule(id, tenant: tenant, lock: .none) else {
                throw AgenticError.notFound(.schedule, id.lowercased)
            }
            schedule.showUpcoming(at: clock.now())
            return schedule
        }
    }

    /// Changes a schedule; a new cron, zone or pause state moves `next_run_at` to the first tick
    /// after now.
    public func updateSchedule(_ id: UUID, _ patch: SchedulePatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Schedule {
        try await changeSchedule(id, ifMatch: ifMatch, by: caller, event: EventType.updated(.schedule)) { schedule in
            patch.apply(to: &schedule)
        }
    }

    public func pauseSchedule(_ id: UUID, _ paused: Bool, by caller: Caller) async throws -> Schedule {
        try await changeSchedule(id, ifMatch: nil, by: caller, event: paused ? EventType.schedulePaused : EventType.scheduleResumed) { schedule in
            guard schedule.paused != paused else { return false }
            schedule.paused = paused
            return true
        }
    }

    private func changeSchedule(
        _ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller, event: String,
        _ change: @escaping @Sendable (inout Schedule) -> Bool
    ) async throws -> Schedule {
        try await write { tx in
            let now = clock.now()
            guard var schedule = try await tx.schedule(id, tenant: caller.tenant, lock: .update) else {
                throw AgenticError.notFound(.schedule, id.lowercased)
            }
            try ifMatch.check(schedule.version)
            let before = schedule
            if change(&schedule) {
                if schedule.cron != before.cron || schedule.timeZone != before.timeZone || schedule.paused != before.paused {
                    schedule.reschedule(at: now)
                }
                schedule.bumpVersion(at: now)
                try await tx.updateSchedule(schedule)
                var log = ChangeLog()
                log.record(event, schedule)
                try await tx.commit(log, by: caller, at: now)
            }
            schedule.showUpcoming(at: now)
            return schedule
        }
    }

    public func deleteSchedule(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws {
        try await write { tx in
            guard let schedule = try await tx.schedule(id, tenant: caller.tenant, lock: .update) else {
                throw AgenticError.notFound(.schedule, id.lowercased)
            }
            try ifMatch.check(schedule.version)
            try await tx.deleteSchedule(id, tenant: caller.tenant)
            var log = ChangeLog()
            log.record(EventType.deleted(.schedule), schedule)
            try await tx.commit(log, by: caller, at: clock.now())
        }
    }

    public func listSchedules(_ query: ListQuery, tenant: String) async throws -> Page<Schedule> {
        let (rows, now) = try await read { tx in (try await tx.schedules(query, tenant: tenant), clock.now()) }
        return Page(
            fetched: rows.map {
                var schedule = $0
                schedule.showUpcoming(at: now)
                return schedule
            }, limit: query.limit
        ) { Cursor(createdAt: $0.createdAt, id: $0.id) }
    }

    /// Each due schedule runs in a transaction of its own that locks it, creates the goal and plan
    /// from its templates and moves `next_run_at` past now: another instance's sweep skips the
    /// locked row, and once committed the tick is no longer due. A template that no longer fits
    /// (it names an agent since deleted) uses up the tick and says why (`schedule.failed`).
    public func runDueSchedules(limit: Int) async throws -> Int {
        var ran = 0
        while ran < limit {
            let outcome: ScheduleRun
            do {
                outcome = try await write { tx in try await tx.runDueSchedule(at: clock.now()) }
            } catch let failure as ScheduleRunFailed {
                try await write { tx in try await tx.recordFailedRun(failure, at: clock.now()) }
                ran += 1
                continue
            }
            guard case .ran = outcome else { break }
            ran += 1
        }
        return ran
    }
}

/// What one step of the schedule sweep did.
enum ScheduleRun: Sendable {
    case ran
    case nothingDue
}

/// A due schedule whose templates no longer make valid work; its transaction rolls back and a
/// second one records the failure and moves on to the next tick.
struct ScheduleRunFailed: Error {
    let schedule: UUID
    let tenant: String
    let tick: Timestamp
    let error: AgenticError
}

extension StoreTransaction {
    func runDueSchedule(at now: Timestamp) async throws -> ScheduleRun {
        guard var schedule = try await dueSchedule(at: now), let tick = schedule.nextRunAt else { return .nothingDue }
        var log = ChangeLog()
        let created: CreatedPlan
        let goal: Goal
        do {
            var goalDraft = try ScheduleTemplate.goal(schedule.goalTemplate)
            // Where the goal came from, for whoever reads it later.
            goalDraft.value.metadata[JSONKey("schedule_id")] = .string(schedule.id.lowercased)
            goalDraft.value.metadata[JSONKey("scheduled_for")] = .string(tick.rfc3339)
            goal = try await addGoal(goalDraft, tenant: schedule.tenant, at: now, log: &log)
            created = try await addPlan(
                try ScheduleTemplate.plan(schedule.planTemplate, goal: goal.id), tenant: schedule.tenant, by: Caller.system(tenant: schedule.tenant).keyID,
                at: now, log: &log)
        } catch let error as AgenticError {
            throw ScheduleRunFailed(schedule: schedule.id, tenant: schedule.tenant, tick: tick, error: error)
        }
        schedule.ran(tick: tick, goal: goal.id, plan: created.plan.id, at: now)
        try await updateSchedule(schedule)
        log.record(
            EventType.scheduleFired,
            ScheduleFiring(schedule: schedule.id, tick: tick, goal: goal.id, plan: created.plan.id, problem: nil))
        try await commit(log, by: .system(tenant: schedule.tenant), at: now)
        return .ran
    }

    /// Moves a schedule whose run failed past its tick, if no other instance did meanwhile.
    func recordFailedRun(_ failure: ScheduleRunFailed, at now: Timestamp) async throws {
        guard var schedule = try await schedule(failure.schedule, tenant: failure.tenant, lock: .update),
            schedule.nextRunAt == failure.tick
        else { return }
        schedule.ran(tick: failure.tick, goal: nil, plan: nil, at: now)
        try await updateSchedule(schedule)
        var log = ChangeLog()
        log.record(
            EventType.scheduleFailed,
            ScheduleFiring(schedule: schedule.id, tick: failure.tick, goal: nil, plan: nil, problem: failure.error))
        try await commit(log, by: .system(tenant: schedule.tenant), at: now)
    }
}

/// The body of `schedule.fired` and `schedule.failed`: which tick, and what it created or why not.
struct ScheduleFiring: JSONWritable, Identified {
    let schedule: UUID
    let tick: Timestamp
    let goal: UUID?
    let plan: UUID?
    let problem: AgenticError?

    var id: UUID { schedule }

    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("schedule_id")
        w.uuid(schedule)
        w.key("scheduled_for")
        w.timestamp(tick)
        if let goal {
            w.key("goal_id")
            w.uuid(goal)
        }
        if let plan {
            w.key("plan_id")
            w.uuid(plan)
        }
        if let problem {
            w.key("error")
            w.beginObject()
            problem.writeMembers(to: &w)
            w.endObject()
        }
        w.endObject()
    }
}
