import AgenticCore
import Foundation
import SQLiteNIO

/// Webhooks on SQLite: `types` and `hosts` are JSON arrays of text; the single writer makes every
/// claim exclusive without row locks.
extension SQLiteTransaction {
    static let webhookColumns = "webhook_id, tenant, url, types, secret, created_at"
    static let deliveryColumns = """
        delivery_id, tenant, webhook_id, event_id, event_type, resource_key, state, attempts, next_attempt_at, last_attempt_at,
        last_status, last_error, delivered_at, expires_at, created_at
        """

    public func insertWebhook(_ webhook: Webhook) async throws {
        try await run(
            "INSERT INTO webhooks (\(Self.webhookColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            [.uuid(webhook.id), .text(webhook.tenant), .text(webhook.url), .text(JSONValue.array(webhook.types.map(JSONValue.string)).description),
             .text(webhook.secret), .time(webhook.createdAt)])
    }

    public func webhook(_ id: UUID, tenant: String) async throws -> Webhook? {
        try await run("SELECT \(Self.webhookColumns) FROM webhooks WHERE webhook_id = ?1 AND tenant = ?2", [.uuid(id), .text(tenant)])
            .first.map(Self.webhookRow)
    }

    public func webhooks(tenant: String) async throws -> [Webhook] {
        try await run(
            "SELECT \(Self.webhookColumns) FROM webhooks WHERE tenant = ?1 ORDER BY created_at DESC, webhook_id DESC", [.text(tenant)]
        ).map(Self.webhookRow)
    }

    public func deleteWebhook(_ id: UUID, tenant: String) async throws {
        try await run("DELETE FROM webhook_deliveries WHERE webhook_id = ?1 AND tenant = ?2", [.uuid(id), .text(tenant)])
        try await run("DELETE FROM webhooks WHERE webhook_id = ?1 AND tenant = ?2", [.uuid(id), .text(tenant)])
    }

    public func webhookAllowedHosts(tenant: String) async throws -> WebhookAllowedHosts {
        guard let row = try await run("SELECT hosts, updated_at FROM webhook_allowed_hosts WHERE tenant = ?1", [.text(tenant)]).first else {
            return WebhookAllowedHosts(hosts: [], updatedAt: nil)
        }
        return WebhookAllowedHosts(hosts: try Self.strings(row.json("hosts")), updatedAt: try row.timestamp("updated_at"))
    }

    public func putWebhookAllowedHosts(_ hosts: WebhookAllowedHosts, tenant: String) async throws {
        try await run(
            """
            INSERT INTO webhook_allowed_hosts (tenant, hosts, updated_at) VALUES (?1, ?2, ?3)
            ON CONFLICT (tenant) DO UPDATE SET hosts = excluded.hosts, updated_at = excluded.updated_at
            """, [.text(tenant), .text(JSONValue.array(hosts.hosts.map(JSONValue.string)).description), .time(hosts.updatedAt ?? .now())])
    }

    public func webhookDeliveries(of webhook: UUID, tenant: String, limit: Int, cursor: Cursor?) async throws -> [WebhookDelivery] {
        var sql = "SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE webhook_id = ?1 AND tenant = ?2"
        var binds: [SQLiteData] = [.uuid(webhook), .text(tenant), .int(Int64(limit + 1))]
        if let cursor {
            sql += " AND (created_at, delivery_id) < (?4, ?5)"
            binds += [.time(cursor.createdAt), .uuid(cursor.id)]
        }
        sql += " ORDER BY created_at DESC, delivery_id DESC LIMIT ?3"
        return try await run(sql, binds).map(Self.deliveryRow)
    }

    public func webhookDelivery(_ id: UUID, of webhook: UUID, tenant: String) async throws -> WebhookDelivery? {
        try await run(
            "SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE delivery_id = ?1 AND webhook_id = ?2 AND tenant = ?3",
            [.uuid(id), .uuid(webhook), .text(tenant)]
        ).first.map(Self.deliveryRow)
    }

    public func claimedWebhookDelivery(_ id: UUID, claim: UUID) async throws -> (tenant: String, delivery: WebhookDelivery)? {
        guard let row = try await run(
            "SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE delivery_id = ?1 AND claim = ?2", [.uuid(id), .uuid(claim)]
        ).first else { return nil }
        return (tenant: try row.text("tenant"), delivery: try Self.deliveryRow(row))
    }

    public func updateWebhookDelivery(_ d: WebhookDelivery) async throws {
        try await run(
            """
            UPDATE webhook_deliveries SET state = ?2, attempts = ?3, next_attempt_at = ?4, last_attempt_at = ?5, last_status = ?6,
                last_error = ?7, delivered_at = ?8, expires_at = ?9, claim = NULL, claimed_until = NULL
            WHERE delivery_id = ?1
            """,
            [.uuid(d.id), .text(d.state.rawValue), .int(d.attempts), .time(d.nextAttemptAt), .time(d.lastAttemptAt),
             d.lastStatus.map { SQLiteData.int($0) } ?? SQLiteData.null, d.lastError.map { SQLiteData.text($0) } ?? SQLiteData.null, .time(d.deliveredAt), .time(d.expiresAt)])
    }

    public func claimDueWebhookDeliveries(at now: Timestamp, limit: Int, until: Timestamp, claim: UUID) async throws
        -> [(tenant: String, delivery: WebhookDelivery)]
    {
        try await run(
            """
            UPDATE webhook_deliveries SET claim = ?3, claimed_until = ?4
            WHERE delivery_id IN (
                SELECT d.delivery_id FROM webhook_deliveries d
                WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 AND (d.claimed_until IS NULL OR d.claimed_until < ?1)
                  AND NOT EXISTS (
                    SELECT 1 FROM webhook_deliveries e
                    WHERE e.webhook_id = d.webhook_id AND e.resource_key = d.resource_key AND e.state = 'pending' AND e.event_id < d.event_id)
                ORDER BY d.next_attempt_at LIMIT ?2)
            RETURNING \(Self.deliveryColumns)
            """, [.time(now), .int(Int64(limit)), .uuid(claim), .time(until)]
        ).map { (tenant: try $0.text("tenant"), delivery: try Self.deliveryRow($0)) }
    }

    public func deleteFinishedWebhookDeliveries(before cutoff: Timestamp) async throws -> Int {
        try await run(
            "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < ?1 RETURNING delivery_id", [.time(cutoff)]
        ).count
    }

    public func event(_ id: Int64, tenant: String) async throws -> Event? {
        try await run("SELECT \(TableColumns.event) FROM events WHERE event_id = ?1 AND tenant = ?2", [.int(id), .text(tenant)])
            .first.map(SQLiteColumns.eventRow)
    }

    /// The outbox half of `appendEvents`: a delivery per matching webhook of the tenant for the
    /// event just appended at `eventID`.
    func enqueueDeliveries(
        for draft: EventDraft, eventID: Int64, webhooks: [Webhook], tenant: String, at now: Timestamp
    ) async throws {
        for webhook in webhooks where webhook.filter.matches(draft.type) {
            try await run(
                """
                INSERT INTO webhook_deliveries (delivery_id, tenant, webhook_id, event_id, event_type, resource_key, state, attempts,
                    next_attempt_at, expires_at, created_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8, ?7)
                """,
                [.uuid(UUID()), .text(tenant), .uuid(webhook.id), .int(eventID), .text(draft.type),
                 .text(draft.resourceID?.lowercased ?? ""), .time(now), .time(now.adding(seconds: WebhookDelivery.lifetimeSeconds))])
        }
    }

    static func webhookRow(_ row: SQLiteRow) throws -> Webhook {
        Webhook(
            tenant: try row.text("tenant"), id: try row.uuid("webhook_id"), url: try row.text("url"), types: try strings(row.json("types")),
            secret: try row.text("secret"), createdAt: try row.timestamp("created_at"))
    }

    static func deliveryRow(_ row: SQLiteRow) throws -> WebhookDelivery {
        let key = try row.text("resource_key")
        guard let state = WebhookDelivery.State(rawValue: try row.text("state")) else {
            throw AgenticError.internal("a webhook delivery has an unknown state")
        }
        return WebhookDelivery(
            id: try row.uuid("delivery_id"), webhookID: try row.uuid("webhook_id"), eventID: try row.int("event_id"),
            eventType: try row.text("event_type"), resourceID: key.isEmpty ? nil : UUID(uuidString: key), state: state,
            attempts: try row.int("attempts"), nextAttemptAt: try row.optionalTimestamp("next_attempt_at"),
            lastAttemptAt: try row.optionalTimestamp("last_attempt_at"), lastStatus: try row.optionalInt("last_status"),
            lastError: try row.optionalText("last_error"), deliveredAt: try row.optionalTimestamp("delivered_at"),
            expiresAt: try row.timestamp("expires_at"), createdAt: try row.timestamp("created_at"))
    }

    static func strings(_ value: JSONValue) throws -> [String] {
        guard case .array(let items) = value else { throw AgenticError.internal("a stored list is not an array") }
        return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
    }
}
