import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The connection pool as a service: runs `PostgresClient.run()` until a graceful shutdown, and lets
/// the warm-up wait until it does (a lease asked before the pool runs only waits, but postgres-nio
/// logs a warning for it).
final class PostgresPoolService: Service {
    let client: PostgresClient
    private let state = Mutex<(running: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init(client: PostgresClient) {
        self.client = client
    }

    func run() async {
        let waiters = state.withLock { state in
            state.running = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        // `run()` marks the client running before it first suspends, so a waiter resumed above
        // finds it running.
        await client.run()
    }

    /// Returns once `run()` has started.
    func waitUntilRunning() async {
        await withCheckedContinuation { continuation in
            let running = state.withLock { state in
                if !state.running { state.waiters.append(continuation) }
                return state.running
            }
            if running { continuation.resume() }
        }
    }
}
