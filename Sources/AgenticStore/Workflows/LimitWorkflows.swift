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
            _ = try await tx.appendEvent(
                EventDraft(type: EventType.concurrencyLimitSet, resourceID: nil, data: limit.jsonBytes()), tenant: caller.tenant,
                actor: caller.keyID, at: now)
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
            var w = JSONWriter()
            w.beginObject()
            w.key("key"); w.string(key)
            w.endObject()
            _ = try await tx.appendEvent(
                EventDraft(type: EventType.concurrencyLimitDeleted, resourceID: nil, data: w.bytes), tenant: caller.tenant,
                actor: caller.keyID, at: clock.now())
        }
    }
}

extension AgenticError {
    /// No concurrency limit is set for `key`.
    static func notFound(key: String) -> AgenticError {
        AgenticError(code: .notFound, status: 404, detail: "No concurrency limit is set for key `\(key)`")
    }
}
