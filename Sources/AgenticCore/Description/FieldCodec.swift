import Foundation

/// How one kind of value crosses every boundary: from a request (validated against the field's
/// limits, naming every problem), to a response, back from a response (for clients and snapshots),
/// and to and from a store's column. A field is declared with one codec, so the four can't disagree.
public struct FieldCodec<Value: Sendable & ExactEquatable>: Sendable {
    /// What the OpenAPI document must say.
    public let schema: FieldSchema
    /// The column it needs; `nil` for a value computed when read, never stored.
    public let column: ColumnType?
    /// Reads a request's value; appends problems under `path` and answers `nil` when it is bad.
    public let read: @Sendable (_ value: JSONValue, _ path: String, _ errors: inout [FieldError]) -> Value?
    public let write: @Sendable (Value, inout JSONWriter) -> Void
    /// Reads the value back from JSON this server wrote (`nil`: not that shape).
    public let parse: @Sendable (JSONValue) -> Value?
    public let store: @Sendable (Value) -> StoredValue
    public let load: @Sendable (StoredValue) -> Value?

    public init(
        schema: FieldSchema, column: ColumnType?,
        read: @escaping @Sendable (JSONValue, String, inout [FieldError]) -> Value?,
        write: @escaping @Sendable (Value, inout JSONWriter) -> Void,
        parse: @escaping @Sendable (JSONValue) -> Value?,
        store: @escaping @Sendable (Value) -> StoredValue,
        load: @escaping @Sendable (StoredValue) -> Value?
    ) {
        self.schema = schema
        self.column = column
        self.read = read
        self.write = write
        self.parse = parse
        self.store = store
        self.load = load
    }

    /// A codec whose request side is a `Converter` (one problem at most).
    init(
        schema: FieldSchema, column: ColumnType?, convert: @escaping Converter<Value>,
        write: @escaping @Sendable (Value, inout JSONWriter) -> Void,
        parse: @escaping @Sendable (JSONValue) -> Value?,
        store: @escaping @Sendable (Value) -> StoredValue,
        load: @escaping @Sendable (StoredValue) -> Value?
    ) {
        self.init(
            schema: schema, column: column,
            read: { value, path, errors in
                switch convert(value) {
                case .success(let v): return v
                case .failure(let problem):
                    errors.append(FieldError(field: path + problem.subpath, message: problem.message))
                    return nil
                }
            },
            write: write, parse: parse, store: store, load: load)
    }
}

// MARK: the codecs the resources use

extension FieldCodec where Value == UUID {
    public static var uuid: Self {
        FieldCodec(
            schema: .string(minLength: nil, maxLength: nil, format: "uuid"), column: .uuid, convert: Convert.uuid,
            write: { v, w in w.uuid(v) }, parse: { $0.stringValue.flatMap(UUID.init(uuidString:)) },
            store: { .uuid($0) }, load: { if case .uuid(let v) = $0 { v } else { nil } })
    }
}

extension FieldCodec where Value == String {
    /// Free text of `min...max` Unicode scalars.
    public static func text(min: Int = 0, max: Int) -> Self {
        string(.string(minLength: min == 0 ? nil : min, maxLength: max, format: nil), Convert.string(min: min, max: max))
    }

    /// A name such as a type (`letters, digits, _ . : -`, starting with a letter).
    public static var identifier: Self {
        string(.string(minLength: nil, maxLength: Limits.maxIdentifierLength, format: nil), Convert.identifier())
    }

    /// A DID such as `did:agent:name:1a2b3c4d`.
    public static var did: Self {
        string(.string(minLength: nil, maxLength: Limits.maxDIDLength, format: nil), CommonFields.did)
    }

    static func string(_ schema: FieldSchema, _ convert: @escaping Converter<String>) -> Self {
        FieldCodec(
            schema: schema, column: .text, convert: convert, write: { v, w in w.string(v) }, parse: \.stringValue,
            store: { .text($0) }, load: { if case .text(let v) = $0 { v } else { nil } })
    }
}

extension FieldCodec where Value == Int64 {
    /// An integer within `range`, in an `integer` column when the range fits 32 bits.
    public static func integer(_ range: ClosedRange<Int64>) -> Self {
        let fits32 = range.lowerBound >= Int64(Int32.min) && range.upperBound <= Int64(Int32.max)
        return FieldCodec(
            schema: .integer(
                minimum: range.lowerBound == .min ? nil : range.lowerBound, maximum: range.upperBound == .max ? nil : range.upperBound),
            column: fits32 ? .int32 : .int64,
            convert: Convert.int(range), write: { v, w in w.int(v) }, parse: \.intValue,
            store: { .integer($0) }, load: { if case .integer(let v) = $0 { v } else { nil } })
    }

