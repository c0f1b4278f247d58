import AgenticCore
import Foundation
import Logging
import SQLiteNIO
import ServiceLifecycle
import Synchronization

/// The embedded store: one SQLite file in WAL mode, one write connection whose transactions each
/// commit a batch of concurrent writes (`GroupCommit`), and a few read connections that never wait
/// for writers.
public final class SQLiteStore: TransactionalStore {
    public let path: String
    public let eventBell: EventBell
    public let eventFeed: EventFeed
    private let writer: SQLiteConnection
    private let writeLock = AsyncMutex()
    private let groupCommit: GroupCommit
    private let counters: SQLiteCounters
    private let writerBusy = Atomic<Bool>(false)
    private let readers: SQLiteReaderPool
    private let logger: Logger
    public let clock: any WallClock
    public let rateLimitDirectory = RateLimitDirectory()

    private init(
        path: String, writer: SQLiteConnection, counters: SQLiteCounters, readers: [SQLiteConnection], logger: Logger,
        clock: any WallClock
    ) {
        self.path = path
        self.clock = clock
        self.writer = writer
        self.counters = counters
        self.readers = SQLiteReaderPool(readers)
        self.logger = logger
        self.groupCommit = GroupCommit(lock: writeLock, counters: counters)
        let bell = EventBell()
        self.eventBell = bell
        self.eventFeed = EventFeed(bell: bell)
    }

