import AgenticCore
import Foundation

extension TransactionalStore {
    public func appendClientEvent(_ request: ClientEventRequest, by caller: Caller) async throws -> Event {
        try await write { tx in try await tx.appendEvent(request.draft, tenant: caller.tenant, actor: caller.keyID, at: clock.now()) }
    }

    /// Read from one snapshot of everything committed — not only the prefix followers may see yet
    /// (see `events(after:)`) — so a caller reads its own writes at once. Ordered by position, as
    /// the log is. A sub-resource of the task, so it goes with it: once the task is deleted this is
    /// a 404 like the task, and its events stay on the log under `GET /events?resource_id=`.
    public func taskHistory(_ id: UUID, after: Int64, limit: Int, tenant: String) async throws -> EventBatch {
        try await consistentRead { tx in
            guard try await tx.task(id, tenant: tenant, lock: .none) != nil else {
                throw AgenticError.notFound(.task, id.lowercased)
            }
            let events = try await tx.events(about: id, after: after, limit: limit, tenant: tenant)
            return EventBatch(events: events, nextAfter: events.last?.id ?? after)
        }
    }
}
