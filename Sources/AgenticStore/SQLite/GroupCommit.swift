import Foundation
import SQLiteNIO
import Synchronization

/// Group commit for the single SQLite writer: write requests that arrive while one transaction
/// commits share the next one, each inside a savepoint of its own.
///
/// With `synchronous = FULL` every commit waits for the disk; one commit per request made the disk
/// the writer's clock. Here a request queues its work and waits for the write lock. Whoever gets
/// the lock with its own work still queued becomes the batch's leader: it takes everything queued
/// (its own and whatever arrived meanwhile), runs each in `SAVEPOINT request` — a failure rolls back
/// to it, so it undoes only its own request — and commits once. Requests whose work a leader already
/// committed find it done when their turn at the lock comes, and return. Batches form by themselves
/// while the previous one commits: no timer, and no answer leaves before its batch has committed.
final class GroupCommit: Sendable {
    private let queue = Mutex<[PendingWrite]>([])
    private let lock: AsyncMutex
    private let commits = Atomic<Int>(0)
    private let counters: SQLiteCounters

    /// Batches committed so far (tests read it to see that writes were batched).
    var committed: Int { commits.load(ordering: .relaxed) }

    init(lock: AsyncMutex, counters: SQLiteCounters) {
        self.lock = lock
        self.counters = counters
    }

    /// Runs `work` in a batch on `writer` and returns once that batch committed (or throws why the
    /// work, or its batch, did not).
    func run(on writer: SQLiteConnection, _ work: @escaping @Sendable (SQLiteConnection) async throws -> Void) async throws {
        let pending = PendingWrite(work)
        queue.withLock { $0.append(pending) }
        await lock.lock()
        if !pending.isFinished {
            let batch = queue.withLock { queue in
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
            if await Self.commit(batch, on: writer, counters: counters) { commits.add(1, ordering: .relaxed) }
        }
        lock.unlock()
        if let error = pending.error { throw error }
    }

    /// One transaction for the batch: a savepoint per request, one commit (with the `/stats`
    /// counters the batch moved). True when it committed.
    static func commit(_ batch: [PendingWrite], on writer: SQLiteConnection, counters: SQLiteCounters) async -> Bool {
        counters.discardAll()
        do {
            _ = try await writer.query("BEGIN IMMEDIATE")
        } catch {
            for pending in batch { pending.finish(SQLiteErrors.map(error)) }
            return false
        }
        var done: [PendingWrite] = []
        for (index, pending) in batch.enumerated() {
            do {
                _ = try await writer.query("SAVEPOINT request")
                let mark = counters.mark
                do {
                    try await pending.work(writer)
                    _ = try await writer.query("RELEASE request")
                    done.append(pending)
                } catch {
                    // This request's own failure: undo it alone, the batch goes on.
                    _ = try await writer.query("ROLLBACK TO request")
                    _ = try await writer.query("RELEASE request")
                    counters.rollBack(to: mark)
                    pending.finish(error)
                }
            } catch {
                // The connection itself failed: nothing of the batch can commit.
                _ = try? await writer.query("ROLLBACK")
                for pending in done + batch[index...] where !pending.isFinished { pending.finish(SQLiteErrors.map(error)) }
                return false
            }
        }
        do {
            try await counters.flush(on: writer)
            _ = try await writer.query("COMMIT")
            for pending in done { pending.finish(nil) }
            return true
        } catch {
            _ = try? await writer.query("ROLLBACK")
            for pending in done { pending.finish(SQLiteErrors.map(error)) }
            return false
        }
    }
}

/// One request's work in a batch, and how it ended.
final class PendingWrite: Sendable {
    let work: @Sendable (SQLiteConnection) async throws -> Void
    /// nil while queued or running; then `.some(nil)` committed, `.some(error)` not.
    private let outcome = Mutex<(any Error)??>(nil)

    init(_ work: @escaping @Sendable (SQLiteConnection) async throws -> Void) {
        self.work = work
    }

    var isFinished: Bool { outcome.withLock { $0 != nil } }

    var error: (any Error)? { outcome.withLock { $0 ?? nil } }

    func finish(_ error: (any Error)?) {
        outcome.withLock { $0 = .some(error) }
    }
}

/// What a request's work produced, kept until its batch has committed.
final class WriteResult<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)

    func set(_ result: T) { value.withLock { $0 = result } }

    func get() -> T? { value.withLock { $0 } }
}

extension SQLiteErrors {
    static func map(_ error: any Error) -> any Error {
        if let error = error as? SQLiteError { return map(error) }
        return error
    }
}
