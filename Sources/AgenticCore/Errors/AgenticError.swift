/// The one error type the domain, the stores and the server raise on purpose.
///
/// Each carries a stable machine `code` (clients switch on it), the HTTP status it maps to, a human
/// `detail`, and for validation every bad field. Anything that is not an `AgenticError` reaching the
/// HTTP layer is a bug and becomes a 500 — never the other way round.
public struct AgenticError: Error, Sendable, CustomStringConvertible {
    /// A stable machine-readable error code. New codes may be added; existing ones never change meaning.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let malformedJSON = Code("malformed_json")
        public static let malformedID = Code("malformed_id")
        public static let badRequest = Code("bad_request")
        public static let validationFailed = Code("validation_failed")
        public static let noFields = Code("no_fields")
        public static let notFound = Code("not_found")
        public static let routeNotFound = Code("route_not_found")
        public static let methodNotAllowed = Code("method_not_allowed")
        public static let alreadyExists = Code("already_exists")
        public static let invalidTransition = Code("invalid_transition")
        public static let dependenciesNotMet = Code("dependencies_not_met")
        public static let leaseLost = Code("lease_lost")
        public static let planClosed = Code("plan_closed")
        public static let versionMismatch = Code("version_mismatch")
        public static let unauthorized = Code("unauthorized")
        public static let forbidden = Code("forbidden")
        public static let rateLimited = Code("rate_limited")
        public static let payloadTooLarge = Code("payload_too_large")
        public static let unsupportedMediaType = Code("unsupported_media_type")
        public static let databaseUnavailable = Code("database_unavailable")
        public static let idempotencyKeyReused = Code("idempotency_key_reused")
        public static let idempotencyInProgress = Code("idempotency_in_progress")
        public static let importTargetNotEmpty = Code("import_target_not_empty")
        public static let internalError = Code("internal_error")
    }

    public var code: Code
    /// The HTTP status this error is answered with.
    public var status: Int
    public var detail: String
    public var fieldErrors: [FieldError]
    /// For 429 and 503: how long a client should wait before retrying.
    public var retryAfterSeconds: Int?
    /// More response header fields the answer carries (the `RateLimit-*` fields of a 429).
    public var headers: [(name: String, value: String)]

    public init(
        code: Code, status: Int, detail: String, fieldErrors: [FieldError] = [], retryAfterSeconds: Int? = nil,
        headers: [(name: String, value: String)] = []
    ) {
        self.code = code
        self.status = status
        self.detail = detail
        self.fieldErrors = fieldErrors
        self.retryAfterSeconds = retryAfterSeconds
        self.headers = headers
    }

    public var title: String { Self.title(forStatus: status) }

    public var description: String {
        var text = "\(status) \(code): \(detail)"
        if !fieldErrors.isEmpty { text += " [" + fieldErrors.map(\.description).joined(separator: "; ") + "]" }
        return text
    }

    public static func title(forStatus status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 503: return "Service Unavailable"
        default: return status >= 500 ? "Internal Server Error" : "Error"
        }
    }
}

extension AgenticError {
    public static func validation(_ errors: [FieldError]) -> AgenticError {
        let detail: String
        if errors.count == 1, let only = errors.first {
            detail = "Invalid field `\(only.field)`: \(only.message)"
        } else {
            detail = "\(errors.count) fields are invalid: " + errors.map { "`\($0.field)`" }.joined(separator: ", ")
        }
        return AgenticError(code: .validationFailed, status: 422, detail: detail, fieldErrors: errors)
    }

    public static func validation(field: String, _ message: String) -> AgenticError {
        .validation([FieldError(field: field, message: message)])
    }

    public static func notFound(_ kind: ResourceKind, _ id: String) -> AgenticError {
        AgenticError(code: .notFound, status: 404, detail: "\(kind.singular) \(id) was not found")
    }

    public static func conflict(_ code: Code, _ detail: String) -> AgenticError {
        AgenticError(code: code, status: 409, detail: detail)
    }

    public static func versionMismatch(expected: String, actual: Int64) -> AgenticError {
        AgenticError(
            code: .versionMismatch, status: 412,
            detail: "If-Match \(expected) does not match the current version \"\(actual)\"")
    }

    public static func malformedJSON(_ detail: String) -> AgenticError {
        AgenticError(code: .malformedJSON, status: 400, detail: "The body is not valid JSON: \(detail)")
    }

    public static func databaseUnavailable(_ detail: String) -> AgenticError {
        AgenticError(code: .databaseUnavailable, status: 503, detail: detail, retryAfterSeconds: 1)
    }

    public static func `internal`(_ detail: String) -> AgenticError {
        AgenticError(code: .internalError, status: 500, detail: detail)
    }
}

/// The kinds of resource the API manages by id.
public enum ResourceKind: String, Sendable, CaseIterable {
    case agent, goal, plan, task, schedule

    public var singular: String {
        switch self {
        case .agent: return "Agent"
        case .goal: return "Goal"
        case .plan: return "Plan"
        case .task: return "Task"
        case .schedule: return "Schedule"
        }
    }

    /// The collection path segment: `agents`, `goals`, …
    public var plural: String { rawValue + "s" }
    /// The identity field: `agent_id`, …
    public var idField: String { rawValue + "_id" }
}
