import AgenticCore
import Foundation
import PostgresNIO

/// Webhooks on PostgreSQL. Deliveries are claimed `FOR UPDATE SKIP LOCKED`, so instances sharing
/// the database never take the same one; the outbox rows are written by `Prepared.EnqueueDeliveries`
/// in the statement that appends the events.
extension PostgresTransaction {
    /// Sent at once (not held), so the events of the same change already see the webhook.
    public func insertWebhook(_ webhook: Webhook) async throws {
        _ = try await execute(Prepared.Insert(object: webhook))
    }

    public func webhook(_ id: UUID, tenant: String) async throws -> Webhook? {
        try await byID(id, tenant: tenant, lock: .none)
    }

    public func webhooks(tenant: String) async throws -> [Webhook] {
        try await rows(
            """
            SELECT \(unescaped: PostgresStatements.webhook.columns) FROM webhooks WHERE tenant = \(tenant)
            ORDER BY created_at DESC, webhook_id DESC
            """
        ).map(PostgresColumns.row)
    }

    public func deleteWebhook(_ id: UUID, tenant: String) async throws {
        try await deleteRow(PostgresStatements.webhook, id: id, tenant: tenant)
    }

    public func webhookAllowedHosts(tenant: String) async throws -> WebhookAllowedHosts {
        guard let row = try await rows("SELECT hosts, updated_at FROM webhook_allowed_hosts WHERE tenant = \(tenant)").first else {
            return WebhookAllowedHosts(hosts: [], updatedAt: nil)
        }
        return WebhookAllowedHosts(hosts: try row.get("hosts", as: [String].self), updatedAt: try row.get("updated_at", as: Timestamp.self))
    }

    public func putWebhookAllowedHosts(_ hosts: WebhookAllowedHosts, tenant: String) async throws {
        let updatedAt = hosts.updatedAt ?? .now()
        try await run(
            """
            INSERT INTO webhook_allowed_hosts (tenant, hosts, updated_at) VALUES (\(tenant), \(hosts.hosts), \(updatedAt))
            ON CONFLICT (tenant) DO UPDATE SET hosts = excluded.hosts, updated_at = excluded.updated_at
            """)
    }

    public func webhookDeliveries(of webhook: UUID, tenant: String, limit: Int, cursor: Cursor?) async throws -> [WebhookDelivery] {
        let fetch = Int64(limit + 1)
        let columns = PostgresStatements.delivery.columns
        if let cursor {
            return try await rows(
                """
                SELECT \(unescaped: columns) FROM webhook_deliveries
                WHERE webhook_id = \(webhook) AND tenant = \(tenant) AND (created_at, delivery_id) < (\(cursor.createdAt), \(cursor.id))
                ORDER BY created_at DESC, delivery_id DESC LIMIT \(fetch)
                """
            ).map(PostgresColumns.row)
        }
        return try await rows(
            """
            SELECT \(unescaped: columns) FROM webhook_deliveries WHERE webhook_id = \(webhook) AND tenant = \(tenant)
            ORDER BY created_at DESC, delivery_id DESC LIMIT \(fetch)
            """
        ).map(PostgresColumns.row)
    }

    public func webhookDelivery(_ id: UUID, of webhook: UUID, tenant: String) async throws -> WebhookDelivery? {
        let delivery: WebhookDelivery? = try await byID(id, tenant: tenant, lock: .update)
        return delivery?.webhookID == webhook ? delivery : nil
    }

    public func claimedWebhookDelivery(_ id: UUID, claim: UUID) async throws -> WebhookDelivery? {
        try await rows(
            """
            SELECT \(unescaped: PostgresStatements.delivery.columns) FROM webhook_deliveries
            WHERE delivery_id = \(id) AND claim = \(claim) FOR UPDATE
            """
        ).first.map(PostgresColumns.row)
    }

    public func updateWebhookDelivery(_ d: WebhookDelivery) async throws {
        _ = try await execute(Prepared.Update(object: d))
    }

    public func claimDueWebhookDeliveries(at now: Timestamp, limit: Int, until: Timestamp, claim: UUID) async throws -> [WebhookDelivery] {
        try await rows(
            """
            UPDATE webhook_deliveries SET claim = \(claim), claimed_until = \(until)
            WHERE delivery_id IN (
                SELECT d.delivery_id FROM webhook_deliveries d
                WHERE d.state = 'pending' AND d.next_attempt_at <= \(now) AND (d.claimed_until IS NULL OR d.claimed_until < \(now))
                  AND NOT EXISTS (
                    SELECT 1 FROM webhook_deliveries e
                    WHERE e.webhook_id = d.webhook_id AND e.resource_key = d.resource_key AND e.state = 'pending' AND e.event_id < d.event_id)
                ORDER BY d.next_attempt_at LIMIT \(Int64(limit))
                FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: PostgresStatements.delivery.columns)
            """
        ).map(PostgresColumns.row)
    }

    public func deleteFinishedWebhookDeliveries(before cutoff: Timestamp) async throws -> Int {
        let rows = try await rows(
            """
            WITH gone AS (DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < \(cutoff) RETURNING 1)
            SELECT count(*) AS n FROM gone
            """)
        return Int(try rows.first?.get("n", as: Int64.self) ?? 0)
    }

    public func event(_ id: Int64, tenant: String) async throws -> Event? {
        try await rows("SELECT \(unescaped: PostgresColumns.event) FROM events WHERE event_id = \(id) AND tenant = \(tenant)")
            .first.map(PostgresColumns.eventRow)
    }
}

extension Prepared {
    /// The outbox half of `AppendEvents`, bound with the same values so it forms the same event
    /// ids: a pending delivery for each event and each of the tenant's webhooks whose `types` hold
    /// its type, or a prefix of it ending in `.`.
    struct EnqueueDeliveries: ComposableWrite {
        static let sql = """
            INSERT INTO webhook_deliveries (delivery_id, tenant, webhook_id, event_id, event_type, resource_key, state, attempts,
                next_attempt_at, expires_at, created_at)
            SELECT gen_random_uuid(), $2, w.webhook_id, (pg_current_xact_id()::text::bigint << 20) + $1 + u.ord, u.type, u.rid, 'pending', 0,
                $3, $4, $3
            FROM unnest($5::text[], $6::text[]) WITH ORDINALITY AS u(type, rid, ord)
            JOIN webhooks w ON w.tenant = $2
            WHERE EXISTS (SELECT 1 FROM unnest(w.types) AS p(t) WHERE p.t = u.type OR (right(p.t, 1) = '.' AND left(u.type, length(p.t)) = p.t))
            """
        let base: Int64
        let tenant: String
        let now: Timestamp
        let types: [String]
        let resources: [String]

        func bind(into b: inout PostgresBindings) {
            b.append(base)
            b.append(tenant)
            b.append(now)
            b.append(now.adding(seconds: WebhookDelivery.lifetimeSeconds))
            b.append(types)
            b.append(resources)
        }
    }
}
