import AgenticCore

/// Limits set by admins that the work queue obeys: concurrency limits by `concurrency_key`.
public protocol LimitStore: Sendable {
    /// Sets `key`'s limit (`created` when it had none) and logs `concurrency_limit.set`.
    func setConcurrencyLimit(_ key: String, maxRunning: Int64, by caller: Caller) async throws -> (limit: ConcurrencyLimit, created: Bool)
    /// One limit with its running count; 404 when the key has none.
    func concurrencyLimit(_ key: String, tenant: String) async throws -> ConcurrencyLimit
    /// Every limit of the tenant, by key.
    func concurrencyLimits(tenant: String) async throws -> [ConcurrencyLimit]
    /// Removes `key`'s limit and logs `concurrency_limit.deleted`; 404 when it had none.
    func deleteConcurrencyLimit(_ key: String, by caller: Caller) async throws
}
