import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The connection pool as a service, against the server of the URL's hosts that may take it.
///
/// With one host and no `target_session_attrs` there is nothing to choose: the pool runs against it
/// (`PostgresClient.run()`) until a graceful shutdown. With several hosts, or with
/// `target_session_attrs=read-write|primary`, postgres-nio's client still takes one host, so this
/// service chooses: it asks every host over a plain connection of its own whether it is in recovery
/// (`pg_is_in_recovery()`, the stronger signal: a standby) and whether its sessions are read-only
/// (`transaction_read_only`, which also catches `default_transaction_read_only = on`), runs a pool
/// against the first host that fits, and looks again when a request finds the database unavailable
/// — connections lost, no connection within the wait, a write refused as read-only (SQLSTATE 25006)
/// — and every ten seconds besides. When another host fits, a new pool runs against it and the old
/// one is closed (requests still waiting on it are answered 503). A pool whose server turned out to
/// be a standby is closed at once, so no request reads a standby's stale data; one whose server is
/// merely unreachable is kept, to carry on by itself should that same server return. While no host
/// fits, requests wait for one up to `--db-wait`, then get the usual 503.
final class PostgresPoolService: Service {
    typealias Endpoint = PostgresSettings.Endpoint

    private struct Current {
        var endpoint: Endpoint
        var client: PostgresClient
        var generation: Int
    }

    private struct State {
        var running = false
        var runWaiters: [CheckedContinuation<Void, Never>] = []
        var current: Current?
        var generation = 0
        var onChange: [@Sendable () -> Void] = []
        /// What the last look that found no fitting host logged (so an outage logs once, not twice a second).
        var lastComplaint: String?
    }

    /// What a look found at one host.
    enum Role: Equatable, CustomStringConvertible {
        case fits
        case wrongRole(String)
        case unreachable

        var description: String {
            switch self {
            case .fits: return "fits"
            case .wrongRole(let why): return why
            case .unreachable: return "is unreachable"
            }
        }
    }

    let settings: PostgresSettings
    private let logger: Logger
    private let makeClient: @Sendable (Endpoint) -> PostgresClient
    private let state = Mutex(State())
    /// Rung when a request found the database unavailable: look at the hosts again.
    private let suspicion = EventBell()
    /// Rung when a pool is published or withdrawn.
    private let changes = EventBell()

    /// How often the hosts are looked at while all is well, and while the pool has no fitting host.
    static let settledInterval: Duration = .seconds(10)
    static let unsettledInterval: Duration = .milliseconds(500)

    init(settings: PostgresSettings, logger: Logger, makeClient: @escaping @Sendable (Endpoint) -> PostgresClient) {
        self.settings = settings
        self.logger = logger
        self.makeClient = makeClient
        if settings.isSingleFixedHost {
            state.withLock { $0.current = Current(endpoint: settings.endpoints[0], client: makeClient(settings.endpoints[0]), generation: 0) }
        }
    }

