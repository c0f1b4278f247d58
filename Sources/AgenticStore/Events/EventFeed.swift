import AgenticCore
import ServiceLifecycle
import Synchronization

/// Serves readers that wait on the event log — long-polls and streams — from one read of the log
/// per wake-up, handing each waiter only what is its own.
///
/// Before, every append woke every waiter and each re-ran its own query: 150 idle long-polls cost 150
/// queries (and 150 task wake-ups) per write and cut write throughput several times. Now a waiter
/// queries the store itself only until it has caught up; then it registers with the feed and sleeps.
/// One pump, woken by the event bell (or every second, in case a notification from another
/// instance was lost), reads the newly visible tail of the whole log once, keeps it in a bounded
/// buffer, and resumes just the waiters with a matching event — or whose time ran out.
///
/// Exact because the visible log is always a prefix by `event_id` on both stores (SQLite assigns
/// ids in commit order; PostgreSQL shows only transactions older than every running one): once the
/// feed has seen the visible head `H`, no event at or below `H` can appear later. A waiter whose own
/// query found nothing after `after` has seen everything up to the head the feed knew before that
/// query, and can wait from there; if the buffer has already moved past it, it queries again.
public final class EventFeed: Sendable {
    /// Events kept so a waiter registering a moment late still finds what it missed.
    static let bufferLimit = 2_000
    static let pageSize = 500
    /// Without a ring the tail is still read this often.
    static let staleAfter: Duration = .seconds(1)
    /// Under a stream of writes, reads come at most this often (the writes meanwhile coalesce): the
    /// longest an event waits for its readers on top of its commit.
    static let minimumInterval: Duration = .milliseconds(10)

    private struct Waiter {
        var tenant: String
        var filter: EventFilter
        var after: Int64
        var limit: Int
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<EventBatch?, Never>

        func matches(_ event: Event) -> Bool { event.id > after && event.tenant == tenant && filter.matches(event) }
    }

    private struct State {
        var initialised = false
        /// The buffer holds every visible event with `start < event_id <= head`.
        var start: Int64 = 0
        var head: Int64 = 0
        var buffer: [Event] = []
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
        var pumping = false
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

    /// Events of `tenant` after `after` that match `filter` (at most `limit`), waiting up to `timeout`
    /// for the first one to be visible. Cancellation and graceful shutdown end the wait.
    public func events(
        after: Int64, filter: EventFilter, limit: Int, tenant: String, timeout: Duration, store: some EventLogStore
    ) async throws -> EventBatch {
        let deadline = ContinuousClock.now + timeout
        var after = after
        while true {
            let knownHead = try await head(store: store)
            direct.add(1, ordering: .relaxed)
            let batch = try await store.events(after: after, filter: filter, limit: limit, tenant: tenant)
            if !batch.events.isEmpty || ContinuousClock.now >= deadline || Task.isCancelled || Task.isShuttingDownGracefully {
                return batch
            }
            // Nothing of ours up to the head the feed knew before that query: wait from there.
            after = max(after, knownHead)
            if let batch = try await wait(tenant: tenant, filter: filter, after: after, limit: limit, deadline: deadline, store: store) {
                return batch
            }
            // The buffer had moved past our position: query again.
        }
    }

