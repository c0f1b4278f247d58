import Hummingbird

/// Records every request in `/metrics`, with the final status the client saw.
struct MetricsMiddleware: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        metrics.requestStarted()
        defer { metrics.requestFinished() }
        let response = try await next(request, context)
        let route = context.endpointPath.map { $0 == "NotFound" ? "unmatched" : $0 } ?? "unmatched"
        metrics.recordRequest(
            method: request.method.rawValue, route: route, status: Int(response.status.code), duration: ContinuousClock.now - start)
        return response
    }
}
