import AgenticCore
import Foundation
import Hummingbird

extension Request {
    /// The body parsed as JSON, or nil when there is none.
    ///
    /// 415 for a body that is not `application/json` (or `+json`), 413 beyond `Limits.maxBodyBytes`
    /// (however the body arrives: `ProblemResponse` maps the framework's errors), 400 for malformed
    /// JSON, 422 for nesting deeper than `Limits.maxBodyDepth`.
    func jsonBody() async throws -> JSONValue? {
        if let length = headers[.contentLength].flatMap(Int.init), length > Limits.maxBodyBytes {
            throw AgenticError.payloadTooLarge
        }
        let buffer = try await body.collect(upTo: Limits.maxBodyBytes)
        guard buffer.readableBytes > 0 else { return nil }
        guard let contentType = headers[.contentType], Self.isJSON(contentType) else {
            throw AgenticError(
                code: .unsupportedMediaType, status: 415,
                detail: "Send the body as application/json (got \(headers[.contentType] ?? "no Content-Type"))")
        }
        do {
            return try buffer.readableBytesView.withContiguousStorageIfAvailable { bytes in
                try JSONParser.parse(bytes, maxDepth: Limits.maxBodyDepth)
            } ?? JSONParser.parse(Array(buffer.readableBytesView), maxDepth: Limits.maxBodyDepth)
        } catch let error as JSONParser.Error {
            if case .tooDeep = error.reason {
                throw AgenticError.validation(field: "(body)", "nests deeper than \(Limits.maxBodyDepth) levels")
            }
            throw AgenticError.malformedJSON(error.description)
        }
    }

    /// The body as JSON; an empty body is a 422 naming the body.
    func requiredJSONBody() async throws -> JSONValue {
        guard let body = try await jsonBody() else {
            throw AgenticError.validation(field: "(body)", "a JSON object is required")
        }
        return body
    }

    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// The `If-Match` precondition, or nil when there is none (see `VersionPrecondition`). Several
    /// `If-Match` lines are one list, as RFC 9110 combines them.
    var ifMatch: VersionPrecondition? {
        let values = headers[values: .ifMatch]
        return values.isEmpty ? nil : VersionPrecondition(ifMatch: values.joined(separator: ", "))
    }

    /// Query parameters in order, percent-decoded.
    var queryPairs: [(String, String)] {
        uri.queryParameters.map { (String($0.key), String($0.value)) }
    }
}

extension AgenticError {
    static let payloadTooLarge = AgenticError(
        code: .payloadTooLarge, status: 413, detail: "The body is larger than \(Limits.maxBodyBytes) bytes")
}

extension AppRequestContext {
    /// The `:id` path parameter as a UUID; a malformed one is a 400.
    func id(_ name: String = "id") throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else {
            throw AgenticError(code: .malformedID, status: 400, detail: "`\(parameters.get(name) ?? "")` is not a UUID")
        }
        return id
    }

    /// The `:name` path parameter, percent-decoded: a client may encode any character of a segment
    /// (RFC 3986), and the router hands the segment over as it was sent.
    func pathText(_ name: String) throws(AgenticError) -> String {
        guard let text = (parameters.get(name) ?? "").removingPercentEncoding else {
            throw AgenticError.validation(field: name, "is not valid percent-encoding")
        }
        return text
    }
}
