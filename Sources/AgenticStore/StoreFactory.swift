import AgenticCore
import Logging

/// Opens the store a `DatabaseLocation` names.
public enum StoreFactory {
    public static func open(_ location: DatabaseLocation, poolSize: Int = 16, logger: Logger) async throws -> any Store {
        switch location {
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, logger: logger)
        case .postgres:
            throw AgenticError(code: .validationFailed, status: 400, detail: "PostgreSQL support is not available in this build")
        }
    }
}