    /// A resource's version: 1 when created, one more at every change.
    public static var version: Self { integer(1...Int64.max) }
}

extension FieldCodec where Value == Double {
    public static func number(_ range: ClosedRange<Double>) -> Self {
        FieldCodec(
            schema: .number(minimum: range.lowerBound, maximum: range.upperBound), column: .double,
            convert: Convert.double(range), write: { v, w in w.double(v) }, parse: \.doubleValue,
            store: { .double($0) }, load: { if case .double(let v) = $0 { v } else { nil } })
    }
}

extension FieldCodec where Value == Bool {
    public static var boolean: Self {
        FieldCodec(
            schema: .boolean, column: .bool, convert: Convert.bool, write: { v, w in w.bool(v) },
            parse: { if case .bool(let b) = $0 { b } else { nil } },
            store: { .bool($0) }, load: { if case .bool(let v) = $0 { v } else { nil } })
    }
}

extension FieldCodec where Value == Timestamp {
    public static var timestamp: Self {
        FieldCodec(
            schema: .string(minLength: nil, maxLength: nil, format: "date-time"), column: .timestamp,
            convert: Convert.timestamp, write: { v, w in w.timestamp(v) },
            parse: { $0.stringValue.flatMap { Timestamp(rfc3339: $0) } },
            store: { .timestamp($0) }, load: { if case .timestamp(let v) = $0 { v } else { nil } })
    }
}

extension FieldCodec where Value == JSONObject {
    /// A free-form JSON object within the documented size limits.
    public static var object: Self {
        FieldCodec(
            schema: .object, column: .json, convert: Convert.object, write: { v, w in w.object(v) },
            parse: { if case .object(let o) = $0 { o } else { nil } },
            store: { .json(.object($0)) }, load: { if case .json(.object(let o)) = $0 { o } else { nil } })
    }
}

extension FieldCodec where Value == JSONObject {
    /// A JSON object some of whose members the server enforces (`Known`'s fields: a plan's
    /// `max_tokens`, validated and named like `resource_budget.max_tokens`); every other member
    /// stays free-form.
    public static func object<Known: DescribedObject>(enforcing _: Known.Type, schema name: String) -> Self {
        checkedObject(schema: name) { object, path, errors in
            var reader = ObjectReader(.object(object), known: Known.fields.createNames.union(object.keys.map(\.string)), prefix: path + ".")
            var known = Known()
            Known.fields.read(&reader, into: &known) { _ in true }
            errors.append(contentsOf: reader.errors)
        }
    }

    /// A JSON object (within the documented size limits) that `check` looks into, appending the
    /// problems it finds under `path`; it is kept only when there are none. Stored as JSON.
    static func checkedObject(
        schema name: String, _ check: @escaping @Sendable (_ object: JSONObject, _ path: String, _ errors: inout [FieldError]) -> Void
    ) -> Self {
        let plain = FieldCodec.object
        return FieldCodec(
            schema: .reference(name), column: .json,
            read: { value, path, errors in
                let before = errors.count
                guard let object = plain.read(value, path, &errors) else { return nil }
                check(object, path, &errors)
                return errors.count == before ? object : nil
            },
            write: plain.write, parse: plain.parse, store: plain.store, load: plain.load)
    }
}

extension FieldCodec where Value == [UUID] {
    /// Distinct ids.
    public static func uuids(maxItems: Int) -> Self {
        FieldCodec(
            schema: .array(of: .string(minLength: nil, maxLength: nil, format: "uuid"), maxItems: maxItems), column: .uuids,
            convert: Convert.uuidArray(maxItems: maxItems),
            write: { v, w in
                w.beginArray()
                for id in v { w.uuid(id) }
                w.endArray()
            },
            parse: { value in
                guard case .array(let items) = value else { return nil }
                var ids: [UUID] = []
                for item in items {
                    guard let id = item.stringValue.flatMap(UUID.init(uuidString:)) else { return nil }
                    ids.append(id)
                }
                return ids
            },
            store: { .uuids($0) }, load: { if case .uuids(let v) = $0 { v } else { nil } })
    }
}

