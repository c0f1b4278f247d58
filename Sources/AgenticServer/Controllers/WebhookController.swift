import AgenticCore
import AgenticStore
import Foundation
import Hummingbird

/// `/webhooks`: only an admin reads or changes them — a webhook sends the tenant's events out of
/// the system, and its deliveries say where to. The secret is in the create answer only.
struct WebhookController<S: WebhookStore>: Sendable {
    let store: S

    func register(_ routes: RouteRegistrar) {
        routes.admin.post("/api/v1/webhooks") { request, context in
            let new = try Webhook.create(try await request.requiredJSONBody())
            let caller = try context.caller
            return try await respond({ try await store.createWebhook(new, by: caller) }, carriesSecret: true) { webhook in
                JSONResponse.make(webhook.createdJSON, status: .created, headers: [.location: "/api/v1/webhooks/\(webhook.id.lowercased)"])
            }
        }
        routes.admin.get("/api/v1/webhooks") { request, context in
            if let (name, _) = request.queryPairs.first {
                throw AgenticError.validation(field: name, "is not a parameter of /webhooks, which takes none")
            }
            return JSONResponse.list(try await store.listWebhooks(tenant: try context.principal.tenant))
        }
        routes.admin.get("/api/v1/webhooks/allowed-hosts") { request, context in
            if let (name, _) = request.queryPairs.first {
                throw AgenticError.validation(field: name, "is not a parameter of /webhooks/allowed-hosts, which takes none")
            }
            return JSONResponse.make(try await store.allowedWebhookHosts(tenant: try context.principal.tenant).jsonBytes())
        }
        routes.admin.on(.put, "/api/v1/webhooks/allowed-hosts") { request, context in
            let hosts = try WebhookHosts.read(try await request.requiredJSONBody())
            return JSONResponse.make(try await store.setAllowedWebhookHosts(hosts, by: try context.caller).jsonBytes())
        }
        routes.admin.get("/api/v1/webhooks/:id") { _, context in
            JSONResponse.make(try await store.webhook(try context.id(), tenant: try context.principal.tenant).jsonBytes())
        }
        routes.admin.delete("/api/v1/webhooks/:id") { _, context in
            try await store.deleteWebhook(try context.id(), by: try context.caller)
            return JSONResponse.noContent
        }
        routes.admin.get("/api/v1/webhooks/:id/deliveries") { request, context in
            let (limit, cursor) = try Self.page(request.queryPairs)
            return JSONResponse.page(
                try await store.webhookDeliveries(of: try context.id(), limit: limit, cursor: cursor, tenant: try context.principal.tenant))
        }
        routes.admin.post("/api/v1/webhooks/:id/deliveries/:delivery_id/redeliver") { _, context in
            let (delivery, webhook, caller) = (try context.id("delivery_id"), try context.id(), try context.caller)
            return try await respond({ try await store.redeliver(delivery, of: webhook, by: caller) }) { JSONResponse.make($0.jsonBytes()) }
        }
    }

    /// `?limit=` (1–200, default 50) and `?cursor=`, nothing else.
    static func page(_ parameters: [(String, String)]) throws -> (Int, Cursor?) {
        var limit = Limits.defaultPageSize
        var cursor: Cursor?
        var errors: [FieldError] = []
        for (name, value) in parameters {
            switch name {
            case "limit":
                if let n = Int(value), (1...Limits.maxPageSize).contains(n) { limit = n } else {
                    errors.append(FieldError(field: "limit", message: "must be an integer between 1 and \(Limits.maxPageSize)"))
                }
            case "cursor":
                if let parsed = Cursor(encoded: value) { cursor = parsed } else {
                    errors.append(FieldError(field: "cursor", message: "is not a cursor returned by this API"))
                }
            default:
                errors.append(FieldError(field: name, message: "is not a parameter of deliveries; use limit or cursor"))
            }
        }
        if !errors.isEmpty { throw AgenticError.validation(errors) }
        return (limit, cursor)
    }
}
