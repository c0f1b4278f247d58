import AgenticCore
import Foundation
import NIOHTTP1

/// A resource the client can create, read, update, delete and list: agents, goals, plans, tasks.
public protocol ClientResource: Sendable {
    static var kind: ResourceKind { get }
    init(json: JSONValue, tenant: String) throws(JSONShapeError)
}

extension Agent: ClientResource { public static var kind: ResourceKind { .agent } }
extension Goal: ClientResource { public static var kind: ResourceKind { .goal } }
extension Plan: ClientResource { public static var kind: ResourceKind { .plan } }
extension PlanTask: ClientResource { public static var kind: ResourceKind { .task } }

/// One page of a list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Pass as `cursor` for the next page; nil on the last.
    public var nextCursor: String?
}

/// Filters and paging of a list call.
public struct ListOptions: Sendable {
    public var limit: Int?
    public var cursor: String?
    /// `status`, `agent_id`, `agent_type`, `goal_id`, `plan_id`, as the collection allows.
    public var filters: [String: String]

    public init(limit: Int? = nil, cursor: String? = nil, filters: [String: String] = [:]) {
        self.limit = limit
        self.cursor = cursor
        self.filters = filters
    }

    var query: String {
        var pairs: [(String, String)] = filters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let limit { pairs.append(("limit", String(limit))) }
        if let cursor { pairs.append(("cursor", cursor)) }
        return QueryString.encode(pairs)
    }
}

enum QueryString {
    static func encode(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+,")
        return "?" + pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
    }
}

extension AgenticClient {
    func decode<R: ClientResource>(_ type: R.Type, _ json: JSONValue) throws -> R {
        try R(json: json, tenant: ApiKey.defaultTenant)
    }

    /// `POST /{kind}`: creates a resource from its JSON fields (see the API reference).
    public func create<R: ClientResource>(_ type: R.Type, _ fields: JSONObject, idempotencyKey: String? = nil) async throws -> R {
        let headers = idempotencyKey.map { [("Idempotency-Key", $0)] } ?? []
        return try decode(type, try await call(.POST, "/api/v1/\(R.kind.plural)", json: .object(fields), headers: headers))
    }

    /// `GET /{kind}/{id}`.
    public func get<R: ClientResource>(_ type: R.Type, _ id: UUID) async throws -> R {
        try decode(type, try await call(.GET, "/api/v1/\(R.kind.plural)/\(id.lowercased)"))
    }

    /// `PATCH /{kind}/{id}`: changes the fields named; with `ifMatch`, only if the version is still that.
    public func update<R: ClientResource>(_ type: R.Type, _ id: UUID, _ fields: JSONObject, ifMatch version: Int64? = nil) async throws -> R {
        let headers = version.map { [("If-Match", "\"\($0)\"")] } ?? []
        return try decode(type, try await call(.PATCH, "/api/v1/\(R.kind.plural)/\(id.lowercased)", json: .object(fields), headers: headers))
    }

    /// `DELETE /{kind}/{id}`.
    public func delete<R: ClientResource>(_ type: R.Type, _ id: UUID, ifMatch version: Int64? = nil) async throws {
        let headers = version.map { [("If-Match", "\"\($0)\"")] } ?? []
        try await call(.DELETE, "/api/v1/\(R.kind.plural)/\(id.lowercased)", headers: headers)
    }

    /// `GET /{kind}`: one page, newest first.
    public func list<R: ClientResource>(_ type: R.Type, _ options: ListOptions = ListOptions()) async throws -> Page<R> {
        let json = try await call(.GET, "/api/v1/\(R.kind.plural)" + options.query)
        let items = try (json["data"]?.arrayValue ?? []).map { try decode(type, $0) }
        return Page(items: items, nextCursor: json["next_cursor"]?.stringValue)
    }

    /// `POST /goals/{id}/cancel`, `/plans/{id}/cancel`, `/tasks/{id}/cancel`: ends it and what hangs below.
    public func cancel<R: ClientResource>(_ type: R.Type, _ id: UUID) async throws -> R {
        try decode(type, try await call(.POST, "/api/v1/\(R.kind.plural)/\(id.lowercased)/cancel"))
    }
}
