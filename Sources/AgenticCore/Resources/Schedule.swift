import Foundation

/// Recurring work: at each tick of `cron` in `time_zone` the server creates a goal from
/// `goal_template` and a plan with its tasks from `plan_template` — once per tick, whichever
/// instance gets there first (the tick is claimed by moving `next_run_at` in the same transaction
/// that creates the work).
public struct Schedule: DescribedResource, Equatable, Identified {
    public var id = UUID.unset
    public var tenant = ""
    public var name = ""
    /// Five fields: minute, hour, day of month, month, day of week (`CronExpression`).
    public var cron = ""
    /// An IANA zone the cron's wall-clock times are read in (`ScheduleTimeZone`).
    public var timeZone = "UTC"
    /// A goal's create body.
    public var goalTemplate: JSONObject = [:]
    /// A plan's create body without `goal_id` (the goal each run creates), usually with `tasks`.
    public var planTemplate: JSONObject = [:]
    public var paused = false
    /// The tick the next run is for; `nil` while paused or when the cron never matches again.
    public var nextRunAt: Timestamp?
    /// The tick of the last run, and what it created.
    public var lastRunAt: Timestamp?
    public var lastGoalID: UUID?
    public var lastPlanID: UUID?
    public var runCount: Int64 = 0
    /// The next run times after now, computed when read; never stored.
    public var upcomingRuns: [Timestamp] = []
    public var version: Int64 = 1
    public var createdAt = Timestamp(microseconds: 0)
    public var updatedAt = Timestamp(microseconds: 0)

    public init() {}

    /// How many upcoming run times a schedule shows.
    public static let shownRuns = 5

    public static let fields = ResourceDescription<Schedule>(
        table: "schedules", id: "schedule_id",
        [
            .init("name", \.name, .text(min: 1, max: Limits.maxNameLength), .always, required: true),
            .init("cron", \.cron, .cron, .always, required: true),
            .init("time_zone", \.timeZone, .timeZone, .always),
            .init("goal_template", \.goalTemplate, .template(schema: "GoalTemplate", ScheduleTemplate.checkGoal), .always, required: true),
            .init("plan_template", \.planTemplate, .template(schema: "PlanTemplate", ScheduleTemplate.checkPlan), .always, required: true),
            .init("paused", \.paused, .boolean, .always),
            .init("next_run_at", \.nextRunAt, .optional(.timestamp), .server),
            .init("last_run_at", \.lastRunAt, .optional(.timestamp), .server),
            .init("last_goal_id", \.lastGoalID, .optional(.uuid), .server),
            .init("last_plan_id", \.lastPlanID, .optional(.uuid), .server),
            .init("run_count", \.runCount, .integer(0...Int64.max), .server),
            .init("next_runs", \.upcomingRuns, .upcomingRuns, .server),
        ])

    /// The cron and zone as one calculator; both were checked when the schedule was written.
    public var calendar: CronSchedule? { try? CronSchedule(cron: cron, timeZone: timeZone) }

    /// A new schedule's first tick is the first after its creation.
    public mutating func prepareNew(at now: Timestamp) {
        reschedule(at: now)
    }

    /// Sets `next_run_at` to the first tick after `now` (none while paused). Called on creation, on
    /// resuming and when the cron or zone changes: time spent paused is skipped, not caught up.
    public mutating func reschedule(at now: Timestamp) {
        nextRunAt = paused ? nil : calendar?.nextRun(after: now)
    }

    /// Records the run for `tick` and moves to the first tick after `now`: after downtime that
    /// missed several ticks, one run catches up and the rest are skipped — not a storm.
    public mutating func ran(tick: Timestamp, goal: UUID?, plan: UUID?, at now: Timestamp) {
        lastRunAt = tick
        lastGoalID = goal
        lastPlanID = plan
        runCount += 1
        nextRunAt = paused ? nil : calendar?.nextRun(after: max(now, tick))
    }

    /// Fills `next_runs` for an answer.
    public mutating func showUpcoming(at now: Timestamp) {
        upcomingRuns = paused ? [] : calendar?.runs(after: now, count: Self.shownRuns) ?? []
    }
}

public typealias ScheduleDraft = ResourceDraft<Schedule>
public typealias SchedulePatch = ResourcePatch<Schedule>

/// The templates a schedule turns into work, checked when the schedule is written exactly as the
/// create requests they stand for would be, their problems named under the template
/// (`plan_template.tasks[2].task_type`).
public enum ScheduleTemplate {
    /// The goal a run creates.
    public static func goal(_ template: JSONObject) throws(AgenticError) -> GoalDraft {
        try Goal.fields.draft(.object(template))
    }

