import AgenticCore
import Hummingbird

/// RFC 9457 problem details: `type`, `title`, `status`, `detail`, a stable `code`, the `request_id`,
/// and for validation `errors: [{field, message}]`.
enum ProblemResponse {
    static let contentType = "application/problem+json"

    static func make(_ error: AgenticError, requestID: String, extraHeaders: HTTPFields = [:]) -> Response {
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("type"); w.string("urn:agentic:problem:\(error.code.rawValue)")
        w.key("title"); w.string(error.title)
        w.key("status"); w.int(error.status)
        w.key("detail"); w.string(error.detail)
        w.key("code"); w.string(error.code.rawValue)
        w.key("request_id"); w.string(requestID)
        if !error.fieldErrors.isEmpty {
            w.key("errors")
            w.beginArray()
            for fieldError in error.fieldErrors {
                w.beginObject()
                w.key("field"); w.string(fieldError.field)
                w.key("message"); w.string(fieldError.message)
                w.endObject()
            }
            w.endArray()
        }
        w.endObject()
        var headers = extraHeaders
        headers[.contentType] = contentType
        if let retryAfter = error.retryAfterSeconds { headers[.retryAfter] = String(retryAfter) }
        if error.status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        return Response(
            status: HTTPResponse.Status(code: error.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: w.bytes)))
    }
}
