import Foundation

/// One event on its way to one webhook: written in the transaction that appends the event (an
/// outbox, so no committed event is ever missed), then attempted until it is delivered or its
/// time runs out (`expiresAt`, 24 hours after the event).
public struct WebhookDelivery: StoredObject, Equatable, JSONWritable {
    public enum State: String, Sendable, CaseIterable {
        /// Not delivered yet: waiting for `nextAttemptAt`, or for an earlier event of its resource.
        case pending
        case delivered
        /// Given up: 24 hours passed without a 2xx answer.
        case failed
    }

    public var id = UUID.unset
    /// The webhook's tenant (not part of its JSON).
    public var tenant = ""
    public var webhookID = UUID.unset
    public var eventID: Int64 = 0
    public var eventType = ""
    /// The event's resource as the order of deliveries is kept by: its id, or "" for an event of no
    /// resource (so that those compare equal too).
    public var resourceKey = ""
    public var state = State.pending
    public var attempts: Int64 = 0
    public var nextAttemptAt: Timestamp?
    public var lastAttemptAt: Timestamp?
    /// The HTTP status of the last attempt, when it got an answer.
    public var lastStatus: Int64?
    /// Why the last attempt failed, when it did.
    public var lastError: String?
    public var deliveredAt: Timestamp?
    public var expiresAt = Timestamp(microseconds: 0)
    public var createdAt = Timestamp(microseconds: 0)

    public init() {}

    public var resourceID: UUID? {
        get { UUID(uuidString: resourceKey) }
        set { resourceKey = newValue?.lowercased ?? "" }
    }

    public static let fields = ResourceDescription<WebhookDelivery>(
        table: "webhook_deliveries",
        [
            .init("delivery_id", \.id, .uuid, .server),
            .init("tenant", \.tenant, .text(max: Limits.maxIdentifierLength), .hidden),
            .init("webhook_id", \.webhookID, .uuid, .server),
            .init("event_id", \.eventID, .integer(0...Int64.max), .server),
            .init("event_type", \.eventType, .identifier, .server),
            .init("resource_key", \.resourceKey, .text(max: 36), .hidden),
            .init("resource_id", \.resourceID, FieldCodec<UUID?>.optional(.uuid).notStored, .server),
            .init("state", \.state, .enumeration(State.self), .server),
            .init("attempts", \.attempts, .integer(0...Int64.max), .server),
            .init("next_attempt_at", \.nextAttemptAt, .optional(.timestamp), .server),
            .init("last_attempt_at", \.lastAttemptAt, .optional(.timestamp), .server),
            .init("last_status", \.lastStatus, .optional(.integer(Int64.min...Int64.max)), .server),
            .init("last_error", \.lastError, .optional(.text(max: maxErrorLength)), .server),
            .init("delivered_at", \.deliveredAt, .optional(.timestamp), .server),
            .init("expires_at", \.expiresAt, .timestamp, .server),
            .init("created_at", \.createdAt, .timestamp, .server),
        ])

    /// A new delivery of an event to a webhook, due now.
    public static func pending(to webhook: Webhook, eventID: Int64, type: String, resource: UUID?, at now: Timestamp) -> WebhookDelivery {
        var delivery = WebhookDelivery()
        delivery.id = UUID()
        delivery.tenant = webhook.tenant
        delivery.webhookID = webhook.id
        delivery.eventID = eventID
        delivery.eventType = type
        delivery.resourceID = resource
        delivery.nextAttemptAt = now
        delivery.expiresAt = now.adding(seconds: lifetimeSeconds)
        delivery.createdAt = now
        return delivery
    }

    /// How long deliveries of an event are attempted.
    public static let lifetimeSeconds: Double = 24 * 3600

    /// The wait after the `attempts`-th failed attempt: 1 s, doubling, at most an hour.
    public static func backoffSeconds(afterAttempts attempts: Int64) -> Double {
        guard attempts > 0 else { return 0 }
        return attempts > 12 ? 3600 : min(3600, Double(1 << (attempts - 1)))
    }

    /// The longest `last_error` kept.
    public static let maxErrorLength = 500
}

/// A delivery claimed for one attempt: where it goes, the secret that signs it and the event's
/// JSON (its body), with the tenant's allow-list as it stands now. `claim` proves the claim is
/// still this worker's when the outcome is recorded.
public struct WebhookJob: Sendable {
    public var delivery: WebhookDelivery
    public var url: String
    public var secret: String
    public var allowedHosts: [String]
    /// The event as the log returns it; nil when it was pruned meanwhile.
    public var body: [UInt8]?
    public var claim: UUID

    public init(delivery: WebhookDelivery, url: String, secret: String, allowedHosts: [String], body: [UInt8]?, claim: UUID) {
        self.delivery = delivery
        self.url = url
        self.secret = secret
        self.allowedHosts = allowedHosts
        self.body = body
        self.claim = claim
    }
}

/// How an attempt ended.
public enum WebhookOutcome: Sendable, Equatable {
    /// A 2xx answer.
    case delivered(status: Int64)
    /// Anything else: another status (a redirect too), no answer, a host not allowed.
    case failed(status: Int64?, error: String)
}
