import Hummingbird

/// Answers every error with problem+json (see `ProblemResponse`, where the mapping lives).
struct ProblemMiddleware: RouterMiddleware {
    let problems: ProblemResponse

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return problems.make(for: error, request: request, context: context).response
        }
    }
}
