import AgenticCore
import Foundation

/// A value to put in a request: a JSON value, or raw text that is not JSON at all (`NaN`, `1e400`).
enum ExtremeValue: CustomStringConvertible {
    case json(JSONValue)
    case raw(String)

    var description: String {
        switch self {
        case .json(let value): return String(value.description.prefix(80))
        case .raw(let text): return "raw " + String(text.prefix(80))
        }
    }
}

/// The extremes thrown at every field, by the field's documented type. Each is a way a number, a date,
/// a cursor or a size has been known to break a server: overflow at 2^31, 2^53, 2^63 and 2^64,
/// denormals and infinities, years 0 and 10000, offsets that cross the year boundary, huge counts.
enum ExtremeValues {
    static let integers: [ExtremeValue] = [
        .json(0), .json(-1), .json(1), .json(.int(Int64(Int32.max) + 1)), .json(.int(Int64(Int32.min) - 1)),
        .json(.int((1 << 53) + 1)), .json(.int(Int64.max)), .json(.int(Int64.min)), .json(.double(1.8446744073709552e19)),
        .json(.double(-9.3e18)), .json(.double(0.5)), .json(.double(-0.0)), .json(.double(1e-300)), .json(.double(-1e-300)),
        .json(.double(5e-324)), .json(.double(1e-20)), .json(.double(1e20)), .json(.double(1e300)), .json(.double(-1e308)),
        .json(.double(1.7976931348623157e308)), .json("NaN"), .json("Infinity"), .json("-Infinity"), .json("nan"), .json("1e400"),
        .raw("NaN"), .raw("Infinity"), .raw("-Infinity"), .raw("1e400"), .raw("-1e400"), .raw("9223372036854775808"),
        .raw("-9223372036854775809"), .raw("18446744073709551616"), .raw("1" + String(repeating: "0", count: 400)),
        .raw("0." + String(repeating: "0", count: 400) + "1"), .raw("-"), .raw("01"), .raw("1e"),
        .json(true), .json(nil), .json([]), .json([:]),
    ]

    static let dates: [ExtremeValue] = [
        "0000-01-01T00:00:00+01:00", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01", "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59-23:59", "10000-01-01T00:00:00Z",
        "-0001-01-01T00:00:00Z", "+292278994-08-17T07:12:55Z", "292278994-08-17T07:12:55Z", "2026-02-29T00:00:00Z",
        "2028-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T00:00:60Z", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00-99:99",
        "2026-01-01T00:00:00." + String(repeating: "9", count: 40) + "Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z",
        "", "now", "2026-01-01",
    ].map { .json(.string($0)) } + [.json(.int(Int64.max)), .json(.double(1e300)), .json(.int(-62_135_596_800))]

    static let strings: [ExtremeValue] = [
        .json(""), .json(" "), .json("\u{0}"), .json(.string(String(repeating: "a", count: 100_000))),
        .json(.string("a" + String(repeating: "\u{301}", count: 250_000))), .json("\u{FEFF}"), .json("café"),
        .json("cafe\u{301}"), .json("\u{212A}"), .json("🧪🧪"), .json("\u{202E}evil"), .raw("\"\\ud800\""), .raw("\"\\udc00x\""),
        .json(.int(Int64.max)), .json(.double(1e-300)), .json(true), .json(nil), .json([]), .json([:]),
    ]

    static let uuids: [ExtremeValue] = [
        "00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "not-a-uuid", "",
        String(repeating: "a", count: 5_000),
    ].map { .json(.string($0)) } + [.json(.int(0))]

    static let arrays: [ExtremeValue] = [
        .json(.array(Array(repeating: "x", count: 10_000))), .json(.array(Array(repeating: [:], count: 2_000))),
        .json(nested(depth: 40)), .json(.array([.string(String(repeating: "a", count: 70_000))])), .json("[]"), .json(.int(1)),
    ]

    static let objects: [ExtremeValue] = [
        .json(nestedObject(depth: 17)), .json(.object(Dictionary(uniqueKeysWithValues: (0..<1_001).map { (JSONKey("k\($0)"), JSONValue.int(Int64($0))) }))),
        .json([JSONKey(String(repeating: "k", count: 300)): 1]), .json(["é": 1, "e\u{301}": 2]), .json(.array([])), .json("{}"),
    ]

    /// Query parameters and headers arrive as text.
    static let integerTexts = [
        "0", "-1", "1", "2147483648", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999999", "1e3", "1.5", "NaN", "Infinity", "", " 1", "+1", "0x10", "１", "\u{0}",
    ]

