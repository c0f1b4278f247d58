import AgenticCore
import Foundation
import Hummingbird
import Logging

/// One log line per request: method, route template, status, duration and the key that made it.
struct AccessLogMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let milliseconds = (ContinuousClock.now - start).inSeconds * 1000
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(context.endpointPath ?? request.uri.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.3f", milliseconds)),
                "key_id": .string(context.facts.principal?.keyID.lowercased ?? "-"),
            ])
        return response
    }
}
