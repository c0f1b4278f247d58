import AgenticCore
import Foundation

extension TransactionalStore {
    public func setConcurrencyLimit(_ key: String, maxRunning: Int64, by caller: Caller) async throws -> (limit: ConcurrencyLimit, created: Bool) {
        try await write { tx in
            let now = clock.now()
            let created = try await tx.putConcurrencyLimit(key: key, maxRunning: maxRunning, tenant: caller.tenant, at: now)
            guard let limit = try await tx.concurrencyLimits(key: key, tenant: caller.tenant).first else {
                throw AgenticError.notFound(key: key)
            }
            var log = ChangeLog()
            log.record(EventType.concurrencyLimitSet, data: limit)
            try await tx.commit(log, by: caller, at: now)
            return (limit, created)
        }
    }

    public func concurrencyLimit(_ key: String, tenant: String) async throws -> ConcurrencyLimit {
        try await read { tx in
            guard let limit = try await tx.concurrencyLimits(key: key, tenant: tenant).first else { throw AgenticError.notFound(key: key) }
            return limit
        }
    }

    public func concurrencyLimits(tenant: String) async throws -> [ConcurrencyLimit] {
        try await read { tx in try await tx.concurrencyLimits(key: nil, tenant: tenant) }
    }

    public func deleteConcurrencyLimit(_ key: String, by caller: Caller) async throws {
        try await write { tx in
            guard try await tx.deleteConcurrencyLimit(key: key, tenant: caller.tenant) else { throw AgenticError.notFound(key: key) }
            var log = ChangeLog()
            log.record(EventType.concurrencyLimitDeleted, data: ["key": .string(key)])
            try await tx.commit(log, by: caller, at: clock.now())
        }
    }
}

extension TransactionalStore {
    public func setRateLimit(_ taskType: String, perSecond: Double, burst: Double, by caller: Caller) async throws -> (limit: TaskRateLimit, created: Bool) {
        defer { rateLimitDirectory.forget(tenant: caller.tenant) }
        return try await write { tx in
            let now = clock.now()
            let created = try await tx.putRateLimit(taskType: taskType, perSecond: perSecond, burst: burst, tenant: caller.tenant, at: now)
            guard let limit = try await tx.rateLimits(taskType: taskType, tenant: caller.tenant).first?.shown(at: now) else {
                throw AgenticError.notFound(rateLimitOf: taskType)
            }
            var log = ChangeLog()
            log.record(EventType.rateLimitSet, data: limit)
            try await tx.commit(log, by: caller, at: now)
            return (limit, created)
        }
    }

    public func rateLimit(_ taskType: String, tenant: String) async throws -> TaskRateLimit {
        try await read { tx in
            guard let limit = try await tx.rateLimits(taskType: taskType, tenant: tenant).first else {
                throw AgenticError.notFound(rateLimitOf: taskType)
            }
            return limit.shown(at: clock.now())
        }
    }

    public func rateLimits(tenant: String) async throws -> [TaskRateLimit] {
        try await read { tx in
            let now = clock.now()
            return try await tx.rateLimits(taskType: nil, tenant: tenant).map { $0.shown(at: now) }
        }
    }

    public func deleteRateLimit(_ taskType: String, by caller: Caller) async throws {
        defer { rateLimitDirectory.forget(tenant: caller.tenant) }
        try await write { tx in
            guard try await tx.deleteRateLimit(taskType: taskType, tenant: caller.tenant) else {
                throw AgenticError.notFound(rateLimitOf: taskType)
            }
            var log = ChangeLog()
            log.record(EventType.rateLimitDeleted, data: ["task_type": .string(taskType)])
            try await tx.commit(log, by: caller, at: clock.now())
        }
    }
}

extension AgenticError {
    /// No rate limit is set for `taskType`.
    static func notFound(rateLimitOf taskType: String) -> AgenticError {
        AgenticError(code: .notFound, status: 404, detail: "No rate limit is set for task type `\(taskType)`")
    }

    /// No concurrency limit is set for `key`.
    static func notFound(key: String) -> AgenticError {
        AgenticError(code: .notFound, status: 404, detail: "No concurrency limit is set for key `\(key)`")
    }
}
