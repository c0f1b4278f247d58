import AgenticCore
import Foundation

/// A store built from transactions of `StoreTransaction` primitives. Conforming gives every resource
/// workflow of `Store` for free (see `Workflows/`); a backend only implements transactions, rows,
/// keys, events and operations.
public protocol TransactionalStore: Store {
    associatedtype Transaction: StoreTransaction

    /// The tenants' rate-limited task types, remembered for a second (see `RateLimitDirectory`).
    var rateLimitDirectory: RateLimitDirectory { get }

    /// Runs `body` in one write transaction: all of it commits or none of it. Retries transparently
    /// when the database reports a serialisation failure or deadlock.
    func write<T: Sendable>(_ body: @escaping @Sendable (Transaction) async throws -> T) async throws -> T

    /// Runs `body` on committed data without taking locks (each statement may see newer commits).
    func read<T: Sendable>(_ body: @escaping @Sendable (Transaction) async throws -> T) async throws -> T

    /// Runs `body` in one read-only snapshot: every statement sees the database as of its start.
    func consistentRead<T: Sendable>(_ body: @escaping @Sendable (Transaction) async throws -> T) async throws -> T
}

/// The events one workflow produces, appended together at its end, and the plans to roll up once
/// it has committed.
struct ChangeLog {
    var events: [EventDraft] = []
    var plansToRollUp: Set<UUID> = []

    mutating func record(_ type: String, _ resource: some JSONWritable & Identified) {
        events.append(EventDraft(type, resource))
    }

    /// An event about no single resource (a limit, the tenant's settings), with `data` as its body.
    mutating func record(_ type: String, data: some JSONWritable) {
        events.append(EventDraft(type: type, resourceID: nil, data: data.jsonBytes()))
    }

    mutating func record(_ type: String, data: JSONValue) {
        events.append(EventDraft(type: type, resourceID: nil, data: Array(data.description.utf8)))
    }

    /// Asks for the plans to be rolled up after the commit (see `RollupQueue`).
    mutating func rollUp(_ plans: [UUID]) {
        plansToRollUp.formUnion(plans)
    }
}

extension StoreTransaction {
    /// Appends the log's events and hands its plans to the store's roll-up after the commit.
    func commit(_ log: ChangeLog, by caller: Caller, at now: Timestamp) async throws {
        rollups.add(log.plansToRollUp, tenant: caller.tenant, actor: caller.keyID)
        guard !log.events.isEmpty else { return }
        try await appendEvents(log.events, tenant: caller.tenant, actor: caller.keyID, at: now)
    }
}

extension Optional where Wrapped == VersionPrecondition {
    /// `If-Match` handling (nil: no header, any version). Checked on the row as locked for the write,
    /// never on an earlier unlocked read, so two writers with the same `If-Match` cannot both pass.
    func check(_ actual: Int64) throws {
        if let precondition = self, !precondition.holds(forVersion: actual) {
            throw AgenticError.versionMismatch(expected: precondition.text, actual: actual)
        }
    }
}

extension Page {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says another page exists.
    init(fetched rows: [Item], limit: Int, cursor: (Item) -> Cursor) {
        if rows.count > limit {
            let items = Array(rows.prefix(limit))
            self.init(items: items, nextCursor: cursor(items[items.count - 1]))
        } else {
            self.init(items: rows, nextCursor: nil)
        }
    }
}
