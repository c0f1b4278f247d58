import AgenticCore
import Hummingbird
import Logging

/// Turns every error into a problem+json response, on purpose: `AgenticError`s answer with their own
/// status; the framework's 404 becomes 405 when the path exists with other methods; anything else is a
/// logged 500 that reveals nothing internal.
struct ProblemMiddleware: RouterMiddleware {
    let routes: RouteBook

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as AgenticError {
            if error.code == .databaseUnavailable {
                context.logger.warning("database unavailable", metadata: ["error": .string(error.description)])
            } else if error.status >= 500 {
                context.logger.error("request failed", metadata: ["error": .string(error.description)])
            }
            return ProblemResponse.make(error, requestID: context.requestID)
        } catch let error as HTTPError {
            return ProblemResponse.make(translate(error, request: request), requestID: context.requestID, extraHeaders: allowHeader(request))
        } catch is CancellationError {
            return ProblemResponse.make(
                AgenticError(code: .internalError, status: 503, detail: "The request was cancelled"), requestID: context.requestID)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": .string(String(reflecting: error))])
            return ProblemResponse.make(
                .internal("An unexpected error occurred; quote request id \(context.requestID) when reporting it"),
                requestID: context.requestID)
        }
    }

    private func translate(_ error: HTTPError, request: Request) -> AgenticError {
        switch error.status {
        case .notFound:
            let methods = routes.methods(forPath: request.uri.path)
            if !methods.isEmpty {
                return AgenticError(
                    code: .methodNotAllowed, status: 405,
                    detail: "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(methods.joined(separator: ", "))")
            }
            return AgenticError(code: .routeNotFound, status: 404, detail: "No route matches \(request.uri.path)")
        case .contentTooLarge:
            return .payloadTooLarge
        default:
            return AgenticError(code: .badRequest, status: Int(error.status.code), detail: error.body ?? error.status.reasonPhrase)
        }
    }

    private func allowHeader(_ request: Request) -> HTTPFields {
        let methods = routes.methods(forPath: request.uri.path)
        return methods.isEmpty ? [:] : [.allow: methods.joined(separator: ", ")]
    }
}
