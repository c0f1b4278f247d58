import AgenticCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A typed async client of the Agentic HTTP API. Every call either returns the decoded resource or
/// throws an `AgenticProblem` (the server's problem+json, typed), a transport error, or a
/// `JSONShapeError` when a response is not what the API documents.
///
/// It is a value: copy it freely. It shares the `HTTPClient` it was given (by default the process-wide
/// `HTTPClient.shared`, which keeps connections alive between calls).
public struct AgenticClient: Sendable {
    public let baseURL: String
    public let apiKey: String
    public let timeout: Duration
    let http: HTTPClient

    public init(url: String, apiKey: String, timeout: Duration = .seconds(30), httpClient: HTTPClient = .shared) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.timeout = timeout
        self.http = httpClient
    }

    // MARK: the raw exchange

    /// Sends one request to `path` (which starts with `/`) and returns the response whatever its status.
    /// The typed calls below build on it; the load tester uses it directly to time every status.
    public func send(
        _ method: HTTPMethod, _ path: String, json: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws -> ClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "X-API-Key", value: apiKey)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json.description))
        }
        let seconds = max(1, Int64(timeout.components.seconds))
        let response = try await http.execute(request, timeout: .seconds(seconds))
        let body = try await response.body.collect(upTo: 32 << 20)
        return ClientResponse(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(body.readableBytesView))
    }

    /// Sends a request and returns its JSON body, throwing the problem when the status is not 2xx.
    @discardableResult
    func call(_ method: HTTPMethod, _ path: String, json: JSONValue? = nil, headers: [(String, String)] = []) async throws -> JSONValue {
        let response = try await send(method, path, json: json, headers: headers)
        guard (200..<300).contains(response.status) else { throw AgenticProblem(response: response) }
        if response.body.isEmpty { return .null }
        return try response.json()
    }
}

/// A response as it came: status, headers and body bytes.
public struct ClientResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    public func json() throws -> JSONValue {
        do { return try JSONParser.parse(body) } catch {
            throw JSONShapeError(path: "$", message: "the response is not JSON (status \(status))")
        }
    }
}
