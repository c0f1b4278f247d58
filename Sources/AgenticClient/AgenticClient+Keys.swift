import AgenticCore
import Foundation
import NIOHTTP1

/// A key as the API shows it: never its secret, except once in `CreatedKey`.
public struct KeyInfo: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var scope: Scope
    public var tenant: String
    public var prefix: String
    public var expiresAt: Timestamp?
    public var rateLimit: RateLimit?
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?

    public init(json: JSONValue) throws(JSONShapeError) {
        let f = try JSONFields(json)
        id = try f.uuid("key_id")
        name = try f.string("name")
        scope = try f.enumeration("scope", Scope.self)
        tenant = try f.string("tenant")
        prefix = try f.string("prefix")
        expiresAt = try f.optionalTimestamp("expires_at")
        rateLimit = try f.object["rate_limit"].flatMap { value throws(JSONShapeError) in value.isNull ? nil : try RateLimit(json: value) }
        createdAt = try f.timestamp("created_at")
        revokedAt = try f.optionalTimestamp("revoked_at")
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
