import AgenticCore
import HTTPTypes
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
        let headers = [
            ("RateLimit-Limit", String(decision.limit)),
            ("RateLimit-Remaining", String(decision.remaining)),
            ("RateLimit-Reset", String(decision.resetSeconds)),
        ]
        guard decision.allowed else {
            metrics.countRateLimited()
            throw AgenticError(
                code: .rateLimited, status: 429,
                detail: "Rate limit of \(decision.limit) requests exceeded; retry after \(decision.retryAfterSeconds) s",
                retryAfterSeconds: decision.retryAfterSeconds, headers: headers)
        }
        var response = try await next(request, context)
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { response.headers.append(HTTPField(name: field, value: value)) }
        }
        return response
    }
}
