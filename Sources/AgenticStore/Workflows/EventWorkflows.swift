import AgenticCore
import Foundation

extension TransactionalStore {
    public func appendClientEvent(_ request: ClientEventRequest, by caller: Caller) async throws -> Event {
        try await write { tx in try await tx.appendEvent(request.draft, tenant: caller.tenant, actor: caller.keyID, at: .now()) }
    }

    /// Read from one snapshot of everything committed — not only the prefix followers may see yet
    /// (see `events(after:)`) — so a caller reads its own writes at once. Ordered by position, as
    /// the log is.
    public func taskHistory(_ id: UUID, after: Int64, limit: Int, tenant: String) async throws -> EventBatch {
        try await consistentRead { tx in
            let events = try await tx.events(about: id, after: after, limit: limit, tenant: tenant)
            if events.isEmpty, after == 0, try await tx.task(id, tenant: tenant, lock: .none) == nil {
                throw AgenticError.notFound(.task, id.lowercased)
            }
            return EventBatch(events: events, nextAfter: events.last?.id ?? after)
        }
    }
}
