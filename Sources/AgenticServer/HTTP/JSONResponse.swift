import AgenticCore
import Foundation
import Hummingbird

/// Builds JSON responses straight from the resources' writers: no Codable, no intermediate objects.
enum JSONResponse {
    static let jsonType = "application/json"

    static func make(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = jsonType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// One resource with its `ETag`; `location` is set on 201.
    static func resource(_ resource: some JSONWritable & Versioned, status: HTTPResponse.Status = .ok, location: String? = nil)
        -> Response
    {
        var headers: HTTPFields = [.eTag: "\"\(resource.version)\""]
        if let location { headers[.location] = location }
        return make(resource.jsonBytes(), status: status, headers: headers)
    }

    /// `{"data": [...], "next_cursor": ...}`.
    static func page<Item: JSONWritable & Sendable>(_ page: Page<Item>) -> Response {
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
    static func list(_ items: [some JSONWritable]) -> Response {
        var w = JSONWriter(capacity: 256 + items.count * 512)
        w.beginObject()
        w.key("data")
        w.beginArray()
        for item in items { item.write(to: &w) }
        w.endArray()
        w.endObject()
        return make(w.bytes)
    }

    static func value(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var w = JSONWriter()
        w.value(value)
        return make(w.bytes, status: status)
    }

    static let noContent = Response(status: .noContent)
}
