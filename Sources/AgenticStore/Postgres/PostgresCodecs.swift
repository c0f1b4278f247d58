import AgenticCore
import Foundation
import NIOCore
import PostgresNIO

/// `timestamptz` is microseconds since 2000-01-01 on the wire — exactly `Timestamp`'s precision, so
/// values round-trip without passing through `Double`.
extension Timestamp: PostgresNonThrowingEncodable, PostgresDecodable {
    static let postgresEpochOffset: Int64 = 946_684_800_000_000

    public static var psqlType: PostgresDataType { .timestamptz }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(microseconds - Self.postgresEpochOffset)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .timestamptz || type == .timestamp, format == .binary, buffer.readableBytes == 8,
            let micros = buffer.readInteger(as: Int64.self)
        else { throw PostgresDecodingError.Code.typeMismatch }
        self.init(microseconds: micros + Self.postgresEpochOffset)
    }
}

/// A `jsonb` value carried as JSON text: written with our canonical writer, read back and parsed by
/// our parser (PostgreSQL's own formatting never reaches clients).
struct JSONB: PostgresNonThrowingEncodable, PostgresDecodable, Sendable {
    var bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }
    init(_ object: JSONObject) { self.bytes = Array(JSONValue.object(object).description.utf8) }
    init(_ value: some JSONWritable) { self.bytes = value.jsonBytes(capacity: 128) }

    static var psqlType: PostgresDataType { .jsonb }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(UInt8(1))
        byteBuffer.writeBytes(bytes)
    }

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        switch (type, format) {
        case (.jsonb, .binary):
            guard buffer.readInteger(as: UInt8.self) == 1 else { throw PostgresDecodingError.Code.failure }
            bytes = Array(buffer.readableBytesView)
        case (.jsonb, .text), (.json, _):
            bytes = Array(buffer.readableBytesView)
        default:
            throw PostgresDecodingError.Code.typeMismatch
        }
    }

    var value: JSONValue {
        get throws {
            do {
                return try JSONParser.parse(bytes)
            } catch {
                throw AgenticError.internal("stored JSON cannot be parsed: \(error)")
            }
        }
    }

    var object: JSONObject {
        get throws {
            guard case .object(let object) = try value else { throw AgenticError.internal("stored JSON is not an object") }
            return object
        }
    }
}

extension PostgresRandomAccessRow {
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }

    func object(_ column: String) throws -> JSONObject { try get(column, as: JSONB.self).object }

    func optionalObject(_ column: String) throws -> JSONObject? { try get(column, as: JSONB?.self)?.object }

    func json(_ column: String) throws -> JSONValue { try get(column, as: JSONB.self).value }
}
