import AgenticCore
import Foundation
import PostgresNIO

/// Statements on the hot paths, prepared once per connection (PostgreSQL then skips parsing and
/// planning them on every request). Each decodes straight into the domain type.
enum Prepared {
    struct AgentByID: PostgresPreparedStatement {
        static let sql = "SELECT \(PostgresColumns.agent) FROM agents WHERE agent_id = $1 AND tenant = $2"
        let id: UUID
        let tenant: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(id)
            bindings.append(tenant)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Agent { try PostgresColumns.agentRow(row.makeRandomAccess()) }
    }

    struct AgentByIDForUpdate: PostgresPreparedStatement {
        static let sql = AgentByID.sql + " FOR UPDATE"
        let query: AgentByID

        func makeBindings() -> PostgresBindings { query.makeBindings() }
        func decodeRow(_ row: PostgresRow) throws -> Agent { try query.decodeRow(row) }
    }

    struct AgentByIDForShare: PostgresPreparedStatement {
        static let sql = AgentByID.sql + " FOR SHARE"
        let query: AgentByID

        func makeBindings() -> PostgresBindings { query.makeBindings() }
        func decodeRow(_ row: PostgresRow) throws -> Agent { try query.decodeRow(row) }
    }

    struct InsertAgent: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO agents (\(PostgresColumns.agent)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """
        let agent: Agent

        func makeBindings() -> PostgresBindings {
            var b = PostgresBindings(capacity: 12)
            b.append(agent.id)
            b.append(agent.tenant)
            b.append(agent.did)
            b.append(agent.name)
            b.append(agent.agentType)
            b.append(agent.status.rawValue)
            b.append(JSONB(agent.configuration))
            b.append(JSONB(agent.metadata))
            b.append(JSONB(agent.resourceLimits))
            b.append(agent.version)
            b.append(agent.createdAt)
            b.append(agent.updatedAt)
            return b
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }

    struct UpdateAgent: PostgresPreparedStatement {
        static let sql = """
            UPDATE agents SET did = $2, name = $3, agent_type = $4, status = $5, configuration = $6, metadata = $7,
                resource_limits = $8, version = $9, updated_at = $10 WHERE agent_id = $1 AND tenant = $11
            """
        let agent: Agent

        func makeBindings() -> PostgresBindings {
            var b = PostgresBindings(capacity: 11)
            b.append(agent.id)
            b.append(agent.did)
            b.append(agent.name)
            b.append(agent.agentType)
            b.append(agent.status.rawValue)
            b.append(JSONB(agent.configuration))
            b.append(JSONB(agent.metadata))
            b.append(JSONB(agent.resourceLimits))
            b.append(agent.version)
            b.append(agent.updatedAt)
            b.append(agent.tenant)
            return b
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// See `PostgresTransaction.appendEvents` for how the ids are formed.
    struct AppendEvents: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO events (event_id, tenant, type, resource_id, data, actor, created_at)
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
