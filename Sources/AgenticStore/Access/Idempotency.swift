import AgenticCore

/// A claim on an `Idempotency-Key` before the request runs.
public struct IdempotencyReservation: Sendable {
    public var tenant: String
    public var key: String
    /// SHA-256 of method, path and body: the same key with another request is refused.
    public var requestHash: String
    public var now: Timestamp
    /// Records older than this are treated as gone.
    public var expiresAt: Timestamp

    public init(tenant: String, key: String, requestHash: String, now: Timestamp, expiresAt: Timestamp) {
        self.tenant = tenant
        self.key = key
        self.requestHash = requestHash
        self.now = now
        self.expiresAt = expiresAt
    }
}

/// What a reservation found.
public enum IdempotencyOutcome: Sendable, Equatable {
    /// First use: run the request, then complete (or release) the key.
    case reserved
    /// The first request with this key is still running.
    case inProgress
    /// The key was used with a different request.
    case mismatch
    /// The first request finished: answer with its response again.
    case replay(StoredResponse)
}

/// A response kept for replay.
public struct StoredResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Headers as a JSON object, for storage.
    public var headersJSON: String {
        JSONValue.object(headers.mapValues { .string($0) }).description
    }

    public static func headers(fromJSON text: String) -> [String: String] {
        guard case .object(let object)? = try? JSONParser.parse(text) else { return [:] }
        return object.compactMapValues(\.stringValue)
    }
}
