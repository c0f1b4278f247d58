import AgenticCore
import AgenticStore
import Foundation
import Hummingbird

/// `POST/GET/DELETE /keys`, registered as admin routes, and `GET /whoami` for any key. An admin of the default tenant may create keys
/// for any tenant (naming a new one creates it) and see or revoke any key; other admins stay in their
/// tenant.
struct KeyController<S: KeyStore>: Sendable {
    let store: S
    let authenticator: KeyAuthenticator

    func register(_ routes: RouteRegistrar) {
        routes.admin.post("/api/v1/keys", use: create)
        routes.admin.get("/api/v1/keys", use: list)
        routes.admin.delete("/api/v1/keys/:id", use: revoke)
        routes.read.get("/api/v1/whoami", use: whoami)
    }

    /// `GET /whoami`: the calling key's id, tenant, scope and rate limit — what a client (the
    /// dashboard) needs to know which actions it may offer. Any key may ask about itself.
    @Sendable func whoami(_ request: Request, context: AppRequestContext) async throws -> any ResponseGenerator {
        if let (name, _) = request.queryPairs.first {
            throw AgenticError.validation(field: name, "is not a parameter of /whoami, which takes none")
        }
        let principal = try context.principal
        var w = JSONWriter()
        w.beginObject()
        w.key("key_id"); w.uuid(principal.keyID)
        w.key("tenant"); w.string(principal.tenant)
        w.key("scope"); w.string(principal.scope.rawValue)
        w.key("rate_limit")
        if let rateLimit = principal.rateLimit { rateLimit.write(to: &w) } else { w.null() }
        w.endObject()
        return JSONResponse.make(w.bytes)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> any ResponseGenerator {
        let principal = try context.principal
        let now = Timestamp.now()
        let draft = try KeyDraft.read(try await request.requiredJSONBody(), now: now)
        let tenant = draft.tenant ?? principal.tenant
        if tenant != principal.tenant, principal.tenant != ApiKey.defaultTenant {
            throw AgenticError(
                code: .forbidden, status: 403, detail: "Only an admin of the default tenant may create keys for another tenant")
        }
        let secret = KeyMaker.newSecret()
        let key = KeyMaker.record(
            secret: secret, name: draft.name, scope: draft.scope, tenant: tenant, expiresAt: draft.expiresAt,
            rateLimit: draft.rateLimit, now: now)
        return try await respond({ try await store.createKey(key) }, carriesSecret: true) { _ in Self.created(key, secret: secret) }
    }

    /// The one answer that shows the secret.
    static func created(_ key: ApiKey, secret: String) -> PreparedResponse {
        var w = JSONWriter()
        w.beginObject()
        w.key("key_id"); w.uuid(key.id)
        w.key("key"); w.string(secret)
        w.key("name"); w.string(key.name)
        w.key("scope"); w.string(key.scope.rawValue)
        w.key("tenant"); w.string(key.tenant)
        w.key("prefix"); w.string(key.prefix)
        w.key("expires_at"); w.timestamp(key.expiresAt)
        w.key("rate_limit")
        if let rateLimit = key.rateLimit { rateLimit.write(to: &w) } else { w.null() }
        w.key("created_at"); w.timestamp(key.createdAt)
        w.endObject()
        return JSONResponse.make(w.bytes, status: .created, headers: [.location: "/api/v1/keys/\(key.id.lowercased)"])
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> any ResponseGenerator {
        let principal = try context.principal
        var tenant: String? = principal.tenant
        for (name, value) in request.queryPairs {
            guard name == "tenant", principal.tenant == ApiKey.defaultTenant else {
                throw AgenticError.validation(field: name, "is not a parameter of /keys")
            }
            guard value == "*" || ApiKey.isValidTenant(value) else {
                throw AgenticError.validation(field: "tenant", "must be a tenant name or * for every tenant")
            }
            tenant = value == "*" ? nil : value
        }
        return JSONResponse.list(try await store.listKeys(tenant: tenant))
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> any ResponseGenerator {
        let principal = try context.principal
        let id = try context.id()
        let scope = principal.tenant == ApiKey.defaultTenant ? nil : principal.tenant
        guard try await store.revokeKey(id, tenant: scope, at: .now()) else {
            throw AgenticError(code: .notFound, status: 404, detail: "Key \(id.lowercased) was not found or is already revoked")
        }
        authenticator.forget(keyID: id)
        return JSONResponse.noContent
    }
}
