/// One of the five positions of a cron expression: the values it admits and the names it knows.
enum CronField: Int, CaseIterable, Sendable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    /// How error messages call the field.
    var name: String {
        switch self {
        case .minute: return "minute"
        case .hour: return "hour"
        case .dayOfMonth: return "day of month"
        case .month: return "month"
        case .dayOfWeek: return "day of week"
        }
    }

    /// The values a number may take. Day of week runs to 7 because Vixie cron lets both 0 and 7 mean
    /// Sunday; `CronExpression` folds 7 onto 0.
    var values: ClosedRange<Int> {
        switch self {
        case .minute: return 0...59
        case .hour: return 0...23
        case .dayOfMonth: return 1...31
        case .month: return 1...12
        case .dayOfWeek: return 0...7
        }
    }

    /// Three-letter names accepted in place of numbers, in the order of their values, starting at
    /// `values.lowerBound`.
    var names: [String] {
        switch self {
        case .month: return ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        case .dayOfWeek: return ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        default: return []
        }
    }

    /// The value a name stands for, matched without regard to ASCII case.
    func value(named name: Substring) -> Int? {
        let upper = String(name).uppercased()
        guard let index = names.firstIndex(of: upper) else { return nil }
        return values.lowerBound + index
    }
}