    /// The plan a run creates under `goal`.
    public static func plan(_ template: JSONObject, goal: UUID) throws(AgenticError) -> PlanCreation {
        var body = template
        body[JSONKey("goal_id")] = .string(goal.lowercased)
        return try PlanCreation.read(.object(body))
    }

    /// Ids a template may not fix: every run creates new resources, and a second run with the
    /// same id would collide with the first.
    static let newEachRun = "each run creates a new one; leave it out"

    static func checkGoal(_ template: JSONObject) -> [FieldError] {
        if template[JSONKey("goal_id")] != nil { return [FieldError(field: "goal_id", message: newEachRun)] }
        do throws(AgenticError) {
            _ = try goal(template)
            return []
        } catch {
            return error.problems
        }
    }

    static func checkPlan(_ template: JSONObject) -> [FieldError] {
        var fixed: [FieldError] = []
        if template[JSONKey("goal_id")] != nil { fixed.append(FieldError(field: "goal_id", message: "is the goal each run creates; leave it out")) }
        if template[JSONKey("plan_id")] != nil { fixed.append(FieldError(field: "plan_id", message: newEachRun)) }
        for member in ["tasks", "steps"] {
            for (index, item) in (template[JSONKey(member)]?.arrayValue ?? []).enumerated() where item["task_id"] != nil {
                fixed.append(FieldError(field: "\(member)[\(index)].task_id", message: newEachRun))
            }
        }
        if !fixed.isEmpty { return fixed }
        do throws(AgenticError) {
            _ = try plan(template, goal: .unset)
            return []
        } catch {
            return error.problems
        }
    }
}

extension AgenticError {
    /// The bad fields, or the detail when the error names none.
    var problems: [FieldError] {
        fieldErrors.isEmpty ? [FieldError(field: "", message: detail)] : fieldErrors
    }
}

extension FieldCodec where Value == String {
    /// A cron expression, stored as given once it parses.
    static var cron: Self {
        checked(maxLength: CronExpression.maxLength) { text, path throws(AgenticError) in _ = try CronExpression(text, field: path) }
    }

    /// An IANA time zone name.
    static var timeZone: Self {
        checked(maxLength: ScheduleTimeZone.maxNameLength) { text, path throws(AgenticError) in
            _ = try ScheduleTimeZone(identifier: text, field: path)
        }
    }

    private static func checked(maxLength: Int, _ check: @escaping @Sendable (String, String) throws(AgenticError) -> Void) -> Self {
        let convert = Convert.string(min: 1, max: maxLength)
        return FieldCodec(
            schema: .string(minLength: 1, maxLength: maxLength, format: nil), column: .text,
            read: { value, path, errors in
                switch convert(value) {
                case .failure(let problem):
                    errors.append(FieldError(field: path + problem.subpath, message: problem.message))
                    return nil
                case .success(let text):
                    do throws(AgenticError) {
                        try check(text, path)
                        return text
                    } catch {
                        errors.append(contentsOf: error.fieldErrors.isEmpty ? [FieldError(field: path, message: error.detail)] : error.fieldErrors)
                        return nil
                    }
                }
            },
            write: { v, w in w.string(v) }, parse: \.stringValue,
            store: { .text($0) }, load: { if case .text(let v) = $0 { v } else { nil } })
    }
}

extension FieldCodec where Value == JSONObject {
    /// A create body kept for later, checked now by `check` (whose problems name fields inside it).
    static func template(schema name: String, _ check: @escaping @Sendable (JSONObject) -> [FieldError]) -> Self {
        checkedObject(schema: name) { object, path, errors in
            errors.append(contentsOf: check(object).map { FieldError(field: $0.field.isEmpty ? path : path + "." + $0.field, message: $0.message) })
        }
    }
}

extension FieldCodec where Value == [Timestamp] {
    /// Times computed when read (a schedule's next runs), never stored or set.
    static var upcomingRuns: Self {
        FieldCodec(
            schema: .array(of: .string(minLength: nil, maxLength: nil, format: "date-time"), maxItems: Schedule.shownRuns),
            column: nil,
            read: { _, path, errors in
                errors.append(FieldError(field: path, message: "is read-only"))
                return nil
            },
            write: { v, w in
                w.beginArray()
                for t in v { w.timestamp(t) }
                w.endArray()
            },
            parse: { value in
                guard case .array(let items) = value else { return nil }
                var times: [Timestamp] = []
                for item in items {
                    guard let t = item.stringValue.flatMap({ Timestamp(rfc3339: $0) }) else { return nil }
                    times.append(t)
                }
                return times
            },
            store: { _ in .null }, load: { _ in [] })
    }
}
