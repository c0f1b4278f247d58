import AgenticCore
import Foundation
import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The production store: PostgreSQL through a sized, pre-warmed postgres-nio pool. The pool
/// (`PostgresClient`) and the LISTEN/NOTIFY relay are `services`: `serve` runs them in its
/// ServiceGroup, everything else with `run(_:)`.
///
/// A database that cannot be reached fails requests fast: waiting for a connection is bounded by
/// `leaseDeadline`, after which the request is a 503 `database_unavailable`. The pool keeps trying to
/// reconnect in the background, so service resumes on its own when the database returns.
///
/// The pool keeps no *minimum* of connections (`minimumConnections = 0`): postgres-nio's pool state
/// machine asserts `minimumConcurrentConnections <= active` when it opens a connection on demand, and
/// while connections die in an outage `active` can drop below a minimum (connections still closing
/// are counted towards the minimum but not towards `active`), which stopped the whole process. With
/// no minimum that precondition cannot fail. The pool is warmed to its full size at start instead,
/// and idle connections are kept for an hour, so in steady state it behaves like a fixed pool.
public final class PostgresStore: TransactionalStore {
    public let eventBell = EventBell()
    public let eventFeed: EventFeed
    let settings: PostgresSettings
    let logger: Logger
    private let relay: PostgresEventRelay
    /// The pool, against the host of the URL that fits (see `PostgresPoolService`).
    let pool: PostgresPoolService
    /// How long a request may wait for a connection before the database counts as down.
    let leaseDeadline: Duration
    let poolSize: Int
    public let clock: any WallClock
    public let rateLimitDirectory = RateLimitDirectory()
    private let leases = LeaseCount()
    /// Releases work stuck on a connection that closed (see `ConnectionWatch`).
    let watch = ConnectionWatch()

    private init(pool: PostgresPoolService, settings: PostgresSettings, logger: Logger, leaseDeadline: Duration, poolSize: Int,
                 clock: any WallClock) {
        self.clock = clock
        self.poolSize = poolSize
        self.settings = settings
        self.logger = logger
        self.leaseDeadline = leaseDeadline
        self.eventFeed = EventFeed(bell: eventBell)
        self.pool = pool
        relay = PostgresEventRelay(pool: pool, watch: watch, bell: eventBell, logger: logger)
    }

    /// The pool, then the relay (which leases from the pool): stopped in reverse order, so the relay
    /// is gone before the pool stops — a lease asked of a stopped pool is never answered.
    public var services: [any Service] { [pool, relay] }

    public static func open(
        _ settings: PostgresSettings, poolSize: Int = 16, leaseDeadline: Duration = .milliseconds(1500),
        logger: Logger = Logger(label: "agentic.postgres"), clock: any WallClock = SystemClock()
    ) -> PostgresStore {
        let pool = PostgresPoolService(settings: settings, logger: logger) { endpoint in
            var configuration = PostgresClient.Configuration(
                host: endpoint.host, port: endpoint.port, username: settings.username, password: settings.password,
                database: settings.database, tls: clientTLS(settings.tls))
            configuration.options.maximumConnections = max(1, poolSize)
            configuration.options.minimumConnections = 0  // see the type's comment: no minimum, warmed instead
            // Reaching a stopped server fails at once (connection refused); this bounds a slow or hung one.
            // It is not what makes requests fail fast in an outage: `leaseDeadline` is.
            configuration.options.connectTimeout = .seconds(5)
            configuration.options.connectionIdleTimeout = .seconds(3600)
            return PostgresClient(configuration: configuration, backgroundLogger: logger)
        }
        return PostgresStore(
            pool: pool, settings: settings, logger: logger, leaseDeadline: leaseDeadline, poolSize: max(1, poolSize), clock: clock)
    }

