import AgenticCore
import Logging

/// Opens the store a `DatabaseLocation` names.
public enum StoreFactory {
    public static func open(_ location: DatabaseLocation, poolSize: Int = 16, logger: Logger) async throws -> any Store {
        switch location {
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, logger: logger)
        case .postgres(let settings):
            return await PostgresStore.open(settings, poolSize: poolSize, logger: logger)
        }
    }
}
