import AgenticCore
import PostgresNIO
import Synchronization

/// Ends work on a connection with an error as soon as the connection closes.
///
/// postgres-nio 1.33 writes each statement to its channel without a write promise. A statement sent
/// after the channel closed — typically the `ROLLBACK` after a statement failed because the server
/// went away — is dropped, and its result never arrives: the request awaiting it waits forever,
/// holding its pool lease, and a few outages later the pool is empty (upstream: vapor/postgres-nio
/// #487, reverted in #501). The package is pinned, so the store works around it: the work runs in a
/// task of its own, and the caller is released — with a 503 — when the connection's close future
/// fires, so its lease returns to the pool. A task stuck on a dropped statement stays suspended; it
/// holds only its closed connection.
final class ConnectionWatch: Sendable {
    private let watchers = ConnectionWatchers()

    func run<T: Sendable>(on connection: PostgresConnection, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let watchers = self.watchers
        let outcome = SingleResult<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                outcome.start(continuation)
                let token = watchers.watch(connection) {
                    outcome.finish(.failure(AgenticError.databaseUnavailable("The database connection was lost; retry shortly")))
                }
                outcome.attach(
                    Task {
                        let result: Result<T, any Error>
                        do { result = .success(try await work()) } catch { result = .failure(error) }
                        watchers.unwatch(connection, token)
                        outcome.finish(result)
                    })
            }
        } onCancel: {
            outcome.cancel()
        }
    }
}

/// The one result of work raced against something else (its connection closing, a deadline):
/// whichever finishes it first wins; the work runs in a task of its own that can be cancelled.
final class SingleResult<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var task: Task<Void, Never>?
        var cancelled = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func attach(_ task: Task<Void, Never>) {
        let cancelNow = state.withLock { state -> Bool in
            state.task = task
            return state.cancelled
        }
        if cancelNow { task.cancel() }
    }

    func finish(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }

    /// The request was cancelled: so is the work.
    func cancel() {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.cancelled = true
            return state.task
        }
        task?.cancel()
    }
}

/// Callbacks to run when a connection closes, registered with its close future once per connection
/// (not once per transaction, which would pile up closures on a connection that lives for hours).
private final class ConnectionWatchers: Sendable {
    private struct State {
        var nextToken = 0
        var callbacks: [ObjectIdentifier: [Int: @Sendable () -> Void]] = [:]
    }

    private let state = Mutex(State())

    func watch(_ connection: PostgresConnection, _ onClose: @escaping @Sendable () -> Void) -> Int {
        let (token, first) = state.withLock { state -> (Int, Bool) in
            state.nextToken &+= 1
            let first = state.callbacks[ObjectIdentifier(connection)] == nil
            state.callbacks[ObjectIdentifier(connection), default: [:]][state.nextToken] = onClose
            return (state.nextToken, first)
        }
        if first {
            // The closure keeps the connection alive until it ran, so its identity cannot be reused meanwhile.
            connection.closeFuture.whenComplete { _ in self.closed(ObjectIdentifier(connection)) }
        }
        return token
    }

    func unwatch(_ connection: PostgresConnection, _ token: Int) {
        state.withLock { state in
            state.callbacks[ObjectIdentifier(connection)]?[token] = nil
        }
    }

    private func closed(_ id: ObjectIdentifier) {
        let callbacks = state.withLock { $0.callbacks.removeValue(forKey: id) } ?? [:]
        for callback in callbacks.values { callback() }
    }
}
