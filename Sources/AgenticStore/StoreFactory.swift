import AgenticCore
import Logging

/// Opens the store a `DatabaseLocation` names. Its `services` must run while it is used (see
/// `StoreOperations.run`).
public enum StoreFactory {
    /// `leaseDeadline`: how long a PostgreSQL request waits for a connection before the database counts
    /// as down (503). `clock` is for tests (see `WallClock`).
    public static func open(
        _ location: DatabaseLocation, poolSize: Int = 16, leaseDeadline: Duration = .milliseconds(1500), logger: Logger,
        clock: any WallClock = SystemClock()
    ) async throws -> any Store {
        switch location {
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, logger: logger, clock: clock)
        case .postgres(let settings):
            return PostgresStore.open(settings, poolSize: poolSize, leaseDeadline: leaseDeadline, logger: logger, clock: clock)
        }
    }
}
