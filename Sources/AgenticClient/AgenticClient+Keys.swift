import AgenticCore
import Foundation
import NIOHTTP1

/// A key as the API shows it: never its secret, except once in `CreatedKey`. Read through its
/// description, which a test holds to the document's `Key` schema.
public struct KeyInfo: DescribedObject, Equatable {
    public var id = UUID.unset
    public var name = ""
    public var scope = Scope.read
    public var tenant = ""
    public var prefix = ""
    public var expiresAt: Timestamp?
    public var rateLimit: RateLimit?
    public var createdAt = Timestamp(microseconds: 0)
    public var revokedAt: Timestamp?

    public init() {}

    public static let fields = ResourceDescription<KeyInfo>([
        .init("key_id", \.id, .uuid, .server),
        .init("name", \.name, .text(min: 1, max: Limits.maxNameLength), .server),
        .init("scope", \.scope, .enumeration(Scope.self), .server),
        .init("tenant", \.tenant, .text(min: 1, max: 63), .server),
        .init("prefix", \.prefix, .text(min: 1, max: 8), .server),
        .init("expires_at", \.expiresAt, .optional(.timestamp), .server),
        .init("rate_limit", \.rateLimit, .optional(.nested(RateLimit.self, schema: "RateLimit")), .server),
        .init("created_at", \.createdAt, .timestamp, .server),
        .init("revoked_at", \.revokedAt, .optional(.timestamp), .server),
    ])

    public init(json: JSONValue) throws(JSONShapeError) {
        self = try Self.fields.parse(json)
    }
}

/// A new key: its secret is shown this once.
public struct CreatedKey: Sendable {
    public var key: String
    public var info: KeyInfo
}

extension AgenticClient {
    /// `POST /keys` (admin): a new key of `scope`, for `tenant` (an admin of the default tenant may
    /// name another), optionally expiring and with its own rate limit.
    public func createKey(
        name: String, scope: Scope, tenant: String? = nil, expiresAt: Timestamp? = nil, rateLimit: RateLimit? = nil
    ) async throws -> CreatedKey {
        var body: JSONObject = ["name": .string(name), "scope": .string(scope.rawValue)]
        if let tenant { body["tenant"] = .string(tenant) }
        if let expiresAt { body["expires_at"] = .string(expiresAt.description) }
        if let rateLimit {
            body["rate_limit"] = ["requests_per_second": .double(rateLimit.requestsPerSecond), "burst": .int(rateLimit.burst)]
        }
        let json = try await call(.POST, "/api/v1/keys", json: .object(body))
        guard let secret = json["key"]?.stringValue else { throw JSONShapeError(path: "key", message: "is missing") }
        return CreatedKey(key: secret, info: try KeyInfo(json: json))
    }

    /// `GET /keys` (admin): the tenant's keys.
    public func keys() async throws -> [KeyInfo] {
        try (try await call(.GET, "/api/v1/keys")["data"]?.arrayValue ?? []).map { try KeyInfo(json: $0) }
    }

    /// `DELETE /keys/{id}` (admin): the key stops working on the next request, on every instance.
    public func revokeKey(_ id: UUID) async throws {
        try await call(.DELETE, "/api/v1/keys/\(id.lowercased)")
    }
}
