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
        let capacity = Double(max(1, limit.burst))
        return buckets.withLock { buckets in
            var bucket = buckets[principal.keyID] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated).inSeconds * limit.requestsPerSecond)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[principal.keyID] = bucket
            let reset = Self.wholeSeconds((capacity - bucket.tokens) / limit.requestsPerSecond)
            let retry = allowed ? 0 : max(1, Self.wholeSeconds((1 - bucket.tokens) / limit.requestsPerSecond))
            return Decision(
                allowed: allowed, limit: limit.burst, remaining: Int64(clamping: Self.whole(bucket.tokens)), resetSeconds: reset,
                retryAfterSeconds: retry)
        }
    }

    /// A wait in whole seconds, rounded up and bounded by a day. Keys accept only sane rates, but one
    /// stored before that check existed (or edited by hand) must still not trap on conversion.
    static func wholeSeconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return seconds > 0 ? 86_400 : 0 }
        return Int(min(seconds, 86_400).rounded(.up))
    }

    private static func whole(_ value: Double) -> Int64 {
        guard value.isFinite else { return 0 }
        return Int64(max(-1e15, min(value, 1e15)).rounded(.down))
    }
}