    func run() async {
        let waiters = state.withLock { state in
            state.running = true
            defer { state.runWaiters = [] }
            return state.runWaiters
        }
        if settings.isSingleFixedHost, let client = currentClient {
            for waiter in waiters { waiter.resume() }
            // `run()` marks the client running before it first suspends, so a waiter resumed above
            // finds it running.
            await client.run()
            return
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                var first = true
                var waiters = waiters
                while !Task.isCancelled {
                    let lookedAt = self.suspicion.generation
                    let settled = await self.look(starting: &group)
                    if first {
                        first = false
                        for waiter in waiters { waiter.resume() }
                        waiters = []
                    }
                    // At most one look per quarter second however many requests fail meanwhile.
                    try? await Task.sleep(for: .milliseconds(250))
                    await self.suspicion.wait(after: lookedAt, timeout: settled ? Self.settledInterval : Self.unsettledInterval)
                }
            }
        }
        // Whatever ended the loop, no pool is left to lease from.
        withdraw()
    }

    /// Returns once `run()` has started (with several hosts: once the first look is done).
    func waitUntilRunning() async {
        await withCheckedContinuation { continuation in
            let running = state.withLock { state in
                if !state.running { state.runWaiters.append(continuation) }
                return state.running
            }
            if running { continuation.resume() }
        }
    }

    // MARK: the pool requests lease from

    /// The pool in use, if a host was found.
    var currentClient: PostgresClient? { state.withLock { $0.current?.client } }

    /// The host the pool runs against, if any.
    var currentEndpoint: Endpoint? { state.withLock { $0.current?.endpoint } }

    /// The pool in use; while there is none, waits for one until cancelled (then nil).
    func client() async -> PostgresClient? {
        while true {
            let generation = changes.generation
            if let client = currentClient { return client }
            if Task.isCancelled { return nil }
            await changes.wait(after: generation, timeout: .seconds(1))
        }
    }

    /// A request found the database unavailable: the hosts are looked at again shortly.
    func suspect() {
        guard !settings.isSingleFixedHost else { return }
        suspicion.ring()
    }

    /// Runs `callback` whenever the pool moves to another host or is withdrawn (the event relay
    /// drops its listening connection then, as LISTEN must run on the server that takes the writes).
    func whenHostChanges(_ callback: @escaping @Sendable () -> Void) {
        state.withLock { $0.onChange.append(callback) }
    }

    // MARK: choosing

    /// Looks at every host and moves the pool if needed; true when the pool runs against a host
    /// that fits.
    private func look(starting group: inout DiscardingTaskGroup) async -> Bool {
        let roles = await roles()
        let current = currentEndpoint
        if let current, roles[current] == .fits {
            state.withLock { $0.lastComplaint = nil }
            return true
        }
        if let chosen = settings.endpoints.first(where: { roles[$0] == .fits }) {
            let client = makeClient(chosen)
            let generation = publish(Current(endpoint: chosen, client: client, generation: 0))
            state.withLock { $0.lastComplaint = nil }
            logger.notice(
                "PostgreSQL: the pool now runs against \(chosen)",
                metadata: ["previous": "\(current.map { "\($0)" } ?? "none")", "target_session_attrs": "\(settings.targetSessionAttrs.rawValue)"])
            group.addTask {
                // The pool runs until it is replaced or withdrawn (or the service stops).
                await withDiscardingTaskGroup { pool in
                    pool.addTask { await client.run() }
                    while !Task.isCancelled {
                        let seen = self.changes.generation
                        guard self.isCurrent(generation) else { break }
                        await self.changes.wait(after: seen, timeout: .seconds(5))
                    }
                    pool.cancelAll()
                }
            }
            return true
        }
        if let current, case .wrongRole? = roles[current] {
            // A pool on a standby would serve stale reads and fail every write: none is better.
            withdraw()
        }
        let summary = settings.endpoints.map { "\($0) \(roles[$0] ?? .unreachable)" }.joined(separator: ", ")
        let changed = state.withLock { state in
            defer { state.lastComplaint = summary }
            return state.lastComplaint != summary
        }
        if changed {
            logger.warning(
                "PostgreSQL: no host fits target_session_attrs=\(settings.targetSessionAttrs.rawValue) yet: \(summary)",
                metadata: ["pool": "\(currentEndpoint.map { "kept on \($0)" } ?? "none")"])
        }
        return false
    }

    private func isCurrent(_ generation: Int) -> Bool {
        state.withLock { $0.current?.generation == generation }
    }

    private func publish(_ next: Current) -> Int {
        let (generation, callbacks) = state.withLock { state -> (Int, [@Sendable () -> Void]) in
            state.generation += 1
            var next = next
            next.generation = state.generation
            state.current = next
            return (state.generation, state.onChange)
        }
        changes.ring()
        for callback in callbacks { callback() }
        return generation
    }

    private func withdraw() {
        let callbacks = state.withLock { state -> [@Sendable () -> Void] in
            guard state.current != nil else { return [] }
            state.current = nil
            return state.onChange
        }
        changes.ring()
        for callback in callbacks { callback() }
    }

    /// Every host's role, asked at once (a host that does not answer within its connect timeout is
    /// unreachable).
    private func roles() async -> [Endpoint: Role] {
        await withTaskGroup(of: (Endpoint, Role).self) { group in
            for endpoint in Set(settings.endpoints) {
                group.addTask { (endpoint, await self.role(of: endpoint)) }
            }
            var roles: [Endpoint: Role] = [:]
            for await (endpoint, role) in group { roles[endpoint] = role }
            return roles
        }
    }

    private static let probeIDs = Atomic<Int>(2_000_000)

    /// Asks one host over a connection of its own what it is.
    func role(of endpoint: Endpoint) async -> Role {
        var configuration = Self.connectionConfiguration(settings, endpoint)
        configuration.options.connectTimeout = .seconds(2)
        let id = Self.probeIDs.add(1, ordering: .relaxed).newValue
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        } catch {
            return .unreachable
        }
        let role: Role
        do {
            let rows = try await connection.query(
                "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only", logger: logger)
            if let row = try await rows.collect().first {
                let (recovery, readOnly) = try row.decode((Bool, String).self)
                switch settings.targetSessionAttrs {
                case .any: role = .fits
                case .primary: role = recovery ? .wrongRole("is a standby (in recovery)") : .fits
                case .readWrite:
                    role = recovery ? .wrongRole("is a standby (in recovery)")
                        : readOnly == "on" ? .wrongRole("accepts only read-only transactions") : .fits
                }
            } else {
                role = .unreachable
            }
        } catch {
            role = .unreachable
        }
        try? await connection.close()
        return role
    }

    /// A single connection's configuration for `endpoint` (the probe's; the event relay's listener).
    static func connectionConfiguration(_ settings: PostgresSettings, _ endpoint: Endpoint) -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: endpoint.host, port: endpoint.port, username: settings.username, password: settings.password,
            database: settings.database, tls: connectionTLS(settings.tls))
    }

    private static func connectionTLS(_ mode: PostgresSettings.TLSMode) -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(try! NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: return .require(try! NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }
}
