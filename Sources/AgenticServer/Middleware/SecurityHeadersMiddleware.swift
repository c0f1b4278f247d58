import Hummingbird

/// Headers every response carries: no MIME sniffing, no framing, no caching of API data. The server
/// announces no name or version (Hummingbird sends `Server` only when configured, and we don't).
struct SecurityHeadersMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
