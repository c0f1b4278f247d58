import AgenticCore
import Hummingbird

/// Authenticates every `/api/` request and checks its scope: reads need `read`, writes `write`, and
/// key management `admin`. Health, metrics and the OpenAPI document are open.
struct AuthMiddleware: RouterMiddleware {
    let authenticator: KeyAuthenticator

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        guard path.hasPrefix("/api/") else { return try await next(request, context) }
        guard
            let secret = KeyAuthenticator.secret(
                apiKeyHeader: request.headers[.xAPIKey], authorization: request.headers[.authorization])
        else { throw AgenticError.badKey }
        let principal = try await authenticator.authenticate(secret: secret)
        let needed = Self.requiredScope(method: request.method, path: path)
        guard principal.scope.allows(needed) else {
            throw AgenticError(
                code: .forbidden, status: 403,
                detail: "This key has scope `\(principal.scope.rawValue)`; this request needs `\(needed.rawValue)`")
        }
        context.facts.principal = principal
        return try await next(request, context)
    }

    static func requiredScope(method: HTTPRequest.Method, path: String) -> Scope {
        if path == "/api/v1/keys" || path.hasPrefix("/api/v1/keys/") { return .admin }
        switch method {
        case .get, .head, .options: return .read
        default: return .write
        }
    }
}
