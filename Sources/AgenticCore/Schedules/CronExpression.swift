/// A standard five-field cron expression: minute, hour, day of month, month, day of week.
///
/// Each field is kept as a bitset (bit n set: value n matches), so matching a wall-clock time is a
/// handful of shifts and the search for the next match skips whole months, days and hours at once.
/// The expression knows nothing of time zones: it matches wall-clock readings, and `CronSchedule`
/// maps those onto instants.
///
/// Days follow Vixie cron: when both day fields are restricted (neither starts with `*`), a day
/// matches if either does (`0 0 1 * MON` runs on the first of the month and on every Monday);
/// otherwise both must.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// Longest text accepted, in UTF-8 bytes: a sensible expression is a few dozen characters, and a
    /// bound keeps error messages (which quote the field) short.
    public static let maxLength = 200

    /// Bits 0–59.
    let minutes: UInt64
    /// Bits 0–23.
    let hours: UInt64
    /// Bits 1–31.
    let daysOfMonth: UInt64
    /// Bits 1–12.
    let months: UInt64
    /// Bits 0–6, Sunday is 0 (a 7 in the text lands on bit 0).
    let daysOfWeek: UInt64
    /// Both day fields are restricted, so a day matches when either matches (Vixie cron's rule).
    let daysMatchEither: Bool

    /// The expression as parsed: fields separated by single spaces, names in upper case, or the
    /// macro in lower case (`@daily`).
    public let description: String

    /// False when no date ever matches (`0 0 30 2 *`, `0 0 31 4 *`). Such an expression is valid
    /// cron, so it parses; its schedule simply never runs.
    public let canEverMatch: Bool

    /// Parses `text`; a problem is reported as a 422 naming `field`.
    public init(_ text: String, field: String = "cron") throws(AgenticError) {
        do {
            self = try Self.parse(text)
        } catch {
            throw AgenticError.validation(field: field, error.message)
        }
    }

    init(
        minutes: UInt64, hours: UInt64, daysOfMonth: UInt64, months: UInt64, daysOfWeek: UInt64, daysMatchEither: Bool,
        description: String
    ) {
        self.minutes = minutes
        self.hours = hours
        self.daysOfMonth = daysOfMonth
        self.months = months
        self.daysOfWeek = daysOfWeek
        self.daysMatchEither = daysMatchEither
        self.description = description
        canEverMatch = Self.someDateMatches(daysOfMonth: daysOfMonth, months: months, daysMatchEither: daysMatchEither)
    }

    /// Whether the wall-clock reading matches. Dates that do not exist (February 30) and years outside
    /// 1–9999 never match.
    public func matches(year: Int, month: Int, day: Int, hour: Int, minute: Int) -> Bool {
        guard (1...9999).contains(year), (0...59).contains(minute), (0...23).contains(hour), (1...12).contains(month), day >= 1,
            Int64(day) <= Timestamp.daysIn(month: Int64(month), year: Int64(year))
        else { return false }
        guard Self.has(minutes, minute), Self.has(hours, hour), Self.has(months, month) else { return false }
        let weekday = Self.weekday(ofDay: Timestamp.days(fromCivil: Int64(year), Int64(month), Int64(day)))
        let byDayOfMonth = Self.has(daysOfMonth, day)
        let byDayOfWeek = Self.has(daysOfWeek, Int(weekday))
        return daysMatchEither ? (byDayOfMonth || byDayOfWeek) : (byDayOfMonth && byDayOfWeek)
    }

    static func has(_ bits: UInt64, _ value: Int) -> Bool {
        bits & (1 << UInt64(value)) != 0
    }

    /// 0 for Sunday through 6 for Saturday; day 0 (1970-01-01) was a Thursday.
    static func weekday(ofDay days: Int64) -> Int64 {
        let remainder = (days + 4) % 7
        return remainder < 0 ? remainder + 7 : remainder
    }

    /// With either-day matching every month has a matching day (each month holds every weekday).
    /// With both-day matching, every allowed weekday eventually falls on every real date, so only the
    /// dates themselves can rule a match out: some allowed day must exist in some allowed month,
    /// counting February 29.
    private static func someDateMatches(daysOfMonth: UInt64, months: UInt64, daysMatchEither: Bool) -> Bool {
        if daysMatchEither { return true }
        for month in 1...12 where has(months, month) {
            let longest = month == 2 ? 29 : Int(Timestamp.daysIn(month: Int64(month), year: 2001))
            let existingDays: UInt64 = ((1 << UInt64(longest)) - 1) << 1
            if daysOfMonth & existingDays != 0 { return true }
        }
        return false
    }
}
