import AgenticCore
import Foundation

extension EventType {
    public static let webhookCreated = "webhook.created"
    public static let webhookDeleted = "webhook.deleted"
    public static let webhookHostsUpdated = "webhook.allowed_hosts.updated"
}

extension TransactionalStore {
    public func createWebhook(_ new: Webhook, by caller: Caller) async throws -> Webhook {
        try await write { tx in
            let now = clock.now()
            var webhook = new
            webhook.tenant = caller.tenant
            webhook.createdAt = now
            // The allow-list is read in the transaction that inserts, so a host removed meanwhile
            // cannot slip in (its change serialises with this one).
            try await tx.serialize(.settings(tenant: caller.tenant))
            let allowed = try await tx.webhookAllowedHosts(tenant: caller.tenant)
            guard WebhookHosts.allows(webhook.host, in: allowed.hosts) else {
                throw AgenticError.validation(
                    field: "url", "its host `\(webhook.host)` is not on the tenant's allow-list (PUT /api/v1/webhooks/allowed-hosts)")
            }
            let existing = try await tx.webhooks(tenant: caller.tenant)
            guard existing.count < Webhook.maxPerTenant else {
                throw AgenticError.conflict(AgenticError.Code("webhook_limit_reached"), "A tenant may have at most \(Webhook.maxPerTenant) webhooks")
            }
            if existing.contains(where: { $0.id == webhook.id }) {
                throw AgenticError.conflict(.alreadyExists, "A webhook with this webhook_id already exists")
            }
            try await tx.insertWebhook(webhook)
            var log = ChangeLog()
            log.record(EventType.webhookCreated, webhook)
            try await tx.commit(log, by: caller, at: now)
            return webhook
        }
    }

    public func webhook(_ id: UUID, tenant: String) async throws -> Webhook {
        try await read { tx in
            guard let webhook = try await tx.webhook(id, tenant: tenant) else { throw AgenticError.webhookNotFound(id) }
            return webhook
        }
    }

    public func listWebhooks(tenant: String) async throws -> [Webhook] {
        try await read { tx in try await tx.webhooks(tenant: tenant) }
    }

    public func deleteWebhook(_ id: UUID, by caller: Caller) async throws {
        try await write { tx in
            guard let webhook = try await tx.webhook(id, tenant: caller.tenant) else { throw AgenticError.webhookNotFound(id) }
            try await tx.deleteWebhook(id, tenant: caller.tenant)
            var log = ChangeLog()
            log.record(EventType.webhookDeleted, webhook)
            try await tx.commit(log, by: caller, at: clock.now())
        }
    }

    public func webhookDeliveries(of webhook: UUID, limit: Int, cursor: Cursor?, tenant: String) async throws -> Page<WebhookDelivery> {
        try await read { tx in
            guard try await tx.webhook(webhook, tenant: tenant) != nil else { throw AgenticError.webhookNotFound(webhook) }
            let rows = try await tx.webhookDeliveries(of: webhook, tenant: tenant, limit: limit, cursor: cursor)
            return Page(fetched: rows, limit: limit) { Cursor(createdAt: $0.createdAt, id: $0.id) }
        }
    }

    public func redeliver(_ delivery: UUID, of webhook: UUID, by caller: Caller) async throws -> WebhookDelivery {
        try await write { tx in
            guard try await tx.webhook(webhook, tenant: caller.tenant) != nil else { throw AgenticError.webhookNotFound(webhook) }
            guard var row = try await tx.webhookDelivery(delivery, of: webhook, tenant: caller.tenant) else {
                throw AgenticError(code: .notFound, status: 404, detail: "Delivery \(delivery.lowercased) of webhook \(webhook.lowercased) was not found")
            }
            let now = clock.now()
            row.state = .pending
            row.nextAttemptAt = now
            row.expiresAt = max(row.expiresAt, now.adding(seconds: WebhookDelivery.lifetimeSeconds))
            try await tx.updateWebhookDelivery(row)
            return row
        }
    }

    public func allowedWebhookHosts(tenant: String) async throws -> WebhookAllowedHosts {
        try await read { tx in try await tx.webhookAllowedHosts(tenant: tenant) }
    }

    public func setAllowedWebhookHosts(_ hosts: [String], by caller: Caller) async throws -> WebhookAllowedHosts {
        try await write { tx in
            let now = clock.now()
            try await tx.serialize(.settings(tenant: caller.tenant))
            let allowed = WebhookAllowedHosts(hosts: hosts, updatedAt: now)
            try await tx.putWebhookAllowedHosts(allowed, tenant: caller.tenant)
            var log = ChangeLog()
            log.record(EventType.webhookHostsUpdated, data: allowed)
            try await tx.commit(log, by: caller, at: now)
            return allowed
        }
    }

    public func claimWebhookDeliveries(limit: Int, leaseSeconds: Double) async throws -> [WebhookJob] {
        try await write { tx in
            let now = clock.now()
            let claim = UUID()
            let claimed = try await tx.claimDueWebhookDeliveries(at: now, limit: limit, until: now.adding(seconds: leaseSeconds), claim: claim)
            var jobs: [WebhookJob] = []
            var webhooks: [UUID: Webhook] = [:]
            var hosts: [String: [String]] = [:]
            for delivery in claimed {
                let tenant = delivery.tenant
                if webhooks[delivery.webhookID] == nil { webhooks[delivery.webhookID] = try await tx.webhook(delivery.webhookID, tenant: tenant) }
                if hosts[tenant] == nil { hosts[tenant] = try await tx.webhookAllowedHosts(tenant: tenant).hosts }
                // Deliveries go with their webhook: one never outlives it.
                guard let webhook = webhooks[delivery.webhookID] else { continue }
                let body = try await tx.event(delivery.eventID, tenant: tenant)?.jsonBytes()
                jobs.append(
                    WebhookJob(
                        delivery: delivery, url: webhook.url, secret: webhook.secret, allowedHosts: hosts[tenant] ?? [],
                        body: body, claim: claim))
            }
            return jobs
        }
    }

    public func finishWebhookDelivery(_ job: WebhookJob, _ outcome: WebhookOutcome) async throws {
        try await write { tx in
            guard var delivery = try await tx.claimedWebhookDelivery(job.delivery.id, claim: job.claim) else { return }
            let now = clock.now()
            delivery.attempts += 1
            delivery.lastAttemptAt = now
            switch outcome {
            case .delivered(let status):
                delivery.state = .delivered
                delivery.deliveredAt = now
                delivery.nextAttemptAt = nil
                delivery.lastStatus = status
                delivery.lastError = nil
            case .failed(let status, let error):
                delivery.lastStatus = status
                delivery.lastError = String(String.UnicodeScalarView(error.unicodeScalars.prefix(WebhookDelivery.maxErrorLength)))
                let next = now.adding(seconds: WebhookDelivery.backoffSeconds(afterAttempts: delivery.attempts))
                if next > delivery.expiresAt {
                    delivery.state = .failed
                    delivery.nextAttemptAt = nil
                } else {
                    delivery.nextAttemptAt = next
                }
            }
            try await tx.updateWebhookDelivery(delivery)
        }
    }
}

extension TransactionalStore {
    public func pruneWebhookDeliveries(before cutoff: Timestamp) async throws -> Int {
        try await write { tx in try await tx.deleteFinishedWebhookDeliveries(before: cutoff) }
    }
}

extension AgenticError {
    static func webhookNotFound(_ id: UUID) -> AgenticError {
        AgenticError(code: .notFound, status: 404, detail: "Webhook \(id.lowercased) was not found")
    }
}
