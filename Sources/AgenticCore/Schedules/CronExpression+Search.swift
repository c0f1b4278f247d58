extension CronExpression {
    /// The first matching wall-clock minute at or after `start`, in wall-clock seconds (seconds since
    /// 1970-01-01T00:00 of the local calendar, the way Unix time counts UTC), in year `latestYear` or
    /// before; nil when there is none.
    ///
    /// Walks months, then days, then hours, then minutes, jumping to the next set bit of each field,
    /// so a yearly expression costs a few steps rather than half a million minutes. Each failed step
    /// moves to the start of the next month, day or hour, and every year has a matching month, so the
    /// loop ends after at most a few dozen steps per year up to `latestYear`.
    func firstMatch(atOrAfter start: Int64, throughYear latestYear: Int64) -> Int64? {
        guard canEverMatch else { return nil }
        let startMinute = Self.floorDivide(start + 59, by: 60)
        let startDay = Self.floorDivide(startMinute, by: 1440)
        var (year, month, day) = Timestamp.civil(fromDays: startDay)
        var hour = (startMinute - startDay * 1440) / 60
        var minute = (startMinute - startDay * 1440) % 60
        while year <= latestYear {
            guard let matchingMonth = Self.lowest(months, from: month) else {
                (year, month, day, hour, minute) = (year + 1, 1, 1, 0, 0)
                continue
            }
            if matchingMonth != month { (month, day, hour, minute) = (matchingMonth, 1, 0, 0) }
            guard let matchingDay = Self.lowest(matchingDays(year: year, month: month), from: day) else {
                (month, day, hour, minute) = (month + 1, 1, 0, 0)
                continue
            }
            if matchingDay != day { (day, hour, minute) = (matchingDay, 0, 0) }
            guard let matchingHour = Self.lowest(hours, from: hour) else {
                (day, hour, minute) = (day + 1, 0, 0)
                continue
            }
            if matchingHour != hour { (hour, minute) = (matchingHour, 0) }
            guard let matchingMinute = Self.lowest(minutes, from: minute) else {
                (hour, minute) = (hour + 1, 0)
                continue
            }
            return Timestamp.days(fromCivil: year, month, day) * 86_400 + hour * 3600 + matchingMinute * 60
        }
        return nil
    }

    /// Bits 1–31: the days of this month the expression matches. Days past the month's end are never
    /// set, so stepping past them falls through to the next month.
    func matchingDays(year: Int64, month: Int64) -> UInt64 {
        let length = Timestamp.daysIn(month: month, year: year)
        let existing: UInt64 = ((1 << UInt64(length)) - 1) << 1
        let weekdayOfFirst = Self.weekday(ofDay: Timestamp.days(fromCivil: year, month, 1))
        var byWeekday: UInt64 = 0
        for weekday in Int64(0)..<7 where Self.has(daysOfWeek, Int(weekday)) {
            let firstDay = (weekday - weekdayOfFirst + 7) % 7 + 1
            byWeekday |= Self.everySeventhDay << UInt64(firstDay)
        }
        let matching = daysMatchEither ? (daysOfMonth | byWeekday) : (daysOfMonth & byWeekday)
        return matching & existing
    }

    /// Bits 0, 7, 14, 21 and 28: shifted by the first day a weekday falls on, every day of the month
    /// with that weekday.
    private static let everySeventhDay: UInt64 = 1 | 1 << 7 | 1 << 14 | 1 << 21 | 1 << 28

    /// The smallest set bit at or above `start`, or nil. `start` past 63 finds nothing rather than
    /// shifting out of range.
    static func lowest(_ bits: UInt64, from start: Int64) -> Int64? {
        guard start >= 0, start < 64 else { return nil }
        let remaining = bits >> UInt64(start)
        return remaining == 0 ? nil : start + Int64(remaining.trailingZeroBitCount)
    }

    static func floorDivide(_ value: Int64, by divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
