import Foundation
import Synchronization

/// Which task types of a tenant have a rate limit, remembered for a second by each store: most
/// claims meet none, and then cost no lookup at all. A change made through this instance is seen at
/// once (`forget`); one made through another instance within `freshness`.
public final class RateLimitDirectory: Sendable {
    private struct Entry {
        var types: [String]
        var fetched: ContinuousClock.Instant
    }

    public static let freshness: Duration = .seconds(1)
    /// Beyond this many tenants the directory starts afresh rather than grow without bound.
    static let maxTenants = 10_000
    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// The tenant's rate-limited task types, loaded with `load` when not known or older than
    /// `freshness`.
    func types(tenant: String, load: () async throws -> [String]) async throws -> [String] {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[tenant] }), now - entry.fetched < Self.freshness { return entry.types }
        let types = try await load()
        entries.withLock { entries in
            if entries.count >= Self.maxTenants { entries.removeAll() }
            entries[tenant] = Entry(types: types, fetched: now)
        }
        return types
    }

    /// Drops what is known of the tenant (its limits just changed here).
    func forget(tenant: String) {
        _ = entries.withLock { $0.removeValue(forKey: tenant) }
    }
}