    static let cursorTexts: [String] = {
        let hex = "00000000000000000000000000000000"
        let raw = [
            "-9223372036854775808_\(hex)", "9223372036854775807_\(hex)", "-62135596800000001_\(hex)", "253402300800000000_\(hex)",
            "0_\(hex)", "-1_\(hex)", "x_y", "_", "1_2_3", "\(Int64.min)", "99999999999999999999_\(hex)",
        ]
        return raw + ["", "%%%", String(repeating: "A", count: 200), "====", "\u{0}"]
    }()

    static let ifMatchTexts = [
        "\"9223372036854775807\"", "\"9223372036854775808\"", "\"-1\"", "\"0\"", "W/\"1\"", "\"\"", "\"", "W/", "*, \"1\"",
        "\"1\" junk", String(repeating: "\"1\",", count: 2_000), "\u{0}",
    ]

    static let pathIDs = [
        "00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "not-a-uuid", "%00", "%2e%2e",
        String(repeating: "a", count: 5_000), "-1", "9223372036854775808",
    ]

    static func nested(depth: Int) -> JSONValue {
        depth == 0 ? .int(1) : .array([nested(depth: depth - 1)])
    }

    static func nestedObject(depth: Int) -> JSONValue {
        depth == 0 ? .int(1) : .object(["a": nestedObject(depth: depth - 1)])
    }

    /// The body text with `value` at `path` (member names and `[0]` steps) of `base`.
    static func body(_ base: JSONValue, setting path: [String], to value: ExtremeValue) -> String {
        let placeholder = "__extreme_\(UUID().uuidString)__"
        let inserted: JSONValue
        switch value {
        case .json(let json): inserted = json
        case .raw: inserted = .string(placeholder)
        }
        let text = set(base, path[...], inserted).description
        if case .raw(let raw) = value { return text.replacingOccurrences(of: "\"\(placeholder)\"", with: raw) }
        return text
    }

    private static func set(_ base: JSONValue, _ path: ArraySlice<String>, _ value: JSONValue) -> JSONValue {
        guard let step = path.first else { return value }
        if step == "[0]" {
            let first = base.arrayValue?.first ?? .object([:])
            return .array([set(first, path.dropFirst(), value)])
        }
        var object = base.objectValue ?? [:]
        object[JSONKey(step)] = set(object[JSONKey(step)] ?? .object([:]), path.dropFirst(), value)
        return .object(object)
    }
}

/// Walks an OpenAPI document's request schemas to every leaf field, with the extremes its type calls for.
struct SchemaWalker {
    let schemas: [String: Any]

    /// Every field path below `schema` and the extremes to try there.
    func fields(of schema: Any?, path: [String] = [], depth: Int = 0) -> [(path: [String], values: [ExtremeValue])] {
        guard depth < 6, let schema = resolve(schema) else { return [] }
        var result: [(path: [String], values: [ExtremeValue])] = []
        for key in ["oneOf", "anyOf", "allOf"] {
            for option in schema[key] as? [Any] ?? [] { result += fields(of: option, path: path, depth: depth + 1) }
        }
        let types = Set((schema["type"] as? [String]) ?? [(schema["type"] as? String)].compactMap { $0 })
        if types.contains("object") || schema["properties"] != nil {
            if !path.isEmpty { result.append((path, ExtremeValues.objects)) }
            for (name, property) in schema["properties"] as? [String: Any] ?? [:] {
                result += fields(of: property, path: path + [name], depth: depth + 1)
            }
        }
        if types.contains("array") {
            result.append((path, ExtremeValues.arrays))
            result += fields(of: schema["items"], path: path + ["[0]"], depth: depth + 1)
        }
        if types.contains("integer") || types.contains("number") { result.append((path, ExtremeValues.integers)) }
        if types.contains("string") {
            switch schema["format"] as? String {
            case "date-time": result.append((path, ExtremeValues.dates))
            case "uuid": result.append((path, ExtremeValues.uuids))
            default: result.append((path, ExtremeValues.strings))
            }
        }
        if types.contains("boolean") { result.append((path, [.json(.int(1)), .json("true"), .raw("tru")])) }
        return result
    }

    func resolve(_ schema: Any?) -> [String: Any]? {
        guard var current = schema as? [String: Any] else { return nil }
        var hops = 0
        while let reference = current["$ref"] as? String, hops < 10 {
            guard let name = reference.split(separator: "/").last, let target = schemas[String(name)] as? [String: Any] else {
                return nil
            }
            current = target
            hops += 1
        }
        return current
    }
}
