import AgenticCore
import Foundation
import Synchronization

/// Per-key token buckets, kept in this process: limits apply per instance.
public final class RateLimiter: Sendable {
    public struct Decision: Sendable {
        public var allowed: Bool
        public var limit: Int64
        public var remaining: Int64
        /// Seconds until the bucket is full again.
        public var resetSeconds: Int
        /// Seconds until one request is allowed (when refused).
        public var retryAfterSeconds: Int
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    public let defaultLimit: RateLimit
    private let buckets = Mutex<[UUID: Bucket]>([:])

    public init(defaultLimit: RateLimit = .default) {
        self.defaultLimit = defaultLimit
    }

    /// Takes one token for the key; nil when the key is unlimited.
    public func take(for principal: Principal) -> Decision? {
        let limit: RateLimit
        if let own = principal.rateLimit {
            limit = own
        } else if principal.unlimited {
            return nil
        } else {
            limit = defaultLimit
        }
        let now = ContinuousClock.now
        let capacity = Double(limit.burst)
        return buckets.withLock { buckets in
            var bucket = buckets[principal.keyID] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated).inSeconds * limit.requestsPerSecond)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[principal.keyID] = bucket
            let reset = Int(((capacity - bucket.tokens) / limit.requestsPerSecond).rounded(.up))
            let retry = allowed ? 0 : max(1, Int(((1 - bucket.tokens) / limit.requestsPerSecond).rounded(.up)))
            return Decision(
                allowed: allowed, limit: limit.burst, remaining: Int64(bucket.tokens.rounded(.down)), resetSeconds: reset,
                retryAfterSeconds: retry)
        }
    }
}
