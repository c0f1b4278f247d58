import AgenticCore

/// An error answer of the API (RFC 9457 problem+json), typed: the HTTP status, the stable `code`,
/// the request id to quote to an operator, and the fields a validation error names.
public struct AgenticProblem: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var title: String
    public var detail: String
    public var requestID: String?
    public var errors: [FieldError]
    /// Seconds to wait before retrying, from `Retry-After` (429, 503).
    public var retryAfter: Int?

    public init(response: ClientResponse) {
        status = response.status
        retryAfter = response.header("Retry-After").flatMap { Int($0) }
        let json = (try? JSONParser.parse(response.body)) ?? .null
        code = json["code"]?.stringValue ?? "http_\(response.status)"
        title = json["title"]?.stringValue ?? "HTTP \(response.status)"
        detail = json["detail"]?.stringValue ?? String(decoding: response.body.prefix(300), as: UTF8.self)
        requestID = json["request_id"]?.stringValue ?? response.header("X-Request-ID")
        errors = (json["errors"]?.arrayValue ?? []).compactMap { item in
            guard let field = item["field"]?.stringValue else { return nil }
            return FieldError(field: field, message: item["message"]?.stringValue ?? "")
        }
    }

    public var isNotFound: Bool { status == 404 }
    public var isConflict: Bool { status == 409 }
    /// The caller no longer holds the task's lease (expired, cancelled, or another agent has it).
    public var isLeaseLost: Bool { code == "lease_lost" }

    public var description: String {
        var text = "\(status) \(code): \(detail)"
        if !errors.isEmpty { text += " [" + errors.map(\.description).joined(separator: "; ") + "]" }
        if let requestID { text += " (request \(requestID))" }
        return text
    }
}
