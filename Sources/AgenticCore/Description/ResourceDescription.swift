import Foundation

/// A type whose fields are described once (`fields`); it starts from `init()` with every property
/// at its default, and each field is then read from a request, a response or a row.
public protocol DescribedObject: Sendable {
    static var fields: ResourceDescription<Self> { get }
    init()
}

/// A described type with a table of its own: a row per id, owned by a tenant.
public protocol StoredObject: DescribedObject {
    var id: UUID { get set }
    var tenant: String { get set }
}

/// A stored resource: described, versioned, owned by a tenant.
public protocol DescribedResource: StoredObject, Versioned, JSONWritable {
    var createdAt: Timestamp { get set }
    /// The rules of a create request that span fields, and defaults derived from other fields;
    /// `given` holds the names the request set.
    static func checkDraft(_ draft: inout Self, given: Set<String>, reader: inout ObjectReader)
    /// Sets what a new resource's initial state implies (a plan created `active` has started).
    mutating func prepareNew(at now: Timestamp)
}

extension DescribedResource {
    public static func checkDraft(_ draft: inout Self, given: Set<String>, reader: inout ObjectReader) {}
    public mutating func prepareNew(at now: Timestamp) {}

    /// Reads the JSON this server wrote; the tenant is not part of it.
    public init(json: JSONValue, tenant: String = ApiKey.defaultTenant) throws(JSONShapeError) {
        self = try Self.fields.parse(json)
        self.tenant = tenant
    }
}

extension JSONWritable where Self: DescribedObject {
    /// A described type's JSON is its visible fields, in the description's order.
    public func write(to w: inout JSONWriter) { Self.fields.write(self, to: &w) }
}

/// The fields of one type, in the order responses list them, and everything derived from them:
/// the names a create or PATCH request may use, the columns of its table.
public struct ResourceDescription<Object: DescribedObject>: Sendable {
    /// The table of a stored resource; `nil` for an object stored inside another (goal constraints).
    public let table: String?
    public let fields: [ResourceField<Object>]
    /// The name of the id field of a resource: its first field.
    public let idName: String
    /// The stored fields, in column order.
    public let columns: [ResourceField<Object>]
    /// Fields a store reads with the row from elsewhere (`DerivedColumn`), after the stored ones.
    public let derivedColumns: [ResourceField<Object>]
    /// The names a create request may use (aliases included).
    public let createNames: Set<String>
    let patchNames: Set<String>
    public let readOnlyOnCreate: Set<String>
    let readOnlyOnPatch: Set<String>
    /// Members a create request may give that are no field of their own: the type's `checkDraft`
    /// reads them into others (a task's `delay_seconds`).
    public let createInputs: Set<String>

    public init(table: String? = nil, _ fields: [ResourceField<Object>], createInputs: Set<String> = []) {
        self.table = table
        self.fields = fields
        idName = fields.first?.name ?? ""
        columns = fields.filter { $0.column != nil && $0.derived == nil }
        derivedColumns = fields.filter { $0.column != nil && $0.derived != nil }
        let visible = fields.filter(\.isVisible)
        self.createInputs = createInputs
        createNames = Set(fields.filter { $0.isRequestMember && $0.access != .server }.flatMap(\.requestNames)).union(createInputs)
        patchNames = Set(visible.filter { $0.access == .always }.flatMap(\.requestNames))
        readOnlyOnCreate = Set(visible.map(\.name)).subtracting(createNames)
        readOnlyOnPatch = Set(visible.map(\.name)).subtracting(patchNames)
    }

    /// The comma-separated column names, for statements.
    public var columnList: String { columns.map(\.name).joined(separator: ", ") }

    /// The same, each as `<alias>.<column>`: for statements that name the table by an alias.
    public func columnList(of alias: String) -> String { columns.map { alias + "." + $0.name }.joined(separator: ", ") }

    /// The field at `keyPath` (a key path of the concrete type: one through a protocol requirement
    /// is a different key path).
    public func field(_ keyPath: PartialKeyPath<Object>) -> ResourceField<Object> {
        guard let field = fields.first(where: { $0.keyPath as AnyKeyPath == keyPath as AnyKeyPath }) else {
            preconditionFailure("\(keyPath) is not a described field of \(Object.self)")
        }
        return field
    }

    // MARK: responses

    public func write(_ object: Object, to w: inout JSONWriter) {
        write(object, to: &w) { _ in }
    }

    /// Writes the object with its secrets: only ever the answer to the request that created it.
    public func writeWithSecrets(_ object: Object, to w: inout JSONWriter) {
        write(object, to: &w, withSecrets: true) { _ in }
    }

    /// Writes the object with more members after its own (`extra` writes keys and values).
    public func write(_ object: Object, to w: inout JSONWriter, extra: (inout JSONWriter) -> Void) {
        write(object, to: &w, withSecrets: false, extra: extra)
    }