extension FieldCodec where Value == [String] {
    /// A list of non-empty strings (identifiers when `identifiers`), stored as a JSON array.
    public static func strings(maxItems: Int, maxLength: Int, identifiers: Bool = false) -> Self {
        // Identifiers start with a letter (the document says so with a pattern, not a minimum length).
        let item: FieldSchema = .string(minLength: identifiers ? nil : 1, maxLength: maxLength, format: nil)
        return FieldCodec(
            schema: .array(of: item, maxItems: maxItems), column: .json,
            convert: Convert.stringArray(maxItems: maxItems, maxLength: maxLength, identifiers: identifiers),
            write: { v, w in w.strings(v) }, parse: strings(of:),
            store: { .json(.array($0.map(JSONValue.string))) },
            load: { if case .json(let v) = $0 { strings(of: v) } else { nil } })
    }

    @Sendable static func strings(of value: JSONValue) -> [String]? {
        guard case .array(let items) = value else { return nil }
        var strings: [String] = []
        for item in items {
            guard let s = item.stringValue else { return nil }
            strings.append(s)
        }
        return strings
    }
}

extension FieldCodec where Value == [JSONValue] {
    /// A list whose items are each a non-empty string or a free-form JSON object (a goal's success
    /// criteria: "reviewed", or `{"metric": "accuracy", "target": 0.9}`), stored as a JSON array.
    public static func stringsOrObjects(maxItems: Int, maxLength: Int) -> Self {
        let text = Convert.string(min: 1, max: maxLength)
        return FieldCodec(
            schema: .array(of: .oneOf([.string(minLength: 1, maxLength: maxLength, format: nil), .object]), maxItems: maxItems),
            column: .json,
            convert: { value in
                guard case .array(let items) = value else { return .failure(Problem("must be an array, not \(value.typeName)")) }
                guard items.count <= maxItems else { return .failure(Problem("must have at most \(maxItems) items")) }
                for (index, item) in items.enumerated() {
                    let problem: Problem?
                    switch item {
                    case .string: problem = text(item).failure
                    case .object: problem = Convert.object(item).failure
                    default: problem = Problem("must be a string or an object, not \(item.typeName)")
                    }
                    if let problem { return .failure(Problem(problem.message, at: "[\(index)]" + problem.subpath)) }
                }
                return .success(items)
            },
            write: { v, w in
                w.beginArray()
                for item in v { w.value(item) }
                w.endArray()
            },
            parse: { if case .array(let items) = $0 { items } else { nil } },
            store: { .json(.array($0)) },
            load: { if case .json(.array(let items)) = $0 { items } else { nil } })
    }
}

extension Result {
    /// The failure, if it is one.
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

extension FieldCodec {
    /// One of an enumeration's raw values, stored as text.
    public static func enumeration(_: Value.Type) -> Self
    where Value: RawRepresentable & CaseIterable & SendableMetatype, Value.RawValue == String {
        FieldCodec(
            schema: .enumeration(Value.allCases.map(\.rawValue)), column: .text, convert: Convert.enumeration(Value.self),
            write: { v, w in w.string(v.rawValue) }, parse: { $0.stringValue.flatMap(Value.init(rawValue:)) },
            store: { .text($0.rawValue) }, load: { if case .text(let s) = $0 { Value(rawValue: s) } else { nil } })
    }

    /// An object with a description of its own (goal constraints), stored as JSON; a request's
    /// problems are named below the field (`constraints.max_parallelism`).
    public static func nested(_: Value.Type, schema name: String) -> Self where Value: DescribedObject {
        FieldCodec(
            schema: .reference(name), column: .json,
            read: { value, path, errors in Value.fields.read(value, prefix: path + ".", errors: &errors) },
            write: { v, w in Value.fields.write(v, to: &w) },
            parse: { try? Value.fields.parse($0) },
            store: { .json(Value.fields.json($0)) },
            load: { if case .json(let v) = $0 { try? Value.fields.parse(v) } else { nil } })
    }

    /// The same value, shown in answers but never stored: worked out from other fields when read
    /// (a delivery's `resource_id` from the key it is stored under).
    public var notStored: Self {
        FieldCodec(schema: schema, column: nil, read: read, write: write, parse: parse, store: { _ in .null }, load: { _ in nil })
    }

    /// The same value, or `null`.
    public static func optional<Wrapped>(_ inner: FieldCodec<Wrapped>) -> Self where Value == Wrapped? {
        FieldCodec(
            schema: .nullable(inner.schema), column: inner.column,
            read: { value, path, errors in
                if value.isNull { return .some(nil) }
                return inner.read(value, path, &errors).map { .some($0) }
            },
            write: { v, w in if let v { inner.write(v, &w) } else { w.null() } },
            parse: { value in value.isNull ? .some(nil) : inner.parse(value).map { .some($0) } },
            store: { $0.map(inner.store) ?? .null },
            load: { stored in
                if case .null = stored { return .some(nil) }
                return inner.load(stored).map { .some($0) }
            })
    }
}
