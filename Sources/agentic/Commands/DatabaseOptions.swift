import AgenticCore
import AgenticStore
import ArgumentParser
import Logging

/// `--database-url` and the pool size, shared by every command that opens the store.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "sqlite:///path/file.sqlite or postgres://user:pass@host:port[,host:port…]/db?sslmode=...&target_session_attrs=read-write (env AGENTIC_DATABASE_URL)")
    var databaseURL: String = Env.string("AGENTIC_DATABASE_URL", default: DatabaseLocation.defaultURL)

    @Option(help: "PostgreSQL connections per instance (env AGENTIC_DB_POOL_SIZE)")
    var dbPoolSize: Int = Env.int("AGENTIC_DB_POOL_SIZE", default: 16)

    @Option(help: "How long a request waits for a PostgreSQL connection before answering 503, e.g. 1500ms (env AGENTIC_DB_WAIT)")
    var dbWait: String = Env.string("AGENTIC_DB_WAIT", default: "1500ms")

    static func migrate(_ store: any Store, logger: Logger, waitingUpTo patience: Duration) async throws {
        let deadline = ContinuousClock.now + patience
        while true {
            do {
                try await store.migrate()
                return
            } catch let error as AgenticError where error.code == .databaseUnavailable && ContinuousClock.now < deadline {
                logger.warning("waiting for the database at \(store.description)")
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    func validate() throws {
        _ = try location()
        guard (1...512).contains(dbPoolSize) else { throw ValidationError("--db-pool-size must be between 1 and 512") }
        _ = try leaseDeadline()
    }

    func leaseDeadline() throws -> Duration {
        guard let seconds = DurationText.seconds(dbWait), seconds > 0, seconds <= 600 else {
            throw ValidationError("--db-wait must be a duration up to 10m, such as 1500ms or 2s")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    func location() throws -> DatabaseLocation {
        do {
            return try DatabaseLocation(url: databaseURL)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Opens the store.
    func openStore(logger: Logger) async throws -> any Store {
        try await StoreFactory.open(try location(), poolSize: dbPoolSize, leaseDeadline: try leaseDeadline(), logger: logger)
    }

    /// Opens the store, runs its services, migrates it (waiting up to 30 s for a database that is
    /// still starting), runs `body`, and stops and closes everything however `body` ends.
    func withStore<T>(logger: Logger, _ body: (any Store) async throws -> T) async throws -> T {
        let store = try await openStore(logger: logger)
        return try await store.run(logger: logger) {
            try await Self.migrate(store, logger: logger, waitingUpTo: .seconds(30))
            return try await body(store)
        }
    }
}
