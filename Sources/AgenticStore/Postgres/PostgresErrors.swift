import AgenticCore
import PostgresNIO

/// Turns PostgreSQL failures into the API errors they mean.
enum PostgresErrors {
    static func map(_ error: any Error) -> any Error {
        if error is AgenticError { return error }
        guard let psql = error as? PSQLError else {
            if error is CancellationError { return error }
            return error
        }
        if isUnavailable(psql) {
            return AgenticError.databaseUnavailable("The database is unreachable; retry shortly")
        }
        guard let state = psql.serverInfo?[.sqlState] else { return error }
        switch state {
        case "25006":
            // read_only_sql_transaction: the server is (now) a standby, or read-only; the pool moves to
            // the primary (see `PostgresPoolService`) and the retry finds it.
            return AgenticError.databaseUnavailable("The database server accepts no writes (a standby); retry shortly")
        case "23505":
            let constraint = psql.serverInfo?[.constraintName] ?? ""
            if constraint == "agents_did" { return AgenticError.conflict(.alreadyExists, "An agent with this did already exists") }
            for kind in ResourceKind.allCases where constraint == "\(kind.plural)_pkey" {
                return AgenticError.conflict(.alreadyExists, "A \(kind.rawValue) with this \(kind.idField) already exists")
            }
            return AgenticError.conflict(.alreadyExists, "The resource already exists")
        case "23503":
            return AgenticError(code: .validationFailed, status: 422, detail: "A referenced resource no longer exists")
        default:
            return error
        }
    }

    /// Errors that mean "the database is not there right now", as opposed to a bad query.
    static func isUnavailable(_ error: PSQLError) -> Bool {
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .queryCancelled:
            return true
        default:
            break
        }
        guard let state = error.serverInfo?[.sqlState] else { return false }
        // 08 connection exceptions, 57P0x shutdown / cannot connect now, 53300 too many connections.
        return state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300"
    }

    /// Serialisation failures and deadlocks: the whole transaction may simply run again.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError, let state = psql.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }
}
