import Hummingbird

/// Headers every response carries: no MIME sniffing, no framing, no referrer, no caching of API data,
/// and a Content-Security-Policy that lets an API answer opened in a browser run or load nothing (the
/// dashboard sets its own). The server announces no name or version (Hummingbird sends `Server` only
/// when configured, and we don't).
struct SecurityHeadersMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
