import Foundation

/// Reads the fields of one JSON object, collecting every problem instead of stopping at the first.
///
/// Unknown members are reported by name; read-only members (ids, versions, timestamps the server sets)
/// are reported as such. Callers read each field with a typed accessor and finally check `errors`.
public struct ObjectReader {
    public let object: JSONObject
    public private(set) var errors: [FieldError] = []
    private let prefix: String
    /// False when the value was not an object: that one error says it all.
    private var isObject = true

    /// - Parameters:
    ///   - known: fields the request may contain.
    ///   - readOnly: fields of the resource that a client may not set.
    ///   - prefix: path of this object inside the body (`constraints.`), for error messages.
    public init(_ value: JSONValue, known: Set<String>, readOnly: Set<String> = [], prefix: String = "") {
        self.prefix = prefix
        guard case .object(let object) = value else {
            self.object = [:]
            isObject = false
            let field = prefix.isEmpty ? "(body)" : String(prefix.dropLast())
            errors.append(FieldError(field: field, message: "must be a JSON object, not \(value.typeName)"))
            return
        }
        self.object = object
        // Member names compare as exact scalars: a look-alike spelling of a known name is unknown.
        let known = Set(known.map { JSONKey($0) })
        let readOnly = Set(readOnly.map { JSONKey($0) })
        for key in object.keys.sorted() where !known.contains(key) {
            if readOnly.contains(key) {
                errors.append(FieldError(field: prefix + key.string, message: "is read-only"))
            } else {
                errors.append(FieldError(field: prefix + key.string, message: "is not a known field"))
            }
        }
    }

    public var isEmpty: Bool { object.isEmpty }

    public mutating func fail(_ key: String, _ message: String) {
        guard isObject else { return }
        errors.append(FieldError(field: prefix + key, message: message))
    }

    public mutating func append(_ more: [FieldError]) {
        errors.append(contentsOf: more)
    }

    /// Throws a 422 naming every bad field, if there is any.
    public func check() throws(AgenticError) {
        if !errors.isEmpty { throw AgenticError.validation(errors) }
    }

    /// The first of `names` (a field and its aliases) the object holds, with its value; giving two of
    /// them at once is reported, and the first is still read.
    public mutating func member(oneOf names: [String]) -> (name: String, value: JSONValue)? {
        let present = names.filter { object[JSONKey($0)] != nil }
        if present.count > 1 { fail(present[1], "is an alias of `\(present[0])`; give only one of them") }
        guard let name = present.first, let value = object[JSONKey(name)] else { return nil }
        return (name, value)
    }

    /// The full path of a member, for error messages (`constraints.deadline`).
    public func path(of key: String) -> String { prefix + key }

    /// Reads `key` with `convert`, which returns the value or a message. `nullable: false` rejects `null`.
    public mutating func read<T>(_ key: String, nullable: Bool = false, _ convert: (JSONValue) -> Result<T, Problem>)
        -> Field<T>
    {
        guard let raw = object[JSONKey(key)] else { return .absent }
        if case .null = raw {
            if nullable { return .null }
            fail(key, "must not be null")
            return .absent
        }
        switch convert(raw) {
        case .success(let value): return .value(value)
        case .failure(let problem):
            fail(key + problem.subpath, problem.message)
            return .absent
        }
    }

    /// Reads the first of several names that is present (an alias such as `description` for `goal_text`);
    /// giving two of them at once is an error.
    public mutating func read<T>(
        oneOf keys: [String], nullable: Bool = false, _ convert: (JSONValue) -> Result<T, Problem>
    ) -> Field<T> {
        let present = keys.filter { object[JSONKey($0)] != nil }
        if present.count > 1 {
            fail(present[1], "is an alias of `\(present[0])`; give only one of them")
            return .absent
        }
        guard let key = present.first else { return .absent }
        return read(key, nullable: nullable, convert)
    }
}

/// Why a value was rejected, with an optional path below the field (`[2]`, `.max_parallelism`).
public struct Problem: Error, Sendable {
    public var message: String
    public var subpath: String

