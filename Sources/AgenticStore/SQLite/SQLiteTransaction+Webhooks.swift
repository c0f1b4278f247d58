import AgenticCore
import Foundation
import SQLiteNIO

/// Webhooks on SQLite: `types` and `hosts` are JSON arrays of text; the single writer makes every
/// claim exclusive without row locks.
extension SQLiteTransaction {
    public func insertWebhook(_ webhook: Webhook) async throws {
        try await insert(webhook, with: SQLiteStatements.webhook)
    }

    public func webhook(_ id: UUID, tenant: String) async throws -> Webhook? {
        try await run(SQLiteStatements.webhook.selectByID, [.uuid(id), .text(tenant)]).first.map(SQLiteColumns.row)
    }

    public func webhooks(tenant: String) async throws -> [Webhook] {
        try await run(
            "SELECT \(SQLiteStatements.webhook.columns) FROM webhooks WHERE tenant = ?1 ORDER BY created_at DESC, webhook_id DESC",
            [.text(tenant)]
        ).map(SQLiteColumns.row)
    }

    public func deleteWebhook(_ id: UUID, tenant: String) async throws {
        try await run("DELETE FROM webhook_deliveries WHERE webhook_id = ?1 AND tenant = ?2", [.uuid(id), .text(tenant)])
        try await run(SQLiteStatements.webhook.delete, [.text(tenant), .uuid(id)])
    }

    public func webhookAllowedHosts(tenant: String) async throws -> WebhookAllowedHosts {
        guard let row = try await run("SELECT hosts, updated_at FROM webhook_allowed_hosts WHERE tenant = ?1", [.text(tenant)]).first else {
            return WebhookAllowedHosts(hosts: [], updatedAt: nil)
        }
        guard case .texts(let hosts) = try row.stored("hosts", .texts) else { throw AgenticError.internal("a stored allow-list is not a list") }
        return WebhookAllowedHosts(hosts: hosts, updatedAt: try row.timestamp("updated_at"))
    }

    public func putWebhookAllowedHosts(_ hosts: WebhookAllowedHosts, tenant: String) async throws {
        try await run(
            """
            INSERT INTO webhook_allowed_hosts (tenant, hosts, updated_at) VALUES (?1, ?2, ?3)
            ON CONFLICT (tenant) DO UPDATE SET hosts = excluded.hosts, updated_at = excluded.updated_at
            """, [.text(tenant), .strings(hosts.hosts), .time(hosts.updatedAt ?? .now())])
    }

    public func webhookDeliveries(of webhook: UUID, tenant: String, limit: Int, cursor: Cursor?) async throws -> [WebhookDelivery] {
        var sql = "SELECT \(SQLiteStatements.delivery.columns) FROM webhook_deliveries WHERE webhook_id = ?1 AND tenant = ?2"
        var binds: [SQLiteData] = [.uuid(webhook), .text(tenant), .int(Int64(limit + 1))]
        if let cursor {
            sql += " AND (created_at, delivery_id) < (?4, ?5)"
            binds += [.time(cursor.createdAt), .uuid(cursor.id)]
        }
        sql += " ORDER BY created_at DESC, delivery_id DESC LIMIT ?3"
        return try await run(sql, binds).map(SQLiteColumns.row)
    }

    public func webhookDelivery(_ id: UUID, of webhook: UUID, tenant: String) async throws -> WebhookDelivery? {
        let delivery: WebhookDelivery? = try await run(SQLiteStatements.delivery.selectByID, [.uuid(id), .text(tenant)]).first.map(SQLiteColumns.row)
        return delivery?.webhookID == webhook ? delivery : nil
    }

    public func claimedWebhookDelivery(_ id: UUID, claim: UUID) async throws -> WebhookDelivery? {
        try await run(
            "SELECT \(SQLiteStatements.delivery.columns) FROM webhook_deliveries WHERE delivery_id = ?1 AND claim = ?2", [.uuid(id), .uuid(claim)]
        ).first.map(SQLiteColumns.row)
    }

    public func updateWebhookDelivery(_ d: WebhookDelivery) async throws {
        try await update(d, with: SQLiteStatements.delivery)
    }

    public func claimDueWebhookDeliveries(at now: Timestamp, limit: Int, until: Timestamp, claim: UUID) async throws -> [WebhookDelivery] {
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
            RETURNING \(SQLiteStatements.delivery.columns)
            """, [.time(now), .int(Int64(limit)), .uuid(claim), .time(until)]
        ).map(SQLiteColumns.row)
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
            let delivery = WebhookDelivery.pending(to: webhook, eventID: eventID, type: draft.type, resource: draft.resourceID, at: now)
            try await insert(delivery, with: SQLiteStatements.delivery)
        }
    }
}
