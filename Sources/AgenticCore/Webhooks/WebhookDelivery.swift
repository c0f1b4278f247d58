import Foundation

/// One event on its way to one webhook: written in the transaction that appends the event (an
/// outbox, so no committed event is ever missed), then attempted until it is delivered or its
/// time runs out (`expiresAt`, 24 hours after the event).
public struct WebhookDelivery: Sendable, Equatable, JSONWritable {
    public enum State: String, Sendable, CaseIterable {
        /// Not delivered yet: waiting for `nextAttemptAt`, or for an earlier event of its resource.
        case pending
        case delivered
        /// Given up: 24 hours passed without a 2xx answer.
        case failed
    }

    public var id: UUID
    public var webhookID: UUID
    public var eventID: Int64
    public var eventType: String
    public var resourceID: UUID?
    public var state: State
    public var attempts: Int64
    public var nextAttemptAt: Timestamp?
    public var lastAttemptAt: Timestamp?
    /// The HTTP status of the last attempt, when it got an answer.
    public var lastStatus: Int64?
    /// Why the last attempt failed, when it did.
    public var lastError: String?
    public var deliveredAt: Timestamp?
    public var expiresAt: Timestamp
    public var createdAt: Timestamp

    public init(
        id: UUID, webhookID: UUID, eventID: Int64, eventType: String, resourceID: UUID?, state: State, attempts: Int64,
        nextAttemptAt: Timestamp?, lastAttemptAt: Timestamp?, lastStatus: Int64?, lastError: String?, deliveredAt: Timestamp?,
        expiresAt: Timestamp, createdAt: Timestamp
    ) {
        self.id = id
        self.webhookID = webhookID
        self.eventID = eventID
        self.eventType = eventType
        self.resourceID = resourceID
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.deliveredAt = deliveredAt
        self.expiresAt = expiresAt
        self.createdAt = createdAt
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

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("delivery_id"); w.uuid(id)
        w.key("webhook_id"); w.uuid(webhookID)
        w.key("event_id"); w.int(eventID)
        w.key("event_type"); w.string(eventType)
        w.key("resource_id"); w.uuid(resourceID)
        w.key("state"); w.string(state.rawValue)
        w.key("attempts"); w.int(attempts)
        w.key("next_attempt_at"); w.timestamp(nextAttemptAt)
        w.key("last_attempt_at"); w.timestamp(lastAttemptAt)
        w.key("last_status")
        if let lastStatus { w.int(lastStatus) } else { w.null() }
        w.key("last_error"); w.string(lastError)
        w.key("delivered_at"); w.timestamp(deliveredAt)
        w.key("expires_at"); w.timestamp(expiresAt)
        w.key("created_at"); w.timestamp(createdAt)
        w.endObject()
    }
}

/// A delivery claimed for one attempt: where it goes, the secret that signs it and the event's
/// JSON (its body), with the tenant's allow-list as it stands now. `claim` proves the claim is
/// still this worker's when the outcome is recorded.
public struct WebhookJob: Sendable {
    public var delivery: WebhookDelivery
    public var tenant: String
    public var url: String
    public var secret: String
    public var allowedHosts: [String]
    /// The event as the log returns it; nil when it was pruned meanwhile.
    public var body: [UInt8]?
    public var claim: UUID

    public init(delivery: WebhookDelivery, tenant: String, url: String, secret: String, allowedHosts: [String], body: [UInt8]?, claim: UUID) {
        self.delivery = delivery
        self.tenant = tenant
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