    private func write(_ object: Object, to w: inout JSONWriter, withSecrets: Bool, extra: (inout JSONWriter) -> Void) {
        w.beginObject()
        for field in fields where withSecrets ? field.isRequestMember : field.isVisible {
            w.key(field.name)
            field.writeJSON(object, &w)
        }
        extra(&w)
        w.endObject()
    }

    /// The visible fields as a JSON value (for an object stored as JSON inside another).
    public func json(_ object: Object) -> JSONValue {
        var members: JSONObject = [:]
        for field in fields where field.isVisible { members[JSONKey(field.name)] = field.storedValue(object).jsonValue }
        return .object(members)
    }

    /// Reads back what `write` wrote (or `writeWithSecrets`, when `withSecrets`), stopping at the
    /// first surprise.
    public func parse(_ json: JSONValue, path: String = "", withSecrets: Bool = false) throws(JSONShapeError) -> Object {
        guard case .object(let members) = json else { throw JSONShapeError(path: path.isEmpty ? "$" : path, message: "is not an object") }
        var object = Object()
        for field in fields where withSecrets ? field.isRequestMember : field.isVisible {
            let at = path.isEmpty ? field.name : "\(path).\(field.name)"
            guard let value = members[JSONKey(field.name)] else {
                if field.isNullable { continue }
                throw JSONShapeError(path: at, message: "is missing")
            }
            guard field.parseJSON(value, &object) else { throw JSONShapeError(path: at, message: "does not have the expected type") }
        }
        return object
    }

    // MARK: rows

    /// Builds the object from its stored columns; `column` answers each field's stored value.
    public func decode(_ column: (ResourceField<Object>) throws -> StoredValue) throws -> Object {
        var object = Object()
        for field in columns + derivedColumns {
            guard field.loadStored(try column(field), &object) else {
                throw AgenticError.internal("column \(field.name) of \(table ?? "\(Object.self)") does not hold its type")
            }
        }
        return object
    }

    // MARK: requests

    /// Reads every field a request may set, collecting problems; absent fields keep their defaults.
    /// Returns the names given.
    @discardableResult
    func read(
        _ reader: inout ObjectReader, into object: inout Object, where settable: (ResourceField<Object>) -> Bool
    ) -> Set<String> {
        var given = Set<String>()
        for field in fields where field.isRequestMember && settable(field) {
            guard let (name, value) = reader.member(oneOf: field.requestNames) else { continue }
            given.insert(field.name)
            if value.isNull, !field.isNullable {
                reader.fail(name, "must not be null")
                continue
            }
            var errors: [FieldError] = []
            field.readRequest(value, reader.path(of: name), &errors, &object)
            reader.append(errors)
        }
        return given
    }

    /// Reads the body of a create request for an object that is no versioned resource (a webhook),
    /// naming every bad, unknown, read-only or missing field. Returns the names given.
    public func create(_ body: JSONValue) throws(AgenticError) -> (value: Object, given: Set<String>) {
        var reader = ObjectReader(body, known: createNames, readOnly: readOnlyOnCreate)
        var object = Object()
        let given = readCreate(&reader, into: &object)
        try reader.check()
        return (object, given)
    }

    /// Reads every field a create request may set but those in `except`, and names each required
    /// one it lacks. Returns the names given.
    func readCreate(_ reader: inout ObjectReader, into object: inout Object, except: Set<String> = []) -> Set<String> {
        let given = read(&reader, into: &object) { $0.access != .server && !except.contains($0.name) }
        for field in fields where field.required && !except.contains(field.name) && !given.contains(field.name) {
            reader.fail(field.name, "is required")
        }
        return given
    }

    /// Reads a whole nested object (every member optional, defaults from `init()`).
    public func read(_ value: JSONValue, prefix: String, errors: inout [FieldError]) -> Object? {
        var reader = ObjectReader(value, known: createNames, readOnly: readOnlyOnCreate, prefix: prefix)
        var object = Object()
        read(&reader, into: &object) { _ in true }
        errors.append(contentsOf: reader.errors)
        return reader.errors.isEmpty ? object : nil
    }
}

extension ResourceDescription where Object: DescribedResource {
    /// A stored resource's description: its id (`idName`, which a create request may choose) first,
    /// the tenant (stored, never shown), the resource's own `fields`, then what every resource has
    /// and only the server sets — its version and timestamps.
    public init(table: String, id idName: String, _ fields: [ResourceField<Object>], createInputs: Set<String> = []) {
        let identity: [ResourceField<Object>] = [
            .init(idName, \Object.id, .uuid, .create),
            .init("tenant", \Object.tenant, .text(max: Limits.maxIdentifierLength), .hidden),
        ]
        let stamps: [ResourceField<Object>] = [
            .init("version", \Object.version, .version, .server),
            .init("created_at", \Object.createdAt, .timestamp, .server),
            .init("updated_at", \Object.updatedAt, .timestamp, .server),
        ]
        self.init(table: table, identity + fields + stamps, createInputs: createInputs)
    }

