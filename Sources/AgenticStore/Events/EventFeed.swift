import AgenticCore
import ServiceLifecycle
import Synchronization

/// Serves readers that wait on the event log — long-polls and streams — from one shared query per
/// wake-up instead of one query per reader.
///
/// Before, every append woke every waiter and each re-ran its own query: 150 idle long-polls cost
/// 150 queries per write and cut write throughput several times. Now a waiter queries the store
/// directly only until it has caught up; then it waits, and when the log moves one `refresh` reads
/// the newly visible tail of the whole log (every tenant) once, into a bounded buffer that every
/// waiter filters for its own tenant and types.
///
/// Correct because the visible log is always a prefix by `event_id` on both stores (SQLite assigns
/// ids in commit order; PostgreSQL shows only transactions older than every running one): once the
/// feed has seen the visible head `H`, no event at or below `H` can appear later. A waiter whose own
/// query found nothing after `after` has therefore seen everything up to the head the feed knew
/// before that query, and can wait from there; if the buffer has moved past it, it queries again.
public final class EventFeed: Sendable {
    /// Events kept for waiters; a waiter that falls further behind queries the store itself.
    static let bufferLimit = 2_000
    /// Reads one page of the tail at a time.
    static let pageSize = 500
    /// Without a ring, the tail is still re-read this often (a notification from another instance
    /// may be lost).
    static let staleAfter: Duration = .seconds(1)

    private struct State {
        var initialised = false
        /// The buffer holds every visible event with `start < event_id <= head`.
        var start: Int64 = 0
        var head: Int64 = 0
        var buffer: [Event] = []
        var generation: UInt64 = 0
        var refreshedAt = ContinuousClock.now
        var inflight: Task<Void, any Error>?
    }

    private let state = Mutex(State())
    private let shared = Atomic<Int>(0)
    private let direct = Atomic<Int>(0)
    let bell: EventBell

    /// Reads of the log's tail shared by every waiter, and queries waiters made on their own (for
    /// `/metrics`: the first should stay far below writes × waiters).
    public var sharedReads: Int { shared.load(ordering: .relaxed) }
    public var directReads: Int { direct.load(ordering: .relaxed) }

    init(bell: EventBell) {
        self.bell = bell
    }

    /// Events of `tenant` after `after` that match `types` (at most `limit`), waiting up to `timeout`
    /// for the first one to be visible. A server shutting down ends the wait (a second at most).
    public func events(
        after: Int64, types: EventTypeFilter, limit: Int, tenant: String, timeout: Duration, store: some Store
    ) async throws -> EventBatch {
        let deadline = ContinuousClock.now + timeout
        var after = after
        while true {
            var generation = bell.generation
            let knownHead = try await head(store: store)
            direct.add(1, ordering: .relaxed)
            let batch = try await store.events(after: after, types: types, limit: limit, tenant: tenant)
            if !batch.events.isEmpty || ContinuousClock.now >= deadline || Self.stopping { return batch }
            // Nothing of ours up to the head the feed knew before that query: wait from there.
            after = max(after, knownHead)
            while true {
                let remaining = deadline - ContinuousClock.now
                if remaining <= .zero || Self.stopping { return EventBatch(events: [], nextAfter: after) }
                await bell.wait(after: generation, timeout: min(remaining, Self.staleAfter))
                generation = bell.generation
                let view = try await refresh(store: store, generation: generation)
                if after < view.start { break }  // the buffer moved on without us: query again
                let mine = view.events.lazy.filter { $0.id > after && $0.tenant == tenant && types.matches($0.type) }.prefix(limit)
                if let last = mine.last { return EventBatch(events: Array(mine), nextAfter: last.id) }
                after = max(after, view.head)
            }
        }
    }

    private static var stopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }

    /// The head the feed has seen, reading it once if it never did.
    private func head(store: some Store) async throws -> Int64 {
        if let head = state.withLock({ $0.initialised ? $0.head : nil }) { return head }
        let head = try await store.visibleEventHead()
        return state.withLock { state in
            if !state.initialised {
                state.initialised = true
                state.start = head
                state.head = head
                state.refreshedAt = ContinuousClock.now
            }
            return state.head
        }
    }

    private struct View {
        var start: Int64
        var head: Int64
        var events: ArraySlice<Event>
    }

    private enum Step {
        case ready(View)
        case wait(Task<Void, any Error>)
    }

    /// The buffer, first brought up to date when the bell rang since the last read (or it is stale).
    /// One read at a time: concurrent callers wait for the read under way.
    private func refresh(store: some Store, generation: UInt64) async throws -> View {
        while true {
            let step = state.withLock { state -> Step in
                let fresh = state.generation >= generation && ContinuousClock.now - state.refreshedAt < Self.staleAfter
                if state.initialised && fresh { return .ready(View(start: state.start, head: state.head, events: state.buffer[...])) }
                if let inflight = state.inflight { return .wait(inflight) }
                let task = Task { try await self.read(store: store) }
                state.inflight = task
                return .wait(task)
            }
            switch step {
            case .ready(let view): return view
            case .wait(let task): try await task.value
            }
        }
    }

    /// Reads the newly visible tail into the buffer.
    private func read(store: some Store) async throws {
        defer { state.withLock { $0.inflight = nil } }
        let generation = bell.generation
        var head = try await self.head(store: store)
        var fresh: [Event] = []
        shared.add(1, ordering: .relaxed)
        while true {
            let page = try await store.visibleEvents(after: head, limit: Self.pageSize)
            fresh += page
            head = page.last?.id ?? head
            if page.count < Self.pageSize || fresh.count >= Self.bufferLimit { break }
        }
        state.withLock { state in
            state.buffer += fresh
            state.head = max(state.head, head)
            if state.buffer.count > Self.bufferLimit {
                let dropped = state.buffer.count - Self.bufferLimit
                state.start = state.buffer[dropped - 1].id
                state.buffer.removeFirst(dropped)
            }
            state.generation = max(state.generation, generation)
            state.refreshedAt = ContinuousClock.now
        }
    }
}
