import AgenticCore
import Foundation
import PostgresNIO

/// Webhooks on PostgreSQL. Deliveries are claimed `FOR UPDATE SKIP LOCKED`, so instances sharing
/// the database never take the same one; the outbox rows are written by `Prepared.EnqueueDeliveries`
/// in the statement that appends the events.
extension PostgresTransaction {
    static let webhookColumns = "webhook_id, tenant, url, types, secret, created_at"
    static let deliveryColumns = """
        delivery_id, tenant, webhook_id, event_id, event_type, resource_key, state, attempts, next_attempt_at, last_attempt_at,
        last_status, last_error, delivered_at, expires_at, created_at
        """

    /// Sent at once (not held), so the events of the same change already see the webhook.
    public func insertWebhook(_ webhook: Webhook) async throws {
        try await run(
            """
            INSERT INTO webhooks (webhook_id, tenant, url, types, secret, created_at)
            VALUES (\(webhook.id), \(webhook.tenant), \(webhook.url), \(webhook.types), \(webhook.secret), \(webhook.createdAt))
            """)
    }

    public func webhook(_ id: UUID, tenant: String) async throws -> Webhook? {
        try await rows("SELECT \(unescaped: Self.webhookColumns) FROM webhooks WHERE webhook_id = \(id) AND tenant = \(tenant)")
            .first.map(Self.webhookRow)
    }

    public func webhooks(tenant: String) async throws -> [Webhook] {
        try await rows(
            "SELECT \(unescaped: Self.webhookColumns) FROM webhooks WHERE tenant = \(tenant) ORDER BY created_at DESC, webhook_id DESC"
        ).map(Self.webhookRow)
    }

    public func deleteWebhook(_ id: UUID, tenant: String) async throws {
        try await run("DELETE FROM webhooks WHERE webhook_id = \(id) AND tenant = \(tenant)")
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
        if let cursor {
            return try await rows(
                """
                SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries
                WHERE webhook_id = \(webhook) AND tenant = \(tenant) AND (created_at, delivery_id) < (\(cursor.createdAt), \(cursor.id))
                ORDER BY created_at DESC, delivery_id DESC LIMIT \(fetch)
                """
            ).map(Self.deliveryRow)
        }
        return try await rows(
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries WHERE webhook_id = \(webhook) AND tenant = \(tenant)
            ORDER BY created_at DESC, delivery_id DESC LIMIT \(fetch)
            """
        ).map(Self.deliveryRow)
    }

    public func webhookDelivery(_ id: UUID, of webhook: UUID, tenant: String) async throws -> WebhookDelivery? {
        try await rows(
            """
            SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries
            WHERE delivery_id = \(id) AND webhook_id = \(webhook) AND tenant = \(tenant) FOR UPDATE
            """
        ).first.map(Self.deliveryRow)
    }

    public func claimedWebhookDelivery(_ id: UUID, claim: UUID) async throws -> (tenant: String, delivery: WebhookDelivery)? {
        guard let row = try await rows(
            "SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries WHERE delivery_id = \(id) AND claim = \(claim) FOR UPDATE"
        ).first else { return nil }
        return (tenant: try row.get("tenant", as: String.self), delivery: try Self.deliveryRow(row))
    }

    public func updateWebhookDelivery(_ d: WebhookDelivery) async throws {
        try await run(
            """
            UPDATE webhook_deliveries SET state = \(d.state.rawValue), attempts = \(d.attempts), next_attempt_at = \(d.nextAttemptAt),
                last_attempt_at = \(d.lastAttemptAt), last_status = \(d.lastStatus), last_error = \(d.lastError),
                delivered_at = \(d.deliveredAt), expires_at = \(d.expiresAt), claim = NULL, claimed_until = NULL
            WHERE delivery_id = \(d.id)
            """)
    }

    public func claimDueWebhookDeliveries(at now: Timestamp, limit: Int, until: Timestamp, claim: UUID) async throws
        -> [(tenant: String, delivery: WebhookDelivery)]
    {
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
            RETURNING \(unescaped: Self.deliveryColumns)
            """
        ).map { (tenant: try $0.get("tenant", as: String.self), delivery: try Self.deliveryRow($0)) }
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

    static func webhookRow(_ row: PostgresRandomAccessRow) throws -> Webhook {
        Webhook(
            tenant: try row.get("tenant"), id: try row.get("webhook_id"), url: try row.get("url"), types: try row.get("types"),
            secret: try row.get("secret"), createdAt: try row.get("created_at"))
    }

    static func deliveryRow(_ row: PostgresRandomAccessRow) throws -> WebhookDelivery {
        let key = try row.get("resource_key", as: String.self)
        guard let state = WebhookDelivery.State(rawValue: try row.get("state", as: String.self)) else {
            throw AgenticError.internal("a webhook delivery has an unknown state")
        }
        return WebhookDelivery(
            id: try row.get("delivery_id"), webhookID: try row.get("webhook_id"), eventID: try row.get("event_id"),
            eventType: try row.get("event_type"), resourceID: key.isEmpty ? nil : UUID(uuidString: key), state: state,
            attempts: try row.get("attempts"), nextAttemptAt: try row.get("next_attempt_at"), lastAttemptAt: try row.get("last_attempt_at"),
            lastStatus: try row.get("last_status"), lastError: try row.get("last_error"), deliveredAt: try row.get("delivered_at"),
            expiresAt: try row.get("expires_at"), createdAt: try row.get("created_at"))
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
