import AgenticCore

/// Limits set by admins that the work queue obeys: concurrency limits by `concurrency_key`, rate
/// limits by `task_type`.
public protocol LimitStore: Sendable {
    /// Sets `key`'s limit (`created` when it had none) and logs `concurrency_limit.set`.
    func setConcurrencyLimit(_ key: String, maxRunning: Int64, by caller: Caller) async throws -> (limit: ConcurrencyLimit, created: Bool)
    /// One limit with its running count; 404 when the key has none.
    func concurrencyLimit(_ key: String, tenant: String) async throws -> ConcurrencyLimit
    /// Every limit of the tenant, by key.
    func concurrencyLimits(tenant: String) async throws -> [ConcurrencyLimit]
    /// Removes `key`'s limit and logs `concurrency_limit.deleted`; 404 when it had none.
    func deleteConcurrencyLimit(_ key: String, by caller: Caller) async throws
    /// Sets `taskType`'s rate limit (`created` when it had none) and logs `rate_limit.set`.
    func setRateLimit(_ taskType: String, perSecond: Double, burst: Double, by caller: Caller) async throws -> (limit: TaskRateLimit, created: Bool)
    /// One rate limit, its tokens as of now; 404 when the type has none.
    func rateLimit(_ taskType: String, tenant: String) async throws -> TaskRateLimit
    /// Every rate limit of the tenant, by task type.
    func rateLimits(tenant: String) async throws -> [TaskRateLimit]
    /// Removes `taskType`'s rate limit and logs `rate_limit.deleted`; 404 when it had none.
    func deleteRateLimit(_ taskType: String, by caller: Caller) async throws
}