    public init(_ message: String, at subpath: String = "") {
        self.message = message
        self.subpath = subpath
    }
}

/// The converters used with `ObjectReader.read`.
public enum Convert {
    public static func string(min: Int = 0, max: Int) -> Converter<String> {
        { value in
            guard case .string(let s) = value else { return .failure(Problem("must be a string, not \(value.typeName)")) }
            if let problem = textProblem(s) { return .failure(problem) }
            let count = ExactText.length(s)
            if count < min {
                return .failure(Problem(min == 1 ? "must not be empty" : "must be at least \(min) characters (Unicode scalars)"))
            }
            if count > max { return .failure(Problem("must be at most \(max) characters (Unicode scalars)")) }
            return .success(s)
        }
    }

    /// An identifier such as a type name: letters, digits and `_ . : -`, starting with a letter.
    public static func identifier(max: Int = Limits.maxIdentifierLength) -> Converter<String> {
        { value in
            guard case .string(let s) = value else { return .failure(Problem("must be a string, not \(value.typeName)")) }
            guard isIdentifier(s, max: max) else {
                return .failure(
                    Problem("must start with a letter and hold only letters, digits, `_`, `.`, `:` or `-` (at most \(max))"))
            }
            return .success(s)
        }
    }

    public static func isIdentifier(_ s: String, max: Int = Limits.maxIdentifierLength) -> Bool {
        let utf8 = s.utf8
        guard let first = utf8.first, utf8.count <= max, isLetter(first) else { return false }
        return utf8.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2E || $0 == 0x3A || $0 == 0x2D }
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }

    public static func int(_ range: ClosedRange<Int64>) -> Converter<Int64> {
        { value in
            guard let i = value.intValue else {
                return .failure(Problem(value.doubleValue != nil ? "must be a whole number" : "must be an integer, not \(value.typeName)"))
            }
            guard range.contains(i) else {
                return .failure(Problem("must be between \(range.lowerBound) and \(range.upperBound)"))
            }
            return .success(i)
        }
    }

    public static func double(_ range: ClosedRange<Double>) -> Converter<Double> {
        { value in
            guard let d = value.doubleValue else { return .failure(Problem("must be a number, not \(value.typeName)")) }
            guard range.contains(d) else {
                return .failure(Problem("must be between \(range.lowerBound) and \(range.upperBound)"))
            }
            return .success(d)
        }
    }

    public static let bool: Converter<Bool> = { value in
        guard case .bool(let b) = value else { return .failure(Problem("must be true or false, not \(value.typeName)")) }
        return .success(b)
    }

    public static let uuid: Converter<UUID> = { value in
        guard case .string(let s) = value else { return .failure(Problem("must be a UUID string, not \(value.typeName)")) }
        guard let id = UUID(uuidString: s) else { return .failure(Problem("must be a UUID")) }
        return .success(id)
    }

    public static let timestamp: Converter<Timestamp> = { value in
        guard case .string(let s) = value, let t = Timestamp(rfc3339: s) else {
            return .failure(Problem("must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z"))
        }
        return .success(t)
    }

    public static func enumeration<E: RawRepresentable & CaseIterable & SendableMetatype>(_: E.Type) -> Converter<E>
    where E.RawValue == String {
        let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
        return { value in
            guard case .string(let s) = value, let e = E(rawValue: s) else {
                return .failure(Problem("must be one of: " + allowed))
            }
            return .success(e)
        }
    }

    /// A free-form JSON object (`metadata`, `inputs`, …), within the documented limits.
    public static let object: Converter<JSONObject> = { value in
        guard case .object(let o) = value else { return .failure(Problem("must be a JSON object, not \(value.typeName)")) }
        if let problem = freeJSONProblem(value) { return .failure(problem) }
        return .success(o)
    }

    public static func stringArray(maxItems: Int, maxLength: Int, identifiers: Bool = false)
        -> Converter<[String]>
    {
        { value in
            guard case .array(let items) = value else { return .failure(Problem("must be an array, not \(value.typeName)")) }
            guard items.count <= maxItems else { return .failure(Problem("must have at most \(maxItems) items")) }
            var result: [String] = []
            result.reserveCapacity(items.count)
            let convert = identifiers ? identifier(max: maxLength) : string(min: 1, max: maxLength)
            for (index, item) in items.enumerated() {
                switch convert(item) {
                case .success(let s): result.append(s)
                case .failure(let p): return .failure(Problem(p.message, at: "[\(index)]"))
                }
            }
            return .success(result)
        }
    }

    public static func uuidArray(maxItems: Int) -> Converter<[UUID]> {
        { value in
            guard case .array(let items) = value else { return .failure(Problem("must be an array, not \(value.typeName)")) }
            guard items.count <= maxItems else { return .failure(Problem("must have at most \(maxItems) items")) }
            var result: [UUID] = []
            var seen = Set<UUID>()
            for (index, item) in items.enumerated() {
                guard case .string(let s) = item, let id = UUID(uuidString: s) else {
                    return .failure(Problem("must be a UUID", at: "[\(index)]"))
                }
                guard seen.insert(id).inserted else { return .failure(Problem("is listed twice", at: "[\(index)]")) }
                result.append(id)
            }
            return .success(result)
        }
    }

    /// Strings the stores cannot hold faithfully (PostgreSQL rejects U+0000 in text and jsonb).
    static func textProblem(_ s: String) -> Problem? {
        if s.utf8.contains(0) { return Problem("must not contain the NUL character (U+0000)") }
        return nil
    }

    /// Checks a free-form value against the depth, size and count limits; returns the first problem with its path.
    public static func freeJSONProblem(_ value: JSONValue) -> Problem? {
        var bytes = 0
        return walk(value, depth: 1, path: "", bytes: &bytes)
    }

    private static func walk(_ value: JSONValue, depth: Int, path: String, bytes: inout Int) -> Problem? {
        switch value {
        case .null, .bool: bytes += 5
        case .int, .double: bytes += 24
        case .string(let s):
            let count = s.utf8.count
            if count > Limits.maxJSONStringBytes {
                return Problem("strings must be at most \(Limits.maxJSONStringBytes) bytes", at: path)
            }
            if let problem = textProblem(s) { return Problem(problem.message, at: path) }
            bytes += count + 2
        case .array(let items):
            if depth > Limits.maxFieldDepth { return Problem("nests deeper than \(Limits.maxFieldDepth) levels", at: path) }
            if items.count > Limits.maxJSONContainerCount {
                return Problem("arrays must have at most \(Limits.maxJSONContainerCount) items", at: path)
            }
            for (index, item) in items.enumerated() {
                if let problem = walk(item, depth: depth + 1, path: path + "[\(index)]", bytes: &bytes) { return problem }
            }
        case .object(let object):
            if depth > Limits.maxFieldDepth { return Problem("nests deeper than \(Limits.maxFieldDepth) levels", at: path) }
            if object.count > Limits.maxJSONContainerCount {
                return Problem("objects must have at most \(Limits.maxJSONContainerCount) members", at: path)
            }
            for (key, item) in object {
                if key.string.utf8.count > Limits.maxJSONKeyBytes {
                    return Problem("keys must be at most \(Limits.maxJSONKeyBytes) bytes", at: path)
                }
                if let problem = textProblem(key.string) { return Problem(problem.message, at: path) }
                bytes += key.string.utf8.count + 3
                if let problem = walk(item, depth: depth + 1, path: path + "." + key.string, bytes: &bytes) { return problem }
            }
        }
        if bytes > Limits.maxFieldBytes {
            return Problem("must serialise to at most \(Limits.maxFieldBytes) bytes")
        }
        return nil
    }
}

/// Turns a JSON value into a typed field value, or says why it cannot.
public typealias Converter<T> = @Sendable (JSONValue) -> Result<T, Problem>