    /// Reads the body of a create request, naming every bad, unknown, read-only or missing field.
    public func draft(_ body: JSONValue) throws(AgenticError) -> ResourceDraft<Object> {
        var reader = ObjectReader(body, known: createNames, readOnly: readOnlyOnCreate)
        let draft = readDraft(&reader)
        try reader.check()
        return draft
    }

    /// Reads a create request's fields from a reader the caller built (it may know members of its
    /// own, and name a prefix such as `tasks[3].`), leaving out the fields in `except`; problems
    /// stay in the reader.
    func readDraft(_ reader: inout ObjectReader, except: Set<String> = []) -> ResourceDraft<Object> {
        var object = Object()
        let given = readCreate(&reader, into: &object, except: except)
        Object.checkDraft(&object, given: given, reader: &reader)
        return ResourceDraft(object, given: given)
    }

    /// Reads the body of a PATCH, which must name at least one field.
    public func patch(_ body: JSONValue) throws(AgenticError) -> ResourcePatch<Object> {
        var reader = ObjectReader(body, known: patchNames, readOnly: readOnlyOnPatch)
        if reader.isEmpty, reader.errors.isEmpty {
            throw AgenticError(code: .noFields, status: 400, detail: "The PATCH body names no field to change")
        }
        var values = Object()
        let given = read(&reader, into: &values) { $0.access == .always }
        try reader.check()
        return ResourcePatch(values, fields: fields.filter { given.contains($0.name) })
    }
}

/// A create request, read and checked; `make` turns it into the new resource. Its fields read as
/// the resource's (`draft.planID`).
@dynamicMemberLookup
public struct ResourceDraft<Object: DescribedResource>: Sendable {
    /// The resource as requested, with defaults for what the request left out.
    public var value: Object
    /// The names of the fields the request gave.
    public let given: Set<String>

    init(_ value: Object, given: Set<String>) {
        self.value = value
        self.given = given
    }

    public subscript<Value>(dynamicMember keyPath: KeyPath<Object, Value>) -> Value { value[keyPath: keyPath] }

    /// The new resource: its id (unless the request chose one), tenant, first version and timestamps.
    public func make(tenant: String, now: Timestamp) -> Object {
        var object = value
        if !given.contains(Object.fields.idName) { object.id = UUID() }
        object.tenant = tenant
        object.version = 1
        object.createdAt = now
        object.updatedAt = now
        object.prepareNew(at: now)
        return object
    }
}

/// A PATCH request: the fields it names, with their new values (`patch.status` is `nil` when the
/// request did not name it; a nullable field set to `null` reads `.some(nil)`).
@dynamicMemberLookup
public struct ResourcePatch<Object: DescribedResource>: Sendable {
    private let values: Object
    private let fields: [ResourceField<Object>]

    init(_ values: Object, fields: [ResourceField<Object>]) {
        self.values = values
        self.fields = fields
    }

    /// Refuses a PATCH naming fields that need more than `scope` to change (403, naming each).
    public func requireScope(_ scope: Scope) throws(AgenticError) {
        let refused = fields.filter { !scope.allows($0.patchScope) }
        guard !refused.isEmpty else { return }
        throw AgenticError(
            code: .forbidden, status: 403,
            detail: "Changing \(refused.map { "`\($0.name)`" }.joined(separator: ", ")) needs a key with `admin` scope",
            fieldErrors: refused.map { FieldError(field: $0.name, message: "needs a key with `\($0.patchScope.rawValue)` scope to change") })
    }

    /// The new value of the field at `keyPath`, or `nil` when the request did not name it.
    public subscript<Value>(dynamicMember keyPath: KeyPath<Object, Value>) -> Value? {
        guard fields.contains(where: { $0.keyPath as AnyKeyPath == keyPath as AnyKeyPath }) else { return nil }
        return values[keyPath: keyPath]
    }

    /// Sets every named field but those in `except` (which need the store: status moves that
    /// cascade, dependencies); answers whether anything changed, compared exactly.
    public func apply(to object: inout Object, except: [PartialKeyPath<Object>] = []) -> Bool {
        var changed = false
        for field in fields where !except.contains(where: { $0 as AnyKeyPath == field.keyPath as AnyKeyPath }) {
            if field.copyChanged(values, &object) { changed = true }
        }
        return changed
    }
}

extension StoredValue {
    /// The value as JSON, spelled as responses spell it.
    public var jsonValue: JSONValue {
        switch self {
        case .null: return .null
        case .uuid(let id): return .string(id.lowercased)
        case .text(let s): return .string(s)
        case .integer(let i): return .int(i)
        case .double(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .json(let v): return v
        case .timestamp(let t): return .string(t.rfc3339)
        case .uuids(let ids): return .array(ids.map { .string($0.lowercased) })
        case .texts(let texts): return .array(texts.map(JSONValue.string))
        }
    }
}