    /// Opens the pool's connections up front, so the first requests do not pay for connecting: every
    /// lease holds its connection until all are held (or a short while passed). Best effort: a
    /// database that is not up yet is simply connected to later, on demand.
    public func warm() async {
        await pool.waitUntilRunning()
        guard let client = pool.currentClient else { return }
        let target = poolSize
        let held = LeaseCount()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<target {
                group.addTask {
                    try? await client.withConnection { _ in
                        held.value.add(1, ordering: .relaxed)
                        let deadline = ContinuousClock.now + .seconds(2)
                        while held.value.load(ordering: .relaxed) < target, ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(5))
                        }
                    }
                }
            }
            group.addTask { try? await Task.sleep(for: .seconds(3)) }
            await group.next()
            group.cancelAll()
        }
    }

    private static func clientTLS(_ mode: PostgresSettings.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(.makeClientConfiguration())
        case .require: return .require(.makeClientConfiguration())
        }
    }

    public var description: String { settings.description }

    /// Nothing left to close: the pool's connections close when its service stops.
    public func close() async {}

    // MARK: connections

    private enum Outcome<T: Sendable>: Sendable {
        case value(T)
        case timedOut
    }

    /// Runs `body` on a pooled connection. If no connection can be had within `deadline`, the database
    /// is considered down and a 503 thrown at that moment — not later, when the pool gets round to
    /// withdrawing the lease request. Once a connection is leased, `body` runs to completion however
    /// long it takes (a dead server fails it on its own, see `ConnectionWatch`).
    ///
    /// Exactly one of the two happens: a connection that arrives after the deadline has been declared is
    /// handed back unused, so a client told "unavailable" never has its request carried out anyway.
    func withConnection<T: Sendable>(
        deadline: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let race = LeaseRace()
        let pool = self.pool
        let leases = self.leases
        let watch = self.watch
        let result = SingleResult<T>()
        let wait = deadline ?? leaseDeadline
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                result.start(continuation)
                let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(wait)) {
                    guard race.claim(.timedOut) else { return }
                    pool.suspect()
                    result.finish(.failure(AgenticError.databaseUnavailable("The database did not answer; retry shortly")))
                    result.cancel()
                }
                result.attach(
                    Task {
                        do {
                            // No host fits yet: wait for one; the deadline answers 503 meanwhile.
                            guard let client = await pool.client() else {
                                result.finish(.failure(CancellationError()))
                                return
                            }
                            let outcome = try await client.withConnection { connection -> Outcome<T> in
                                guard race.claim(.leased) else { return .timedOut }
                                timer.cancel()
                                leases.value.add(1, ordering: .relaxed)
                                defer { leases.value.subtract(1, ordering: .relaxed) }
                                return .value(try await watch.run(on: connection) { try await body(connection) })
                            }
                            if case .value(let value) = outcome { result.finish(.success(value)) }
                        } catch {
                            // No connection could be had at all — the pool gave up, or was closed
                            // because it moved to another host (postgres-nio then throws its pool's
                            // own error, not a PSQLError): the database is unavailable.
                            let mapped = race.isLeased ? PostgresErrors.map(error)
                                : AgenticError.databaseUnavailable("No database connection could be had; retry shortly")
                            // Connections lost, a write refused as read-only: the primary may have moved.
                            if (mapped as? AgenticError)?.code == .databaseUnavailable { pool.suspect() }
                            result.finish(.failure(mapped))
                        }
                    })
            }
        } onCancel: {
            result.cancel()
        }
    }

    /// Runs a statement whose result does not matter, reading it to the end (a result left unread can
    /// keep its connection from going back to the pool).
    static func drain(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws {
        for try await _ in try await connection.query(query, logger: logger) {}
    }

    /// Runs `body` in a transaction through postgres-nio's `withTransaction` (BEGIN, then COMMIT or
    /// ROLLBACK), answering the error that caused a failure rather than its wrapper.
    static func inTransaction<T: Sendable>(
        _ connection: PostgresConnection, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw PostgresErrors.map(error.closureError ?? error.beginError ?? error.commitError ?? error)
        }
    }

    /// One transaction, without telling event readers (keys, idempotency records). `events` counts the
    /// events it appends.
    func transaction<T: Sendable>(
        events: EventCounter? = nil, rollups: RollupQueue? = nil, _ body: @escaping @Sendable (PostgresTransaction) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await withConnection { connection in
                    // A retry starts counting afresh.
                    let counter = events?.reset() ?? EventCounter()
                    let queue = rollups?.reset() ?? RollupQueue()
                    let (result, claim) = try await Self.inTransaction(connection, logger: logger) { connection in
                        let tx = PostgresTransaction(connection: connection, logger: logger, events: counter, rollups: queue, held: HeldWrites())
                        let result = try await body(tx)
                        try await tx.flush()
                        return (result, try await tx.recordIdempotentAnswer(result))
                    }
                    claim?.markRecorded()
                    return result
                }
            } catch where attempt < 3 && PostgresErrors.isRetryable(error) {
                logger.debug("retrying a transaction after a serialisation failure or deadlock")
            }
        }
    }

    /// A transaction that may append events: readers here and on other instances are woken when it did
    /// (a write that appended none, such as an idle sweep, wakes no one). The plans its task changes
    /// may have finished are rolled up once it has committed (see `RollupQueue`).
    public func write<T: Sendable>(_ body: @escaping @Sendable (PostgresTransaction) async throws -> T) async throws -> T {
        let events = EventCounter()
        let rollups = RollupQueue()
        let result = try await transaction(events: events, rollups: rollups, body)
        if events.total > 0 {
            eventBell.ring()
            relay.changed()
        }
        await rollUp(rollups)
        return result
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (PostgresTransaction) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await withConnection { connection in try await body(PostgresTransaction(connection: connection, logger: logger)) }
    }

    public func consistentRead<T: Sendable>(_ body: @escaping @Sendable (PostgresTransaction) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await withConnection { connection in
            try await Self.inTransaction(connection, logger: logger) { connection in
                let tx = PostgresTransaction(connection: connection, logger: logger)
                try await tx.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                return try await body(tx)
            }
        }
    }

    public func export(to sink: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> SnapshotSummary {
        try await export(source: "postgres", to: sink)
    }

    // MARK: migrations and health

    public func migrate() async throws {
        try await migrate(upTo: PostgresSchema.latestVersion)
    }

    /// Applies the migrations up to `version` (tests stop early to check that later ones keep data).
    func migrate(upTo version: Int) async throws {
        let logger = self.logger
        try await withConnection(deadline: .seconds(10)) { connection in
            let tx = PostgresTransaction(connection: connection, logger: logger)
            // Nothing to apply (the usual case when an instance starts): no lock. Instances starting
            // together would otherwise queue on it one after another, each holding it for several
            // round trips — a hundred of them took longer than a request may wait.
            if try await Self.appliedVersions(tx).isSuperset(of: PostgresSchema.migrations.map(\.version).filter({ $0 <= version })) {
                return
            }
            try await tx.run("SELECT pg_advisory_lock(\(PostgresSchema.advisoryLockKey))")
            do {
                try await tx.run("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)")
                let applied = try await Self.appliedVersions(tx)
                for migration in PostgresSchema.migrations where migration.version <= version && !applied.contains(migration.version) {
                    try await Self.inTransaction(connection, logger: logger) { connection in
                        let tx = PostgresTransaction(connection: connection, logger: logger)
                        for statement in migration.statements { try await tx.run(PostgresQuery(unsafeSQL: statement)) }
                        try await tx.run("INSERT INTO schema_migrations (version, applied_at) VALUES (\(Int32(migration.version)), \(Timestamp.now()))")
                    }
                    logger.info("Applied PostgreSQL migration \(migration.version)")
                }
            } catch {
                try? await Self.drain("SELECT pg_advisory_unlock(\(PostgresSchema.advisoryLockKey))", on: connection, logger: logger)
                throw error
            }
            try await tx.run("SELECT pg_advisory_unlock(\(PostgresSchema.advisoryLockKey))")
        }
    }

    /// The versions in `schema_migrations` (none before the table exists).
    private static func appliedVersions(_ tx: PostgresTransaction) async throws -> Set<Int> {
        let exists = try await tx.rows("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").first?.get("present", as: Bool.self) ?? false
        guard exists else { return [] }
        return Set(try await tx.rows("SELECT version FROM schema_migrations").map { Int(try $0.get("version", as: Int32.self)) })
    }

    public func readiness() async -> StoreReadiness {
        let expected = PostgresSchema.latestVersion
        do {
            let version = try await read { tx -> Int? in
                let exists = try await tx.rows("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").first?.get("present", as: Bool.self) ?? false
                guard exists else { return nil }
                return try await tx.rows("SELECT max(version) AS v FROM schema_migrations").first?.get("v", as: Int32?.self).map(Int.init)
            }
            return StoreReadiness(
                reachable: true, schemaVersion: version, expectedSchemaVersion: expected,
                detail: version == expected ? nil : "schema migrations are not applied (run agentic migrate)")
        } catch {
            return StoreReadiness(
                reachable: false, schemaVersion: nil, expectedSchemaVersion: expected,
                detail: pool.currentEndpoint.map { "PostgreSQL at \($0) is unreachable" }
                    ?? "no PostgreSQL host of \(settings.endpoints.map(\.description).joined(separator: ", ")) fits target_session_attrs=\(settings.targetSessionAttrs.rawValue)")
        }
    }

    public func statistics() async throws -> StoreStatistics {
        let counts = try await read { tx in
            var counts: [TaskStatus: Int64] = [:]
            for row in try await tx.rows("SELECT status, count(*) AS n FROM tasks GROUP BY status") {
                if let status = TaskStatus(rawValue: try row.get("status")) { counts[status] = try row.get("n", as: Int64.self) }
            }
            let events = try await tx.rows("SELECT count(*) AS n FROM events").first?.get("n", as: Int64.self) ?? 0
            // Committed events readers cannot see yet because an older transaction — in any database
            // of the cluster — is still open (see `events(after:)`): how long the oldest has waited.
            let lag = try await tx.rows(
                """
                SELECT coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::float8 AS lag FROM (
                    SELECT created_at FROM events
                    WHERE event_id >= (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)
                      AND tx >= pg_snapshot_xmin(pg_current_snapshot())
                    ORDER BY event_id LIMIT 1) AS held_back
                """
            ).first?.get("lag", as: Double.self) ?? 0
            return (counts, events, lag, try await tx.limitStatistics(at: self.clock.now()))
        }
        return StoreStatistics(
            tasksByStatus: counts.0, eventsRetained: counts.1, eventDeliveryLagSeconds: max(0, counts.2),
            connections: ConnectionUse(inUse: leases.value.load(ordering: .relaxed), size: poolSize), limits: counts.3)
    }

    // MARK: statistics

    public func tenantStatistics(tenant: String) async throws -> TenantStatistics {
        try await consistentRead { tx in
            var stats = TenantStatistics(asOf: .now())
            for row in try await tx.rows(
                "SELECT name, sum(n)::bigint AS n FROM counters WHERE tenant = \(tenant) AND bucket = 0 GROUP BY name")
            {
                stats.add(counter: try row.get("name"), standing: try row.get("n"))
            }
            for row in try await tx.rows(
                """
                SELECT name, coalesce(sum(n) FILTER (WHERE bucket > now_bucket - \(TenantStatistics.minuteBuckets)), 0)::bigint AS minute,
                       sum(n)::bigint AS hour
                FROM counters, (SELECT floor(extract(epoch FROM now()) / \(TenantStatistics.bucketSeconds))::bigint AS now_bucket) AS b
                WHERE tenant = \(tenant) AND bucket > now_bucket - \(TenantStatistics.hourBuckets) GROUP BY name
                """)
            {
                stats.add(activity: try row.get("name"), minute: try row.get("minute"), hour: try row.get("hour"))
            }
            for row in try await tx.rows(
                """
                SELECT name, (now_bucket - bucket) / \(TenantStatistics.minuteBuckets) AS ago, sum(n)::bigint AS n
                FROM counters, (SELECT floor(extract(epoch FROM now()) / \(TenantStatistics.bucketSeconds))::bigint AS now_bucket) AS b
                WHERE tenant = \(tenant) AND bucket > now_bucket - \(TenantStatistics.minuteBuckets * Int64(TenantStatistics.recentMinuteCount))
                GROUP BY name, ago
                """)
            {
                stats.add(activity: try row.get("name"), minutesAgo: try row.get("ago"), n: try row.get("n"))
            }
            stats.oldestReadyAt = try await tx.rows(Self.oldestReadyQuery(tenant: tenant)).first?.get("oldest", as: Timestamp?.self)
            return stats
        }
    }

    /// The oldest ready task: the first entry of each priority in the ready index (a probe per
    /// priority, however many tasks wait).
    static func oldestReadyQuery(tenant: String) -> PostgresQuery {
        """
        SELECT min(first.created_at) AS oldest
        FROM generate_series(\(Limits.priorities.lowerBound), \(Limits.priorities.upperBound)) AS p(priority),
        LATERAL (SELECT created_at FROM tasks
                 WHERE tenant = \(tenant) AND status = 'pending' AND unmet_dependencies = 0 AND priority = p.priority
                 ORDER BY created_at LIMIT 1) AS first
        """
    }

    /// One instance at a time (the others skip a round): two folds deleting the same rows in
    /// different orders could deadlock. Rows a writer holds are left for the next round (`SKIP
    /// LOCKED`): a writer bumping two counters while the fold deletes them in the other order would
    /// deadlock too, and one of the two would fail.
    public func compactCounters() async throws {
        try await transaction { tx in
            let mine = try await tx.rows("SELECT pg_try_advisory_xact_lock(\(PostgresSchema.countersLockKey)) AS mine")
                .first?.get("mine", as: Bool.self) ?? false
            guard mine else { return }
            try await tx.run(
                """
                WITH folded AS (
                    DELETE FROM counters WHERE ctid IN (
                        SELECT ctid FROM counters
                        WHERE slot <> 0 AND (bucket = 0 OR bucket < floor(extract(epoch FROM now()) / \(TenantStatistics.bucketSeconds))::bigint)
                        FOR UPDATE SKIP LOCKED)
                    RETURNING tenant, name, bucket, n)
                INSERT INTO counters AS c (tenant, name, bucket, slot, n)
                SELECT tenant, name, bucket, 0, sum(n) FROM folded GROUP BY tenant, name, bucket
                ON CONFLICT (tenant, name, bucket, slot) DO UPDATE SET n = c.n + excluded.n
                """)
            try await tx.run(
                """
                DELETE FROM counters WHERE bucket <> 0
                  AND bucket <= floor(extract(epoch FROM now()) / \(TenantStatistics.bucketSeconds))::bigint - \(TenantStatistics.hourBuckets)
                """)
        }
    }

    // MARK: events

    public func events(after: Int64, filter: EventFilter, limit: Int, tenant: String) async throws -> EventBatch {
        // Only events of transactions older than every running one are shown (`tx < xmin`): an event
        // id is fixed before its transaction commits, so this is what keeps a reader from skipping one.
        // The filter runs in SQL, so a page holds `limit` matching events. An unnamed statement is
        // planned with its values: the `IS NULL` test folds away, and a resource's events are found
        // through their own index.
        let rows = try await read { tx in try await tx.rows(Self.eventsQuery(after: after, filter: filter, limit: limit, tenant: tenant)) }
        let events = try rows.map(PostgresColumns.eventRow)
        return EventBatch(events: events, nextAfter: events.last?.id ?? after)
    }

    static func eventsQuery(after: Int64, filter: EventFilter, limit: Int, tenant: String) -> PostgresQuery {
        let types = filter.types
        let resource = filter.resourceID
        return """
            SELECT \(unescaped: PostgresColumns.event) FROM events
            WHERE tenant = \(tenant) AND event_id > \(after) AND tx < pg_snapshot_xmin(pg_current_snapshot())
              AND (\(resource)::uuid IS NULL OR resource_id = \(resource))
              AND (\(types.isEmpty) OR type = ANY(\(types.exact))
                   OR EXISTS (SELECT 1 FROM unnest(\(types.prefixes)::text[]) AS p(prefix) WHERE starts_with(type, p.prefix)))
            ORDER BY event_id LIMIT \(Int64(limit))
            """
    }

    public func visibleEventHead() async throws -> Int64 {
        try await read { tx in
            try await tx.rows(
                "SELECT coalesce(max(event_id), 0) AS head FROM events WHERE tx < pg_snapshot_xmin(pg_current_snapshot())"
            ).first?.get("head", as: Int64.self) ?? 0
        }
    }

    public func visibleEvents(after: Int64, limit: Int) async throws -> [Event] {
        try await read { tx in try await tx.events(after: after, limit: limit, onlyVisible: true) }
    }

    public func pruneEvents(before cutoff: Timestamp) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await transaction { tx in
                try await tx.rows(
                    """
                    DELETE FROM events WHERE event_id IN (SELECT event_id FROM events WHERE created_at < \(cutoff) LIMIT 10000)
                    RETURNING event_id
                    """
                ).count
            }
            total += deleted
            if deleted < 10_000 { return total }
        }
    }

    // MARK: keys

    public func createKey(_ key: ApiKey) async throws {
        try await transaction { tx in
            try await tx.ensureTenant(name: key.tenant, createdAt: key.createdAt)
            try await tx.insertKey(key)
        }
    }

    public func key(hash: String) async throws -> ApiKey? {
        try await read { tx in try await tx.execute(Prepared.KeyByHash(hash: hash)).first }
    }

    public func listKeys(tenant: String?) async throws -> [ApiKey] {
        try await read { tx in
            if let tenant {
                return try await tx.rows(
                    "SELECT \(unescaped: PostgresColumns.key) FROM api_keys WHERE tenant = \(tenant) ORDER BY created_at, key_id"
                ).map(PostgresColumns.keyRow)
            }
            return try await tx.rows("SELECT \(unescaped: PostgresColumns.key) FROM api_keys ORDER BY tenant, created_at, key_id")
                .map(PostgresColumns.keyRow)
        }
    }

    public func revokeKey(_ id: UUID, tenant: String?, at now: Timestamp) async throws -> Bool {
        try await transaction { tx in
            try await tx.rows(
                """
                UPDATE api_keys SET revoked_at = \(now)
                WHERE key_id = \(id) AND revoked_at IS NULL AND (\(tenant)::text IS NULL OR tenant = \(tenant))
                RETURNING key_id
                """
            ).count == 1
        }
    }

    public func countKeys() async throws -> Int {
        try await read { tx in Int(try await tx.rows("SELECT count(*) AS n FROM api_keys").first?.get("n", as: Int64.self) ?? 0) }
    }

    // MARK: idempotency

    public func reserveIdempotencyKey(_ r: IdempotencyReservation) async throws -> IdempotencyOutcome {
        let token = UUID().lowercased
        return try await transaction { tx in
            let inserted = try await tx.rows(
                """
                INSERT INTO idempotency_keys (tenant, key, request_hash, state, created_at, expires_at, token)
                VALUES (\(r.tenant), \(r.key), \(r.requestHash), 'running', \(r.now), \(r.expiresAt), \(token))
                ON CONFLICT (tenant, key) DO NOTHING RETURNING key
                """)
            if !inserted.isEmpty { return .reserved(token: token) }
            guard
                let row = try await tx.rows(
                    """
                    SELECT \(unescaped: IdempotencyRecord.columns) FROM idempotency_keys
                    WHERE tenant = \(r.tenant) AND key = \(r.key) FOR UPDATE
                    """
                ).first
            else { return .inProgress }
            if let outcome = try PostgresColumns.idempotencyRow(row).outcome(for: r) { return outcome }
            // Expired, or abandoned: this request takes the key over under a new token.
            try await tx.run(
                """
                UPDATE idempotency_keys SET request_hash = \(r.requestHash), state = 'running', status = NULL, headers = NULL,
                    body = NULL, created_at = \(r.now), expires_at = \(r.expiresAt), token = \(token)
                WHERE tenant = \(r.tenant) AND key = \(r.key)
                """)
            return .reserved(token: token)
        }
    }

    public func completeIdempotencyKey(_ claim: IdempotencyClaim, response: StoredResponse) async throws {
        _ = try await transaction { tx in try await tx.finishIdempotentRequest(claim, response: response) }
    }

    public func releaseIdempotencyKey(_ claim: IdempotencyClaim) async throws {
        try await transaction { tx in
            try await tx.run(
                """
                DELETE FROM idempotency_keys
                WHERE tenant = \(claim.tenant) AND key = \(claim.key) AND token = \(claim.token) AND state = 'running'
                """)
        }
    }

    public func pruneIdempotencyKeys(before cutoff: Timestamp) async throws -> Int {
        try await transaction { tx in
            try await tx.rows("DELETE FROM idempotency_keys WHERE expires_at < \(cutoff) RETURNING key").count
        }
    }
}

/// Who won between a connection lease and its deadline: the first to claim decides.
private final class LeaseRace: Sendable {
    enum Winner: Int { case leased = 1, timedOut = 2 }
    private let winner = Atomic<Int>(0)

    var isLeased: Bool { winner.load(ordering: .acquiring) == Winner.leased.rawValue }

    /// True when `side` wins (or had already won).
    func claim(_ side: Winner) -> Bool {
        let (exchanged, current) = winner.compareExchange(expected: 0, desired: side.rawValue, ordering: .acquiringAndReleasing)
        return exchanged || current == side.rawValue
    }
}

/// A shared count: connections leased right now (for `/metrics`), connections held while warming.
private final class LeaseCount: Sendable {
    let value = Atomic<Int>(0)
}
