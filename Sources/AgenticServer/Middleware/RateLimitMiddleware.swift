import AgenticCore
import Hummingbird

/// Applies the key's token bucket: 429 with `Retry-After` when empty; `RateLimit-*` headers on every
/// answer to a limited key.
struct RateLimitMiddleware: RouterMiddleware {
    let limiter: RateLimiter
    let metrics: ServerMetrics

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        guard let principal = context.facts.principal, let decision = limiter.take(for: principal) else {
            return try await next(request, context)
        }
        var headers: HTTPFields = [
            .rateLimitLimit: String(decision.limit),
            .rateLimitRemaining: String(decision.remaining),
            .rateLimitReset: String(decision.resetSeconds),
        ]
        guard decision.allowed else {
            metrics.countRateLimited()
            headers[.retryAfter] = String(decision.retryAfterSeconds)
            let error = AgenticError(
                code: .rateLimited, status: 429,
                detail: "Rate limit of \(decision.limit) requests exceeded; retry after \(decision.retryAfterSeconds) s")
            return ProblemResponse.make(error, requestID: context.requestID, extraHeaders: headers)
        }
        var response = try await next(request, context)
        response.headers.append(contentsOf: headers)
        return response
    }
}
