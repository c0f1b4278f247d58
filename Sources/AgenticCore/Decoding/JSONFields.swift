import Foundation

/// A JSON document that did not have the shape expected (a response, a snapshot line).
public struct JSONShapeError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Typed, throwing access to the members of a JSON object written by this server — the reverse of
/// the resources' `write(to:)`. Unlike `ObjectReader` (which validates untrusted input and collects
/// every problem), it stops at the first surprise.
public struct JSONFields {
    public let object: JSONObject
    let path: String

    public init(_ value: JSONValue, path: String = "") throws(JSONShapeError) {
        guard case .object(let object) = value else { throw JSONShapeError(path: path.isEmpty ? "$" : path, message: "is not an object") }
        self.object = object
        self.path = path
    }

    private func fail(_ key: String, _ message: String) -> JSONShapeError {
        JSONShapeError(path: path.isEmpty ? key : "\(path).\(key)", message: message)
    }

    private func present(_ key: String) throws(JSONShapeError) -> JSONValue {
        guard let value = object[JSONKey(key)] else { throw fail(key, "is missing") }
        return value
    }

    private func nonNull(_ key: String) -> JSONValue? {
        guard let value = object[JSONKey(key)], !value.isNull else { return nil }
        return value
    }

    public func string(_ key: String) throws(JSONShapeError) -> String {
        guard let s = try present(key).stringValue else { throw fail(key, "is not a string") }
        return s
    }

    public func optionalString(_ key: String) throws(JSONShapeError) -> String? {
        guard let value = nonNull(key) else { return nil }
        guard let s = value.stringValue else { throw fail(key, "is not a string") }
        return s
    }

    public func int(_ key: String) throws(JSONShapeError) -> Int64 {
        guard let i = try present(key).intValue else { throw fail(key, "is not an integer") }
        return i
    }

    public func optionalInt(_ key: String) throws(JSONShapeError) -> Int64? {
        guard let value = nonNull(key) else { return nil }
        guard let i = value.intValue else { throw fail(key, "is not an integer") }
        return i
    }

    public func optionalDouble(_ key: String) throws(JSONShapeError) -> Double? {
        guard let value = nonNull(key) else { return nil }
        guard let d = value.doubleValue else { throw fail(key, "is not a number") }
        return d
    }

    public func bool(_ key: String) throws(JSONShapeError) -> Bool {
        guard let b = try present(key).boolValue else { throw fail(key, "is not a boolean") }
        return b
    }

    public func uuid(_ key: String) throws(JSONShapeError) -> UUID {
        guard let id = UUID(uuidString: try string(key)) else { throw fail(key, "is not a UUID") }
        return id
    }

    public func optionalUUID(_ key: String) throws(JSONShapeError) -> UUID? {
        guard let s = try optionalString(key) else { return nil }
        guard let id = UUID(uuidString: s) else { throw fail(key, "is not a UUID") }
        return id
    }

    public func timestamp(_ key: String) throws(JSONShapeError) -> Timestamp {
        guard let t = Timestamp(rfc3339: try string(key)) else { throw fail(key, "is not an RFC 3339 timestamp") }
        return t
    }

    public func optionalTimestamp(_ key: String) throws(JSONShapeError) -> Timestamp? {
        guard let s = try optionalString(key) else { return nil }
        guard let t = Timestamp(rfc3339: s) else { throw fail(key, "is not an RFC 3339 timestamp") }
        return t
    }

    public func optionalObject(_ key: String) throws(JSONShapeError) -> JSONObject? {
        guard let value = nonNull(key) else { return nil }
        guard let o = value.objectValue else { throw fail(key, "is not an object") }
        return o
    }

    public func enumeration<E: RawRepresentable>(_ key: String, _: E.Type) throws(JSONShapeError) -> E where E.RawValue == String {
        guard let e = E(rawValue: try string(key)) else { throw fail(key, "is not a known value") }
        return e
    }

    public func nested(_ key: String) throws(JSONShapeError) -> JSONFields {
        try JSONFields(try present(key), path: path.isEmpty ? key : "\(path).\(key)")
    }
}
