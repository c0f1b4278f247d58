/// When a schedule runs: a cron expression read on the wall clock of a time zone.
///
/// Runs fall on whole wall-clock minutes. Daylight saving is handled as the schedules spec says, "a
/// skipped local time runs once, a repeated one once":
/// - a time the clocks skip when they spring forward (02:30 in New York on the March change) runs at
///   the end of the gap, the instant the clocks jump (03:00 new time). All matching times inside one
///   gap, and 03:00 itself if it matches, make that one run, not several at the same instant.
/// - a time the clocks show twice when they fall back (01:30 in New York on the November change)
///   runs the first time only.
/// Both are one rule: a wall-clock time runs at the first instant the clocks show it or a later
/// time (`ScheduleTimeZone.firstInstant(showing:)`), and each instant runs at most once.
public struct CronSchedule: Sendable, Hashable {
    public let expression: CronExpression
    public let timeZone: ScheduleTimeZone

    /// Most runs `runs(after:count:)` lists: enough for any preview, and a bound on the work one
    /// request can ask for.
    public static let maxListedRuns = 1000

    /// The last year searched: runs end where `Timestamp.supported` does.
    static let latestYear: Int64 = 9999

    public init(expression: CronExpression, timeZone: ScheduleTimeZone) {
        self.expression = expression
        self.timeZone = timeZone
    }

    /// Validates both fields and reports every problem at once, as a 422 naming `cron` and/or
    /// `time_zone`.
    public init(cron: String, timeZone: String) throws(AgenticError) {
        var problems: [FieldError] = []
        var expression: CronExpression?
        var zone: ScheduleTimeZone?
        do throws(AgenticError) {
            expression = try CronExpression(cron, field: "cron")
        } catch {
            problems += error.fieldErrors
        }
        do throws(AgenticError) {
            zone = try ScheduleTimeZone(identifier: timeZone, field: "time_zone")
        } catch {
            problems += error.fieldErrors
        }
        guard let expression, let zone else { throw AgenticError.validation(problems) }
        self.init(expression: expression, timeZone: zone)
    }

    /// The first run strictly after `instant`, or nil when there is none in years up to 9999 (also
    /// for expressions no date matches, like `0 0 30 2 *`, which answer at once).
    ///
    /// Two steps: find the latest wall-clock time the zone has already shown up to `instant` (after
    /// a fall-back that is ahead of the clocks, so the repeated hour is not run again); then the
    /// first matching minute after it, and the first instant that shows it. No minute-by-minute scan:
    /// a handful of time-zone questions and a search that jumps by field.
    public func nextRun(after instant: Timestamp) -> Timestamp? {
        guard expression.canEverMatch, instant < Timestamp.supported.upperBound else { return nil }
        // Before year 1 every instant is "before the first run"; clamping keeps the calendar search
        // from walking from the year -292,000 an extreme `Timestamp` holds.
        let earliest = CronExpression.floorDivide(Timestamp.supported.lowerBound.microseconds, by: 1_000_000) - 1
        let afterSecond = max(CronExpression.floorDivide(instant.microseconds, by: 1_000_000), earliest)
        let shown = timeZone.latestWallClock(through: afterSecond)
        let firstCandidate = (CronExpression.floorDivide(shown, by: 60) + 1) * 60
        guard let wallClock = expression.firstMatch(atOrAfter: firstCandidate, throughYear: Self.latestYear) else {
            return nil
        }
        let run = Timestamp(microseconds: timeZone.firstInstant(showing: wallClock) * 1_000_000)
        guard run.isSupported, run > instant else { return nil }
        return run
    }

    /// The next `count` runs after `instant`, strictly increasing; fewer when the schedule ends
    /// before year 9999. `count` is clamped to 0…`maxListedRuns`.
    public func runs(after instant: Timestamp, count: Int) -> [Timestamp] {
        let wanted = min(max(count, 0), Self.maxListedRuns)
        var runs: [Timestamp] = []
        runs.reserveCapacity(wanted)
        var cursor = instant
        while runs.count < wanted, let next = nextRun(after: cursor) {
            runs.append(next)
            cursor = next
        }
        return runs
    }
}
