import AgenticCore
import Hummingbird

/// The access policy of a keyed route group: authenticates the request's key and requires `scope`.
///
/// It runs only for the routes of its group, after the router matched them, so what is enforced is
/// the scope of the handler about to run, whatever spelling of the path reached it. Health, metrics
/// and the OpenAPI document live in the open group and never see it.
struct AuthMiddleware: RouterMiddleware {
    let authenticator: KeyAuthenticator
    let scope: Scope

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        guard
            let secret = KeyAuthenticator.secret(
                apiKeyHeader: request.headers[.xAPIKey], authorization: request.headers[.authorization])
        else { throw AgenticError.badKey }
        let principal = try await authenticator.authenticate(secret: secret)
        context.facts.principal = principal
        guard principal.scope.allows(scope) else {
            throw AgenticError(
                code: .forbidden, status: 403,
                detail: "This key has scope `\(principal.scope.rawValue)`; this request needs `\(scope.rawValue)`")
        }
        return try await next(request, context)
    }
}
