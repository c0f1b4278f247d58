import AgenticCore
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Carries "events were appended" between instances with LISTEN/NOTIFY.
///
/// Write transactions do not NOTIFY themselves (PostgreSQL serialises the commits of notifying
/// transactions); instead, after local commits the relay sends one coalesced `pg_notify` on its own
/// (at most one every 20 ms), and a dedicated listening connection rings this instance's bell for
/// every notification. Both loops reconnect after failures; waiters also re-poll each second, so a
/// lost notification costs at most that second. Both follow the pool to whichever host it runs
/// against (LISTEN and NOTIFY must meet on the primary): the listener reconnects when the pool moves.
///
/// It is a service (see `PostgresStore.services`): it runs until a graceful shutdown or cancellation.
final class PostgresEventRelay: Service {
    static let channel = "agentic_events"
    static let notifyGap: Duration = .milliseconds(20)

    private let changes: AsyncStream<Void>
    private let changesContinuation: AsyncStream<Void>.Continuation
    private let pool: PostgresPoolService
    private let watch: ConnectionWatch
    private let bell: EventBell
    private let logger: Logger

    init(pool: PostgresPoolService, watch: ConnectionWatch, bell: EventBell, logger: Logger) {
        (changes, changesContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.pool = pool
        self.watch = watch
        self.bell = bell
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.loops()
        }
    }

    /// Called after a local commit that appended events.
    func changed() {
        changesContinuation.yield(())
    }

    /// Runs both loops until cancelled.
    private func loops() async {
        let (pool, watch, bell, logger) = (pool, watch, bell, logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in self.changes {
                    try? await pool.currentClient?.withConnection { connection in
                        try await watch.run(on: connection) {
                            for try await _ in try await connection.query("SELECT pg_notify(\(Self.channel), '')", logger: logger) {}
                        }
                    }
                    // At most one notification per `notifyGap`: under load every commit would otherwise
                    // cost a second round trip and wake every listener (the changes meanwhile coalesce).
                    try? await Task.sleep(for: Self.notifyGap)
                }
            }
            group.addTask {
                var connectionID = 1_000_000
                let current = Mutex<PostgresConnection?>(nil)
                // A listener left on a host the pool has moved away from would hear nothing.
                pool.whenHostChanges {
                    if let connection = current.withLock({ $0 }) { Self.close(connection) }
                }
                await withTaskCancellationHandler {
                    while !Task.isCancelled {
                        connectionID += 1
                        guard let endpoint = pool.currentEndpoint else {
                            try? await Task.sleep(for: .seconds(1))
                            continue
                        }
                        let configuration = PostgresPoolService.connectionConfiguration(pool.settings, endpoint)
                        do {
                            let connection = try await PostgresConnection.connect(
                                configuration: configuration, id: connectionID, logger: logger)
                            current.withLock { $0 = connection }
                            do {
                                // Cancellation may have come while connecting, when there was nothing to close.
                                if !Task.isCancelled, pool.currentEndpoint == endpoint {
                                    try await connection.listen(on: Self.channel) { notifications in
                                        bell.ring()
                                        for try await _ in notifications { bell.ring() }
                                    }
                                }
                            } catch {
                                if !Task.isCancelled {
                                    logger.debug("event listener reconnecting", metadata: ["error": "\(error)"])
                                }
                            }
                            current.withLock { $0 = nil }
                            try? await connection.close()
                        } catch {
                            if !Task.isCancelled {
                                logger.debug("event listener cannot connect", metadata: ["error": "\(error)"])
                            }
                        }
                        try? await Task.sleep(for: .seconds(1))
                    }
                } onCancel: {
                    // Closing the connection ends the notification sequence, which does not watch for
                    // cancellation; the loop then awaits the close before letting the connection go.
                    if let connection = current.withLock({ $0 }) { Self.close(connection) }
                }
            }
            await group.waitForAll()
        }
    }

    private static func close(_ connection: PostgresConnection) {
        let _: EventLoopFuture<Void> = connection.close()
    }

}
