extension CronExpression {
    /// A regular expression that every expression the parser accepts matches, and that few it
    /// refuses do (a range written backwards still matches). The OpenAPI document states it for
    /// `cron`, so clients and fuzzers see what a cron may be, and a test holds the two together.
    public static let pattern: String = {
        // Names match in any letter case, as the parser reads them.
        func caseless(_ name: String) -> String { name.map { "[\($0.uppercased())\($0.lowercased())]" }.joined() }
        func value(_ field: CronField) -> String {
            let numbers: String
            switch field {
            case .minute: numbers = "[1-5]?[0-9]"
            case .hour: numbers = "1?[0-9]|2[0-3]"
            case .dayOfMonth: numbers = "[1-9]|[12][0-9]|3[01]"
            case .month: numbers = "[1-9]|1[0-2]"
            case .dayOfWeek: numbers = "[0-7]"
            }
            // Leading zeros are read as the number they pad.
            return "(?:0*(?:\(numbers))" + field.names.map { "|" + caseless($0) }.joined() + ")"
        }
        func step(_ field: CronField) -> String {
            switch field {
            case .minute: return "0*(?:[1-9]|[1-5][0-9])"
            case .hour: return "0*(?:[1-9]|1[0-9]|2[0-3])"
            case .dayOfMonth: return "0*(?:[1-9]|[12][0-9]|3[01])"
            case .month: return "0*(?:[1-9]|1[0-2])"
            case .dayOfWeek: return "0*[1-7]"
            }
        }
        func list(_ field: CronField) -> String {
            let item = "(?:\\*|\(value(field))(?:-\(value(field)))?)(?:/\(step(field)))?"
            return "\(item)(?:,\(item))*"
        }
        let fields = CronField.allCases.map(list).joined(separator: "[ \\t]+")
        let macro = "@(?:" + macros.keys.sorted().map { caseless(String($0.dropFirst())) }.joined(separator: "|") + ")"
        return "^[ \\t]*(?:\(macro)|\(fields))[ \\t]*$"
    }()
}
