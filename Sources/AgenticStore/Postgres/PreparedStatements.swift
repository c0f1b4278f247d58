import AgenticCore
import Foundation
import PostgresNIO

/// Statements on the hot paths, prepared once per connection (PostgreSQL then skips parsing and
/// planning them on every request). Each decodes straight into the domain type.
enum Prepared {
    /// One resource by id, locked as the type says (`PostgresRowLock`).
    struct ByID<Object: PostgresStored, Lock: PostgresRowLock>: PostgresPreparedStatement {
        static var sql: String { Object.postgresStatements.selectByID + Lock.clause }
        /// postgres-nio's default name is `String(reflecting:)` of the type, worked out at every
        /// execution — slow for a generic type; this one is a plain concatenation.
        static var name: String { "by_id_" + Object.postgresStatements.table + Lock.name }
        let id: UUID
        let tenant: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(id)
            bindings.append(tenant)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Object { try PostgresColumns.row(row.makeRandomAccess()) }
    }

    /// Inserts one resource (then binds `extra`, for columns only the store keeps).
    struct Insert<Object: PostgresStored>: PostgresPreparedStatement {
        static var sql: String { Object.postgresStatements.insert }
        static var name: String { "insert_" + Object.postgresStatements.table }
        let object: Object
        var extra: [BoundValue] = []

        func makeBindings() throws -> PostgresBindings {
            try PostgresBindings(Object.postgresStatements.insertValues(object) + extra)
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// Writes every changeable column of one resource.
    struct Update<Object: PostgresStored>: PostgresPreparedStatement {
        static var sql: String { Object.postgresStatements.update }
        static var name: String { "update_" + Object.postgresStatements.table }
        let object: Object

        func makeBindings() throws -> PostgresBindings { try PostgresBindings(Object.postgresStatements.updateValues(object)) }

        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// See `PostgresTransaction.appendEvents` for how the ids are formed.
    struct AppendEvents: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO events (\(TableColumns.event))
            SELECT (pg_current_xact_id()::text::bigint << 20) + $1 + u.ord, $2, u.type, NULLIF(u.rid, '')::uuid, u.data::json, $3, $4
            FROM unnest($5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(type, rid, data, ord)
            """
        let base: Int64
        let tenant: String
        let actor: String
        let now: Timestamp
        let types: [String]
        let resources: [String]
        let data: [String]

        func makeBindings() -> PostgresBindings {
            var b = PostgresBindings(capacity: 7)
            b.append(base)
            b.append(tenant)
            b.append(actor)
            b.append(now)
            b.append(types)
            b.append(resources)
            b.append(data)
            return b
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }

    struct KeyByHash: PostgresPreparedStatement {
        static let sql = "SELECT \(PostgresColumns.key) FROM api_keys WHERE key_hash = $1"
        let hash: String

        func makeBindings() -> PostgresBindings {
            var b = PostgresBindings(capacity: 1)
            b.append(hash)
            return b
        }

        func decodeRow(_ row: PostgresRow) throws -> ApiKey { try PostgresColumns.keyRow(row.makeRandomAccess()) }
    }
}
