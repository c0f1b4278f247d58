import AgenticCore
import Foundation

/// The event log every change appends to, and the shared feed its readers wait on.
public protocol EventLogStore: Sendable {
    /// Events of `tenant` after position `after`, oldest first, that match `filter`. `nextAfter` moves
    /// past events that did not match, so a selective reader never rescans them.
    func events(after: Int64, filter: EventFilter, limit: Int, tenant: String) async throws -> EventBatch
    /// Appends an event of the client's own (its type starts with `x.`); the actor is the caller.
    func appendClientEvent(_ request: ClientEventRequest, by caller: Caller) async throws -> Event
    /// Every event about the task, oldest first, after `after` — from `task.created` to its end, its
    /// progress reports and clients' events about it included. 404 when the task never existed (or
    /// its history has been pruned).
    func taskHistory(_ id: UUID, after: Int64, limit: Int, tenant: String) async throws -> EventBatch
    /// Deletes events created before `cutoff`; returns how many.
    func pruneEvents(before cutoff: Timestamp) async throws -> Int
    /// Rings when events may have been appended (by this process, or — on PostgreSQL — any instance).
    var eventBell: EventBell { get }
    /// Serves waiting readers from one shared read of the log per wake-up (see `EventFeed`).
    var eventFeed: EventFeed { get }
    /// The highest event id readers can see (0 when there is none).
    func visibleEventHead() async throws -> Int64
    /// Visible events of every tenant after `after`, oldest first: what `EventFeed` shares out.
    func visibleEvents(after: Int64, limit: Int) async throws -> [Event]
}

/// A page of the event log.
public struct EventBatch: Sendable {
    public var events: [Event]
    /// Where the next read resumes (never less than the `after` asked for).
    public var nextAfter: Int64

    public init(events: [Event], nextAfter: Int64) {
        self.events = events
        self.nextAfter = nextAfter
    }
}
