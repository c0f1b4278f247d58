import Foundation

/// A field's value as the stores hold it: the one currency between a resource's description and a
/// store's row, so each store maps a handful of cases instead of every field of every resource.
public enum StoredValue: Sendable {
    case null
    case uuid(UUID)
    case text(String)
    case integer(Int64)
    case double(Double)
    case bool(Bool)
    /// An object or array, stored as `jsonb` (PostgreSQL) or JSON text (SQLite).
    case json(JSONValue)
    case timestamp(Timestamp)
    case uuids([UUID])
    case texts([String])
}

/// The column type a field needs: enough for a store to bind and decode it without knowing the field.
public enum ColumnType: Sendable, Equatable {
    case uuid
    case text
    /// An `integer` column on PostgreSQL (values are checked against the field's range first).
    case int32
    case int64
    case double
    case bool
    case json
    case timestamp
    /// `uuid[]` on PostgreSQL, a JSON array on SQLite.
    case uuids
    /// `text[]` on PostgreSQL, a JSON array on SQLite.
    case texts
}
