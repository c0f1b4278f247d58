import AgenticCore
import Foundation

/// Webhooks: a tenant's events POSTed to URLs of its admins' choosing. Every event a webhook's
/// `types` match gets a delivery row in the transaction that appends it (an outbox), so a
/// committed event is never missed; the delivery workers of every instance claim due deliveries in
/// the database with a short lease, so a crashed instance's claims pass to another.
public protocol WebhookStore: Sendable {
    /// Creates a webhook; its host must be on the tenant's allow-list (else a 422 naming `url`).
    /// The answer carries the secret (generated when the draft has none).
    func createWebhook(_ webhook: Webhook, by caller: Caller) async throws -> Webhook
    func webhook(_ id: UUID, tenant: String) async throws -> Webhook
    /// The tenant's webhooks, newest first (at most `Webhook.maxPerTenant`).
    func listWebhooks(tenant: String) async throws -> [Webhook]
    /// Deletes a webhook and its deliveries.
    func deleteWebhook(_ id: UUID, by caller: Caller) async throws
    /// A webhook's deliveries, newest event first.
    func webhookDeliveries(of webhook: UUID, limit: Int, cursor: Cursor?, tenant: String) async throws -> Page<WebhookDelivery>
    /// Makes a delivery due now again (whatever its state), with another 24 hours to succeed.
    func redeliver(_ delivery: UUID, of webhook: UUID, by caller: Caller) async throws -> WebhookDelivery
    func allowedWebhookHosts(tenant: String) async throws -> WebhookAllowedHosts
    /// Replaces the allow-list; deliveries to hosts no longer on it fail from their next attempt.
    func setAllowedWebhookHosts(_ hosts: [String], by caller: Caller) async throws -> WebhookAllowedHosts
    /// Claims up to `limit` due deliveries of any tenant for `leaseSeconds`: pending, their time
    /// come, not claimed by a live claim, and no earlier delivery of the same webhook and resource
    /// still pending (so each resource's events arrive in order).
    func claimWebhookDeliveries(limit: Int, leaseSeconds: Double) async throws -> [WebhookJob]
    /// Records an attempt's outcome, unless the claim was lost meanwhile (its lease ran out and
    /// another worker took it): delivered, or due again after a backoff, or failed for good once
    /// the next attempt would come after `expires_at`.
    func finishWebhookDelivery(_ job: WebhookJob, _ outcome: WebhookOutcome) async throws
    /// Deletes delivered and failed deliveries made before `cutoff` (the event retention), of any
    /// tenant; returns how many.
    func pruneWebhookDeliveries(before cutoff: Timestamp) async throws -> Int
}
