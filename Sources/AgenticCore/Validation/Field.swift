/// What a request said about one field: nothing, an explicit `null`, or a value.
///
/// PATCH needs all three (absent leaves a field alone, `null` clears a nullable one); create uses
/// `value(or:)` to fall back to the default.
public enum Field<Value> {
    case absent
    case null
    case value(Value)

    public var isPresent: Bool {
        if case .absent = self { return false }
        return true
    }

    /// The value, or `nil` when absent or null.
    public var value: Value? {
        if case .value(let v) = self { return v }
        return nil
    }

    public func value(or fallback: @autoclosure () -> Value) -> Value {
        if case .value(let v) = self { return v }
        return fallback()
    }

    /// For nullable fields: `.some(nil)` when set to null, `nil` when absent.
    public var update: Value?? {
        switch self {
        case .absent: return .none
        case .null: return .some(.none)
        case .value(let v): return .some(.some(v))
        }
    }

    public func map<T>(_ transform: (Value) -> T) -> Field<T> {
        switch self {
        case .absent: return .absent
        case .null: return .null
        case .value(let v): return .value(transform(v))
        }
    }
}

extension Field: Sendable where Value: Sendable {}