    /// Waits in the feed; nil when the buffer no longer reaches back to `after`.
    private func wait(
        tenant: String, filter: EventFilter, after: Int64, limit: Int, deadline: ContinuousClock.Instant, store: some EventLogStore
    ) async throws -> EventBatch? {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        return await cancelWhenGracefulShutdown {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<EventBatch?, Never>) in
                    let registration = self.state.withLock { state -> Registration in
                        if after < state.start { return .behind }
                        var waiter = Waiter(
                            tenant: tenant, filter: filter, after: after, limit: limit, deadline: deadline, continuation: continuation)
                        // What the pump read since our query started is in the buffer already.
                        let missed = state.buffer.lazy.filter(waiter.matches).prefix(limit)
                        if let last = missed.last { return .ready(EventBatch(events: Array(missed), nextAfter: last.id)) }
                        waiter.after = max(after, state.head)
                        state.waiters[id] = waiter
                        return .waiting
                    }
                    switch registration {
                    case .behind: continuation.resume(returning: nil)
                    case .ready(let batch): continuation.resume(returning: batch)
                    case .waiting:
                        // Cancelled before registering: the handler found nothing to release.
                        if Task.isCancelled { self.release(id) }
                        self.startPump(store: store)
                    }
                }
            } onCancel: {
                self.release(id)
            }
        }
    }

    private enum Registration {
        case behind
        case ready(EventBatch)
        case waiting
    }

    /// Ends one waiter's wait now, with nothing (it was cancelled, or the server is stopping).
    private func release(_ id: UInt64) {
        guard let waiter = state.withLock({ $0.waiters.removeValue(forKey: id) }) else { return }
        waiter.continuation.resume(returning: EventBatch(events: [], nextAfter: waiter.after))
    }

    /// The head the feed has seen, reading it once if it never did.
    private func head(store: some EventLogStore) async throws -> Int64 {
        if let head = state.withLock({ $0.initialised ? $0.head : nil }) { return head }
        let head = try await store.visibleEventHead()
        return state.withLock { state in
            if !state.initialised {
                state.initialised = true
                state.start = head
                state.head = head
            }
            return state.head
        }
    }

    /// Starts the pump unless it runs; it stops by itself once nobody waits.
    private func startPump(store: some EventLogStore) {
        let start = state.withLock { state -> Bool in
            guard !state.pumping else { return false }
            state.pumping = true
            return true
        }
        guard start else { return }
        Task { await self.pump(store: store) }
    }

    private func pump(store: some EventLogStore) async {
        var generation = bell.generation
        var lastRead = ContinuousClock.now - Self.minimumInterval
        while true {
            let (idle, nextDeadline) = state.withLock { state -> (Bool, ContinuousClock.Instant?) in
                if state.waiters.isEmpty { state.pumping = false }
                return (state.waiters.isEmpty, state.waiters.values.map(\.deadline).min())
            }
            if idle { return }
            let wake = min(nextDeadline ?? .now, ContinuousClock.now + Self.staleAfter)
            await bell.wait(after: generation, timeout: max(.zero, wake - ContinuousClock.now))
            try? await Task.sleep(until: lastRead + Self.minimumInterval)
            lastRead = ContinuousClock.now
            generation = bell.generation
            var fresh: [Event] = []
            do {
                shared.add(1, ordering: .relaxed)
                var head = try await self.head(store: store)
                while true {
                    let page = try await store.visibleEvents(after: head, limit: Self.pageSize)
                    fresh += page
                    head = page.last?.id ?? head
                    if page.count < Self.pageSize || fresh.count >= Self.bufferLimit { break }
                }
            } catch {
                // The database is away: waiters keep waiting (or time out) and the next round retries.
            }
            let now = ContinuousClock.now
            let finished = state.withLock { state -> [(CheckedContinuation<EventBatch?, Never>, EventBatch)] in
                if let last = fresh.last {
                    state.buffer += fresh
                    state.head = max(state.head, last.id)
                    if state.buffer.count > Self.bufferLimit {
                        let dropped = state.buffer.count - Self.bufferLimit
                        state.start = state.buffer[dropped - 1].id
                        state.buffer.removeFirst(dropped)
                    }
                }
                var finished: [(CheckedContinuation<EventBatch?, Never>, EventBatch)] = []
                for (id, waiter) in state.waiters {
                    let mine = fresh.lazy.filter(waiter.matches).prefix(waiter.limit)
                    if let last = mine.last {
                        finished.append((waiter.continuation, EventBatch(events: Array(mine), nextAfter: last.id)))
                    } else if waiter.deadline <= now {
                        finished.append((waiter.continuation, EventBatch(events: [], nextAfter: max(waiter.after, state.head))))
                    } else {
                        state.waiters[id]?.after = max(waiter.after, state.head)
                        continue
                    }
                    state.waiters[id] = nil
                }
                return finished
            }
            for (continuation, batch) in finished { continuation.resume(returning: batch) }
        }
    }
}
