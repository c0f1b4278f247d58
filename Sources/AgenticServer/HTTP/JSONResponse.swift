import AgenticCore
import AgenticStore
import Foundation
import HTTPTypes
import Hummingbird

/// A response whose bytes are known before it is sent: written to the client as is, and kept as is
/// for `Idempotency-Key` replays.
struct PreparedResponse: Sendable, ResponseGenerator {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: [UInt8]

    /// Header fields a replay repeats.
    static let keptHeaders: [HTTPField.Name] = [.contentType, .location, .eTag]

    var response: Response {
        Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    func response(from request: Request, context: some RequestContext) -> Response { response }

    var stored: StoredResponse {
        var kept: [String: String] = [:]
        for name in Self.keptHeaders {
            if let value = headers[name] { kept[name.canonicalName] = value }
        }
        return StoredResponse(status: Int(status.code), headers: kept, body: body)
    }
}

/// Builds JSON responses straight from the resources' writers: no Codable, no intermediate objects.
enum JSONResponse {
    static let jsonType = "application/json"

    static func make(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> PreparedResponse {
        var headers = headers
        headers[.contentType] = jsonType
        return PreparedResponse(status: status, headers: headers, body: bytes)
    }

    /// One resource with its `ETag`; `location` is set on 201.
    static func resource(_ resource: some JSONWritable & Versioned, status: HTTPResponse.Status = .ok, location: String? = nil)
        -> PreparedResponse
    {
        Self.resource(resource.jsonBytes(), version: resource.version, status: status, location: location)
    }

    /// A resource written with more members than its own (a plan with its tasks), `ETag` its version.
    static func resource(_ bytes: [UInt8], version: Int64, status: HTTPResponse.Status = .ok, location: String? = nil)
        -> PreparedResponse
    {
        var headers: HTTPFields = [.eTag: "\"\(version)\""]
        if let location { headers[.location] = location }
        return make(bytes, status: status, headers: headers)
    }

    /// `{"data": [...], "next_cursor": ...}`.
    static func page<Item: JSONWritable & Sendable>(_ page: Page<Item>) -> PreparedResponse {
        var w = JSONWriter(capacity: 256 + page.items.count * 512)
        w.beginObject()
        w.key("data")
        w.beginArray()
        for item in page.items { item.write(to: &w) }
        w.endArray()
        w.key("next_cursor")
        w.string(page.nextCursor?.encoded)
        w.endObject()
        return make(w.bytes)
    }

    /// `{"data": [...]}`.
    static func list(_ items: [some JSONWritable]) -> PreparedResponse {
        make(listBytes(items))
    }

    /// The document `list` answers (MCP tools answer the same).
    static func listBytes(_ items: [some JSONWritable]) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + items.count * 512)
        w.beginObject()
        w.key("data")
        w.beginArray()
        for item in items { item.write(to: &w) }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    static func value(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> PreparedResponse {
        var w = JSONWriter()
        w.value(value)
        return make(w.bytes, status: status)
    }

    static let noContent = PreparedResponse(status: .noContent, headers: [:], body: [])
}

/// Runs a request's write and answers with `reply(result)`.
///
/// Under an `Idempotency-Key` (see `IdempotencyMiddleware`) the answer is rendered inside the
/// write's transaction and recorded there, so the change and its answer commit together: a retry
/// after any fault replays it, and the change is never made twice. An answer that shows a secret
/// (`carriesSecret`) is kept sealed with the caller's API key (`ReplaySeal`).
func respond<T: Sendable>(
    _ write: () async throws -> T, carriesSecret: Bool = false, with reply: @escaping @Sendable (T) -> PreparedResponse
) async throws -> PreparedResponse {
    if let claim = IdempotencyClaim.current {
        if carriesSecret { claim.sealAnswer() }
        claim.answer { result in (result as? T).map(reply)?.stored }
    }
    return reply(try await write())
}
