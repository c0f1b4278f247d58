import AgenticCore
import Foundation
import Hummingbird
import Logging

/// Gives every request an id — the client's `X-Request-ID` when it is a sensible token, else a new
/// one — and echoes it in the response, the logs and problem bodies.
struct RequestIDMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        let id = request.headers[.xRequestID].flatMap(Self.accept) ?? UUID().lowercased
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[.xRequestID] = id
        return response
    }

    /// Accepts 1–128 visible ASCII characters; anything else is replaced rather than echoed.
    static func accept(_ value: String) -> String? {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= 128, utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }
}
