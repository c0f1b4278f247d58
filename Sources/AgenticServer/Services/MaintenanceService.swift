import AgenticCore
import AgenticStore
import Logging
import ServiceLifecycle

/// Background work of each instance: returns expired leases to the queue, makes delayed tasks
/// whose time has come ready, fails goals whose time ran out and ready tasks nobody claimed within
/// their `schedule_to_start_seconds`, and runs schedules whose tick has come (every `sweepInterval`), and
/// once a minute finishes plans whose roll-up was lost (see `RollupQueue`), folds the `/stats`
/// counters, and prunes events past retention and expired idempotency records.
///
/// Every instance may run it: the store hands each expired task to one sweeper only (row locks with
/// `SKIP LOCKED` on PostgreSQL, the single writer on SQLite).
public struct MaintenanceService: Service {
    let store: any Store
    let configuration: ServerConfiguration
    let logger: Logger

    public init(store: any Store, configuration: ServerConfiguration, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        var lastPrune = ContinuousClock.now - .seconds(3600)
        // The service starts beside the server, before `serve` has migrated the store: wait quietly
        // until the schema is current.
        while await !store.readiness().isReady, !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: configuration.sweepInterval) }
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                while try await store.expireLeases(limit: 500) == 500 {}
                while try await store.releaseDueTasks(limit: 500) == 500 {}
                while try await store.expireGoals(limit: 100) == 100 {}
                while try await store.expireUnstartedTasks(limit: 100) == 100 {}
                while try await store.runDueSchedules(limit: 50) == 50 {}
                if ContinuousClock.now - lastPrune > .seconds(60) {
                    let plans = try await store.rollUpFinishedPlans(limit: 100)
                    if plans > 0 { logger.info("rolled up plans whose tasks had all finished", metadata: ["plans": "\(plans)"]) }
                    try await store.compactCounters()
                    _ = try await store.pruneUsageTotals()
                    let now = Timestamp.now()
                    let events = try await store.pruneEvents(before: now.adding(seconds: -configuration.eventRetentionSeconds))
                    let keys = try await store.pruneIdempotencyKeys(before: now)
                    // Finished webhook deliveries are kept as long as the events they carried.
                    let deliveries = try await store.pruneWebhookDeliveries(
                        before: now.adding(seconds: -configuration.eventRetentionSeconds))
                    if events + keys + deliveries > 0 {
                        logger.info(
                            "pruned old records",
                            metadata: ["events": "\(events)", "idempotency_keys": "\(keys)", "webhook_deliveries": "\(deliveries)"])
                    }
                    lastPrune = ContinuousClock.now
                }
            } catch {
                logger.warning("maintenance step failed; will retry", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: configuration.sweepInterval)
            }
        }
    }
}