    /// Opens (creating if needed) the database file and its folder. Call `migrate()` before use.
    public static func open(
        path: String, readers: Int = 4, logger: Logger = Logger(label: "agentic.sqlite"), clock: any WallClock = SystemClock()
    ) async throws -> SQLiteStore
    {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000"] {
            _ = try await writer.query(pragma)
        }
        let counters = SQLiteCounters()
        try await writer.install(customFunction: counters.function)
        var pool: [SQLiteConnection] = []
        for _ in 0..<max(1, readers) {
            let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            _ = try await reader.query("PRAGMA busy_timeout = 5000")
            _ = try await reader.query("PRAGMA query_only = ON")
            pool.append(reader)
        }
        return SQLiteStore(path: path, writer: writer, counters: counters, readers: pool, logger: logger, clock: clock)
    }

    public var description: String { "sqlite:\(path)" }

    /// Write transactions committed so far, each holding one or more requests' writes.
    public var committedBatches: Int { groupCommit.committed }

    /// The embedded store runs nothing in the background.
    public var services: [any Service] { [] }

    public func warm() async {}

    public func close() async {
        try? await writer.close()
        for reader in readers.all { try? await reader.close() }
    }

    // MARK: transactions

    /// One write on the single writer, committed with the writes that arrive beside it (see
    /// `GroupCommit`). The plans its task changes may have finished are rolled up once it has
    /// committed (see `RollupQueue`).
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteTransaction) async throws -> T) async throws -> T {
        let rollups = RollupQueue()
        let produced = WriteResult<(T, IdempotencyClaim?)>()
        // The batch may run on another request's task: carry this request's idempotency claim along.
        let claim = IdempotencyClaim.current
        try await groupCommit.run(on: writer) { connection in
            self.writerBusy.store(true, ordering: .relaxed)
            defer { self.writerBusy.store(false, ordering: .relaxed) }
            try await IdempotencyClaim.$current.withValue(claim) {
                let tx = SQLiteTransaction(connection: connection, rollups: rollups)
                let result = try await body(tx)
                produced.set((result, try await tx.recordIdempotentAnswer(result)))
            }
        }
        guard let (result, recorded) = produced.get() else { throw AgenticError.internal("a committed write left no result") }
        recorded?.markRecorded()
        eventBell.ring()
        await rollUp(rollups)
        return result
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteTransaction) async throws -> T) async throws -> T {
        try await readers.with { connection in try await body(SQLiteTransaction(connection: connection)) }
    }

    public func consistentRead<T: Sendable>(_ body: @escaping @Sendable (SQLiteTransaction) async throws -> T) async throws -> T {
        try await readers.with { connection in
            let tx = SQLiteTransaction(connection: connection)
            try await tx.run("BEGIN")
            do {
                let result = try await body(tx)
                try await tx.run("COMMIT")
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    public func export(to sink: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> SnapshotSummary {
        try await export(source: "sqlite", to: sink)
    }

    // MARK: migrations and health

    public func migrate() async throws {
        try await migrate(upTo: SQLiteSchema.latestVersion)
    }

    /// Applies the migrations up to `version` (tests stop early to check that later ones keep data).
    ///
    /// Foreign keys are off while a migration runs (a rebuilt table may be referenced before it is
    /// renamed into place; SQLite can only switch them outside a transaction) and every reference is
    /// checked before the migration commits.
    func migrate(upTo version: Int) async throws {
        try await writeLock.withLock {
            _ = try await writer.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            let applied = Set(try await writer.query("SELECT version FROM schema_migrations").map { try $0.int("version") })
            for migration in SQLiteSchema.migrations where migration.version <= version && !applied.contains(Int64(migration.version)) {
                _ = try await writer.query("PRAGMA foreign_keys = OFF")
                _ = try await writer.query("BEGIN IMMEDIATE")
                counters.discardAll()
                do {
                    for statement in migration.statements { _ = try await writer.query(statement) }
                    try await counters.flush(on: writer)
                    let broken = try await writer.query("PRAGMA foreign_key_check")
                    if !broken.isEmpty {
                        throw AgenticError.internal("migration \(migration.version) would leave \(broken.count) broken references")
                    }
                    _ = try await writer.query(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                        [.integer(SQLiteInt64(migration.version)), .time(.now())])
                    _ = try await writer.query("COMMIT")
                    _ = try await writer.query("PRAGMA foreign_keys = ON")
                    logger.info("Applied SQLite migration \(migration.version)")
                } catch {
                    _ = try? await writer.query("ROLLBACK")
                    _ = try? await writer.query("PRAGMA foreign_keys = ON")
                    throw error
                }
            }
        }
    }

    public func readiness() async -> StoreReadiness {
        do {
            let version = try await read { tx in
                try await tx.run("SELECT max(version) AS v FROM schema_migrations").first?.optionalInt("v")
            }
            return StoreReadiness(
                reachable: true, schemaVersion: version.map(Int.init), expectedSchemaVersion: SQLiteSchema.latestVersion,
                detail: version.map(Int.init) == SQLiteSchema.latestVersion ? nil : "schema migrations are not applied")
        } catch {
            return StoreReadiness(
                reachable: false, schemaVersion: nil, expectedSchemaVersion: SQLiteSchema.latestVersion,
                detail: "database file cannot be read: \(error)")
        }
    }

    public func statistics() async throws -> StoreStatistics {
        try await read { tx in
            var counts: [TaskStatus: Int64] = [:]
            for row in try await tx.run("SELECT status, count(*) AS n FROM tasks GROUP BY status") {
                if let status = TaskStatus(rawValue: try row.text("status")) { counts[status] = try row.int("n") }
            }
            let events = try await tx.run("SELECT count(*) AS n FROM events").first?.int("n") ?? 0
            return StoreStatistics(
                tasksByStatus: counts, eventsRetained: events, connections: self.connectionUse,
                limits: try await tx.limitStatistics(at: self.clock.now()))
        }
    }

    // MARK: statistics

    public func tenantStatistics(tenant: String) async throws -> TenantStatistics {
        try await consistentRead { tx in
            var stats = TenantStatistics(asOf: .now())
            for row in try await tx.run("SELECT name, sum(n) AS n FROM counters WHERE tenant = ?1 AND bucket = 0 GROUP BY name", [.text(tenant)]) {
                stats.add(counter: try row.text("name"), standing: try row.int("n"))
            }
            let now = "(unixepoch() / \(TenantStatistics.bucketSeconds))"
            for row in try await tx.run(
                """
                SELECT name, coalesce(sum(n) FILTER (WHERE bucket > \(now) - \(TenantStatistics.minuteBuckets)), 0) AS minute, sum(n) AS hour
                FROM counters WHERE tenant = ?1 AND bucket > \(now) - \(TenantStatistics.hourBuckets) GROUP BY name
                """, [.text(tenant)])
            {
                stats.add(activity: try row.text("name"), minute: try row.int("minute"), hour: try row.int("hour"))
            }
            for row in try await tx.run(
                """
                SELECT name, (\(now) - bucket) / \(TenantStatistics.minuteBuckets) AS ago, sum(n) AS n FROM counters
                WHERE tenant = ?1 AND bucket > \(now) - \(TenantStatistics.minuteBuckets * Int64(TenantStatistics.recentMinuteCount))
                GROUP BY name, ago
                """, [.text(tenant)])
            {
                stats.add(activity: try row.text("name"), minutesAgo: try row.int("ago"), n: try row.int("n"))
            }
            // The oldest ready task: the first entry of each priority in the ready index.
            let firstOfEach = Limits.priorities.map { priority in
                """
                SELECT created_at FROM (SELECT created_at FROM tasks INDEXED BY tasks_ready
                    WHERE tenant = ?1 AND status = 'pending' AND unmet_dependencies = 0 AND priority = \(priority)
                    ORDER BY created_at LIMIT 1)
                """
            }
            stats.oldestReadyAt = try await tx.run(
                "SELECT min(created_at) AS oldest FROM (\(firstOfEach.joined(separator: " UNION ALL ")))", [.text(tenant)]
            ).first?.optionalTimestamp("oldest")
            return stats
        }
    }

    /// One writer, one slot: only old activity goes.
    public func compactCounters() async throws {
        try await write { tx in
            try await tx.run(
                "DELETE FROM counters WHERE bucket <> 0 AND bucket <= unixepoch() / ?1 - ?2",
                [.int(TenantStatistics.bucketSeconds), .int(TenantStatistics.hourBuckets)])
        }
    }

    /// The writer plus the readers; one reader is the one answering this very question when asked from `statistics()`.
    var connectionUse: ConnectionUse {
        ConnectionUse(
            inUse: readers.inUse + (writerBusy.load(ordering: .relaxed) ? 1 : 0), size: readers.all.count + 1)
    }

    // MARK: events

    public func events(after: Int64, filter: EventFilter, limit: Int, tenant: String) async throws -> EventBatch {
        // The filter runs in SQL, so a page holds `limit` matching events however many others lie
        // between them; a resource's events are read through their own index. The type lists travel
        // as JSON arrays, read back with `json_each` (whose own `type` column is why `events.type`
        // is spelled out).
        let types = filter.types
        let (index, resource) = filter.resourceID == nil ? ("events_by_tenant", "") : ("events_by_resource", "AND resource_id = ?7")
        let rows = try await read { tx in
            try await tx.run(
                """
                SELECT \(TableColumns.event) FROM events INDEXED BY \(index)
                WHERE tenant = ?1 AND event_id > ?2 \(resource)
                  AND (?4 = 0 OR events.type IN (SELECT value FROM json_each(?5))
                       OR EXISTS (SELECT 1 FROM json_each(?6) AS p WHERE substr(events.type, 1, length(p.value)) = p.value))
                ORDER BY event_id LIMIT ?3
                """,
                [.text(tenant), .int(after), .integer(SQLiteInt64(limit)), .integer(types.isEmpty ? 0 : 1),
                 .text(Self.jsonArray(types.exact)), .text(Self.jsonArray(types.prefixes))]
                    + (filter.resourceID.map { [.uuid($0)] } ?? []))
        }
        let events = try rows.map(SQLiteColumns.eventRow)
        return EventBatch(events: events, nextAfter: events.last?.id ?? after)
    }

    /// Rows are visible once committed, and ids are assigned in commit order by the single writer.
    public func visibleEventHead() async throws -> Int64 {
        try await read { tx in try await tx.run("SELECT coalesce(max(event_id), 0) AS head FROM events").first?.int("head") ?? 0 }
    }

    public func visibleEvents(after: Int64, limit: Int) async throws -> [Event] {
        try await read { tx in try await tx.snapshotEvents(after: after, limit: limit) }
    }

    private static func jsonArray(_ items: [String]) -> String {
        var w = JSONWriter(capacity: 64)
        w.strings(items)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    public func pruneEvents(before cutoff: Timestamp) async throws -> Int {
        try await write { tx in
            try await tx.run("DELETE FROM events WHERE created_at < ?1 RETURNING event_id", [.time(cutoff)]).count
        }
    }

    // MARK: keys

    public func createKey(_ key: ApiKey) async throws {
        _ = try await write { tx in
            try await tx.ensureTenant(name: key.tenant, createdAt: key.createdAt)
            try await tx.insertKey(key)
        }
    }

    public func key(hash: String) async throws -> ApiKey? {
        try await read { tx in
            try await tx.run("SELECT \(SQLiteColumns.key) FROM api_keys WHERE key_hash = ?1", [.text(hash)]).first
                .map(SQLiteColumns.keyRow)
        }
    }

    public func listKeys(tenant: String?) async throws -> [ApiKey] {
        try await read { tx in
            if let tenant {
                return try await tx.run(
                    "SELECT \(SQLiteColumns.key) FROM api_keys WHERE tenant = ?1 ORDER BY created_at, key_id", [.text(tenant)]
                ).map(SQLiteColumns.keyRow)
            }
            return try await tx.run("SELECT \(SQLiteColumns.key) FROM api_keys ORDER BY tenant, created_at, key_id")
                .map(SQLiteColumns.keyRow)
        }
    }

    public func revokeKey(_ id: UUID, tenant: String?, at now: Timestamp) async throws -> Bool {
        try await write { tx in
            try await tx.run(
                """
                UPDATE api_keys SET revoked_at = ?2 WHERE key_id = ?1 AND revoked_at IS NULL AND (?3 IS NULL OR tenant = ?3)
                RETURNING key_id
                """, [.uuid(id), .time(now), .text(tenant)]
            ).count == 1
        }
    }

    public func countKeys() async throws -> Int {
        try await read { tx in Int(try await tx.run("SELECT count(*) AS n FROM api_keys").first?.int("n") ?? 0) }
    }

    // MARK: idempotency

    public func reserveIdempotencyKey(_ r: IdempotencyReservation) async throws -> IdempotencyOutcome {
        let token = UUID().lowercased
        return try await write { tx in
            let rows = try await tx.run(
                "SELECT \(IdempotencyRecord.columns) FROM idempotency_keys WHERE tenant = ?1 AND key = ?2", [.text(r.tenant), .text(r.key)])
            if let row = rows.first, let outcome = try SQLiteColumns.idempotencyRow(row).outcome(for: r) { return outcome }
            // New, expired or abandoned: this request takes the key under a new token.
            try await tx.run(
                """
                INSERT INTO idempotency_keys (tenant, key, request_hash, state, created_at, expires_at, token)
                VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6)
                ON CONFLICT (tenant, key) DO UPDATE SET request_hash = excluded.request_hash, state = 'running',
                    status = NULL, headers = NULL, body = NULL, created_at = excluded.created_at, expires_at = excluded.expires_at,
                    token = excluded.token
                """, [.text(r.tenant), .text(r.key), .text(r.requestHash), .time(r.now), .time(r.expiresAt), .text(token)])
            return .reserved(token: token)
        }
    }

    public func completeIdempotencyKey(_ claim: IdempotencyClaim, response: StoredResponse) async throws {
        _ = try await write { tx in try await tx.finishIdempotentRequest(claim, response: response) }
    }

    public func releaseIdempotencyKey(_ claim: IdempotencyClaim) async throws {
        _ = try await write { tx in
            try await tx.run(
                "DELETE FROM idempotency_keys WHERE tenant = ?1 AND key = ?2 AND token = ?3 AND state = 'running'",
                [.text(claim.tenant), .text(claim.key), .text(claim.token)])
        }
    }

    public func pruneIdempotencyKeys(before cutoff: Timestamp) async throws -> Int {
        try await write { tx in
            try await tx.run("DELETE FROM idempotency_keys WHERE expires_at < ?1 RETURNING key", [.time(cutoff)]).count
        }
    }
}

/// Read connections handed out one task at a time.
final class SQLiteReaderPool: Sendable {
    private struct State {
        var idle: [SQLiteConnection]
        var waiters: [CheckedContinuation<SQLiteConnection, Never>] = []
    }

    let all: [SQLiteConnection]
    private let state: Mutex<State>

    var inUse: Int { state.withLock { all.count - $0.idle.count } }

    init(_ connections: [SQLiteConnection]) {
        all = connections
        state = Mutex(State(idle: connections))
    }

    func with<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let connection = await withCheckedContinuation { (continuation: CheckedContinuation<SQLiteConnection, Never>) in
            let ready = state.withLock { state -> SQLiteConnection? in
                if let connection = state.idle.popLast() { return connection }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        defer {
            let waiter = state.withLock { state -> CheckedContinuation<SQLiteConnection, Never>? in
                if state.waiters.isEmpty {
                    state.idle.append(connection)
                    return nil
                }
                return state.waiters.removeFirst()
            }
            waiter?.resume(returning: connection)
        }
        return try await body(connection)
    }
}
