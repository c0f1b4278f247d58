import AgenticCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// RFC 9457 problem details: `type`, `title`, `status`, `detail`, a stable `code`, the `request_id`,
/// and for validation `errors: [{field, message}]`.
///
/// The one place an error becomes an answer: `AgenticError`s answer with their own status; the
/// framework's errors are translated (its 404 becomes 405 when the path exists with other methods, a
/// body over the limit is 413 however it was read); anything else is a logged 500 that reveals
/// nothing internal.
struct ProblemResponse {
    static let contentType = "application/problem+json"

    let routes: RouteBook

    func make(for error: any Error, request: Request, context: AppRequestContext) -> PreparedResponse {
        var extra = HTTPFields()
        let problem: AgenticError
        switch error {
        case let error as AgenticError:
            problem = error
            if error.code == .databaseUnavailable {
                context.logger.warning("database unavailable", metadata: ["error": .string(error.description)])
            } else if error.status >= 500 {
                context.logger.error("request failed", metadata: ["error": .string(error.description)])
            }
        case is NIOTooManyBytesError:
            problem = .payloadTooLarge
        case let error as HTTPError:
            problem = translate(error, request: request)
            let methods = routes.methods(forPath: request.uri.path)
            if problem.code == .methodNotAllowed { extra[.allow] = methods.joined(separator: ", ") }
        case is CancellationError:
            problem = AgenticError(code: .internalError, status: 503, detail: "The request was cancelled")
        default:
            context.logger.error("unexpected error", metadata: ["error": .string(String(reflecting: error))])
            problem = .internal("An unexpected error occurred; quote request id \(context.requestID) when reporting it")
        }
        return Self.render(problem, requestID: context.requestID, extraHeaders: extra)
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

    static func render(_ error: AgenticError, requestID: String, extraHeaders: HTTPFields = [:]) -> PreparedResponse {
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("type"); w.string("urn:agentic:problem:\(error.code.rawValue)")
        w.key("title"); w.string(error.title)
        w.key("request_id"); w.string(requestID)
        error.writeMembers(to: &w)
        w.endObject()
        var headers = extraHeaders
        headers[.contentType] = contentType
        if let retryAfter = error.retryAfterSeconds { headers[.retryAfter] = String(retryAfter) }
        if error.status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        for (name, value) in error.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return PreparedResponse(status: HTTPResponse.Status(code: error.status), headers: headers, body: w.bytes)
    }
}
