import Foundation

/// Who may set a field.
public enum FieldAccess: Sendable, Equatable {
    /// Only the server (ids it generates, versions, timestamps, counters): a request naming it is told
    /// the field is read-only.
    case server
    /// A create request may set it; a PATCH may not (ids, the parent a resource belongs to).
    case create
    /// Create and PATCH.
    case always
    /// Stored, never shown (the tenant, which the key decides).
    case hidden
    /// A create request may set it (else the server makes one up); stored; shown only in the answer
    /// to that request (a webhook's signing secret).
    case secret
}

/// A value a store works out from other tables when it reads a row, never written with it.
public enum DerivedColumn: Sendable, Equatable {
    /// The resource's sum in the store's usage totals (`Usage`), which completions add to without
    /// touching the resource's row.
    case usageTotals
}

/// One field of a described type: its JSON name, who may set it, and typed access to it through a
/// key path — declared once, used for requests, responses, rows and the OpenAPI check.
public struct ResourceField<Object>: Sendable {
    public let name: String
    /// Other names a request may use for it (`input_data` for `inputs`); at most one may be given.
    public let aliases: [String]
    public let access: FieldAccess
    /// A create request must give it.
    public let required: Bool
    /// The scope a PATCH needs to change it: limits and budgets (`admin`), so that a worker's `write`
    /// key cannot raise its own.
    public let patchScope: Scope
    public let schema: FieldSchema
    /// The column it is stored in (named like the field); `nil` when computed on read.
    public let column: ColumnType?
    /// Read from elsewhere with the row (a column of that type in every select), never stored.
    public let derived: DerivedColumn?
    let keyPath: any PartialKeyPath<Object> & Sendable
    let writeJSON: @Sendable (Object, inout JSONWriter) -> Void
    let readRequest: @Sendable (JSONValue, String, inout [FieldError], inout Object) -> Void
    let copyChanged: @Sendable (Object, inout Object) -> Bool
    let parseJSON: @Sendable (JSONValue, inout Object) -> Bool
    let storedValue: @Sendable (Object) -> StoredValue
    let loadStored: @Sendable (StoredValue, inout Object) -> Bool

    /// Declares a field.
    /// - Parameters:
    ///   - name: the JSON member and column name.
    ///   - keyPath: where the value lives.
    ///   - codec: how it is read, written and stored.
    ///   - access: who may set it.
    ///   - required: whether a create request must give it (else the property's own default applies).
    ///   - aliases: other accepted request names.
    ///   - patchScope: the scope a PATCH of it needs (see `patchScope`).
    ///   - derived: where a store reads it from, when not from the row's own column.
    public init<Value>(
        _ name: String, _ keyPath: any WritableKeyPath<Object, Value> & Sendable, _ codec: FieldCodec<Value>,
        _ access: FieldAccess, required: Bool = false, aliases: [String] = [], patchScope: Scope = .write,
        derived: DerivedColumn? = nil
    ) {
        self.name = name
        self.derived = derived
        self.patchScope = patchScope
        self.aliases = aliases
        self.access = access
        self.required = required
        self.schema = codec.schema
        self.column = codec.column
        self.keyPath = keyPath
        writeJSON = { object, w in codec.write(object[keyPath: keyPath], &w) }
        readRequest = { value, path, errors, object in
            if let v = codec.read(value, path, &errors) { object[keyPath: keyPath] = v }
        }
        copyChanged = { source, target in
            let new = source[keyPath: keyPath]
            guard !new.isExactly(target[keyPath: keyPath]) else { return false }
            target[keyPath: keyPath] = new
            return true
        }
        parseJSON = { value, object in
            guard let v = codec.parse(value) else { return false }
            object[keyPath: keyPath] = v
            return true
        }
        storedValue = { object in codec.store(object[keyPath: keyPath]) }
        loadStored = { stored, object in
            guard let v = codec.load(stored) else { return false }
            object[keyPath: keyPath] = v
            return true
        }
    }

    public var isNullable: Bool {
        if case .nullable = schema { return true }
        return false
    }

    /// Whether the field is part of the JSON a client sees.
    public var isVisible: Bool { access != .hidden && access != .secret }

    /// Whether a request may name it (a secret is set but never shown again).
    public var isRequestMember: Bool { access != .hidden }

    /// Every name a request may use for it.
    var requestNames: [String] { [name] + aliases }

    /// The value as stored.
    public func stored(_ object: Object) -> StoredValue { storedValue(object) }

    /// Sets the value from a stored one; false when it is not of the field's type.
    public func load(_ stored: StoredValue, into object: inout Object) -> Bool { loadStored(stored, &object) }

    public func write(_ object: Object, to w: inout JSONWriter) { writeJSON(object, &w) }
}
