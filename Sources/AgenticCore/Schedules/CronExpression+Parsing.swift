extension CronExpression {
    /// The macros Vixie cron knows, minus `@reboot` (a schedule has no boot to run at).
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses the text of an expression. Every input ends in a value or a `Problem` saying what is
    /// wrong, never in a trap: lengths are checked before any work, numbers stop accumulating as soon
    /// as they leave their field's range, and only ASCII gets past the first check (so `٣`, a digit to
    /// Unicode, is refused rather than read as 3).
    static func parse(_ text: String) throws(Problem) -> CronExpression {
        guard text.utf8.count <= maxLength else { throw Problem("must be at most \(maxLength) characters long") }
        for (offset, scalar) in text.unicodeScalars.enumerated() where !isAllowed(scalar) {
            let code = String(scalar.value, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: max(0, 4 - code.count)) + code
            throw Problem(
                "may contain only digits, letters, spaces and `*` `,` `-` `/` (found U+\(padded) at position \(offset + 1))")
        }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard !fields.isEmpty else {
            throw Problem("must not be empty; give five fields: minute hour day-of-month month day-of-week")
        }
        if let first = fields.first, first.hasPrefix("@") {
            let name = first.lowercased()
            guard let expansion = macros[name] else {
                throw Problem("`\(first)` is not a supported macro (use @yearly, @monthly, @weekly, @daily or @hourly)")
            }
            guard fields.count == 1 else { throw Problem("a macro like `\(name)` stands alone, without other fields") }
            return try build(fields: expansion.split(separator: " "), description: name)
        }
        guard fields.count == CronField.allCases.count else {
            var message = "must have 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)"
            if fields.count == 6 { message += "; seconds and years are not supported" }
            throw Problem(message)
        }
        return try build(fields: fields, description: fields.map { $0.uppercased() }.joined(separator: " "))
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "0"..."9", "A"..."Z", "a"..."z", " ", "\t", "*", ",", "-", "/", "@": return true
        default: return false
        }
    }

    private static func build(fields: [Substring], description: String) throws(Problem) -> CronExpression {
        var bits: [UInt64] = []
        for field in CronField.allCases {
            bits.append(try Self.bits(of: fields[field.rawValue], for: field))
        }
        let restricted = { (field: CronField) in !fields[field.rawValue].hasPrefix("*") }
        return CronExpression(
            minutes: bits[CronField.minute.rawValue], hours: bits[CronField.hour.rawValue],
            daysOfMonth: bits[CronField.dayOfMonth.rawValue], months: bits[CronField.month.rawValue],
            daysOfWeek: bits[CronField.dayOfWeek.rawValue],
            daysMatchEither: restricted(.dayOfMonth) && restricted(.dayOfWeek), description: description)
    }

    /// The values one field selects; day of week's 7 is folded onto 0 (both are Sunday).
    private static func bits(of text: Substring, for field: CronField) throws(Problem) -> UInt64 {
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw Problem("\(field.name) field `\(text)` has an empty list item") }
            bits |= try itemBits(item, for: field)
        }
        if field == .dayOfWeek, has(bits, 7) {
            bits = bits & ~(1 << 7) | 1
        }
        return bits
    }

    /// One list item: `*`, `n`, `a-b`, each optionally followed by `/step`; `a/step` runs from a to
    /// the field's maximum.
    private static func itemBits(_ item: Substring, for field: CronField) throws(Problem) -> UInt64 {
        func problem(_ message: String) -> Problem { Problem("\(field.name) field: \(message)") }
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw problem("`\(item)` has more than one `/`") }
        var step = 1
        if parts.count == 2 {
            let largest = field.values.upperBound
            guard let parsed = number(parts[1], atMost: largest), parsed >= 1 else {
                throw problem("the step in `\(item)` must be a number from 1 to \(largest)")
            }
            step = parsed
        }
        let base = parts[0]
        let selected: ClosedRange<Int>
        if base == "*" {
            selected = field.values
        } else {
            let ends = base.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count <= 2 else { throw problem("`\(item)` has more than one `-`") }
            let low = try value(ends[0], in: item, for: field)
            if ends.count == 2 {
                let high = try value(ends[1], in: item, for: field)
                guard low <= high else { throw problem("the range `\(base)` runs backwards; write it low-high") }
                selected = low...high
            } else {
                selected = parts.count == 2 ? low...field.values.upperBound : low...low
            }
        }
        var bits: UInt64 = 0
        for value in stride(from: selected.lowerBound, through: selected.upperBound, by: step) {
            bits |= 1 << UInt64(value)
        }
        return bits
    }

    /// A number or (for months and weekdays) a three-letter name, within the field's range.
    private static func value(_ text: Substring, in item: Substring, for field: CronField) throws(Problem) -> Int {
        let range = field.values
        func problem(_ message: String) -> Problem { Problem("\(field.name) field: \(message)") }
        guard !text.isEmpty else { throw problem("`\(item)` is missing a number") }
        if text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let parsed = number(text, atMost: range.upperBound), range.contains(parsed) else {
                throw problem("`\(text)` is out of range \(range.lowerBound)-\(range.upperBound)")
            }
            return parsed
        }
        guard !field.names.isEmpty else { throw problem("`\(text)` is not a number") }
        guard let named = field.value(named: text) else {
            let first = field.names.first ?? "", last = field.names.last ?? ""
            throw problem("`\(text)` is neither a number nor a name \(first)-\(last)")
        }
        return named
    }

    /// Decimal ASCII digits no larger than `largest`; nil for anything else. Stops as soon as the value
    /// exceeds `largest`, so twenty digits cannot overflow.
    private static func number(_ text: Substring, atMost largest: Int) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for character in text.utf8 {
            guard character >= UInt8(ascii: "0"), character <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(character - UInt8(ascii: "0"))
            if value > largest { return nil }
        }
        return value
    }
}
