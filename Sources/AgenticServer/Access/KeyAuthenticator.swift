import AgenticCore
import AgenticStore
import Foundation
import Synchronization

/// Resolves API keys to principals without a database round trip per request.
///
/// Lookups are cached by key hash for at most `ttl` (1 s): a key revoked on another instance, or with
/// `agentic keys revoke`, stops working within that second; one revoked here stops at once. Unknown
/// keys are cached too (a random key cannot be guessed before it is created), so a flood of bad keys
/// costs one query per key per second. The cache is bounded.
public final class KeyAuthenticator: Sendable {
    private struct Entry {
        var key: ApiKey?
        var fetched: ContinuousClock.Instant
    }

    private let store: any KeyStore
    /// Expiry is judged on the store's clock, like every other time rule (a test's clock moves it).
    private let clock: any WallClock
    private let ttl: Duration
    private let capacity: Int
    private let cache = Mutex<[String: Entry]>([:])
    private let misses = Atomic<Int>(0)

    /// How many authentications had to ask the store (cache misses), for `/metrics`.
    public var storeLookups: Int { misses.load(ordering: .relaxed) }

    public init(store: any KeyStore, clock: any WallClock = SystemClock(), ttl: Duration = .seconds(1), capacity: Int = 10_000) {
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The key's principal, or a 401 that does not say whether the key exists.
    public func authenticate(secret: String) async throws -> Principal {
        let hash = KeyMaker.hash(secret)
        let now = ContinuousClock.now
        var key: ApiKey?
        if let entry = cache.withLock({ $0[hash] }), now - entry.fetched < ttl {
            key = entry.key
        } else {
            misses.add(1, ordering: .relaxed)
            key = try await store.key(hash: hash)
            cache.withLock { cache in
                if cache.count >= capacity {
                    cache = cache.filter { now - $0.value.fetched < ttl }
                    if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
                }
                cache[hash] = Entry(key: key, fetched: now)
            }
        }
        guard let key, key.unusableReason(at: clock.now()) == nil else { throw AgenticError.badKey }
        return Principal(keyID: key.id, tenant: key.tenant, scope: key.scope, rateLimit: key.rateLimit, unlimited: key.unlimited)
    }

    /// Forgets a key at once (after a revocation on this instance).
    public func forget(keyID: UUID) {
        cache.withLock { cache in cache = cache.filter { $0.value.key?.id != keyID } }
    }

    /// The secret a request carries: `X-API-Key: <key>` or `Authorization: Bearer <key>`.
    static func secret(apiKeyHeader: String?, authorization: String?) -> String? {
        if let value = apiKeyHeader?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

extension AgenticError {
    /// The same answer for a missing, unknown, revoked or expired key.
    static let badKey = AgenticError(
        code: .unauthorized, status: 401,
        detail: "A valid API key is required: send it as `X-API-Key: <key>` or `Authorization: Bearer <key>`")
}
