import AgenticCore
import Foundation
import PostgresNIO

/// Statements on the hot paths, prepared once per connection (PostgreSQL then skips parsing and
/// planning them on every request). Each decodes straight into the domain type.
enum Prepared {
    /// One resource by id, locked as the type says (`PostgresRowLock`).
    struct ByID<Object: PostgresStored, Lock: PostgresRowLock>: PostgresPreparedStatement {
        static var sql: String { StatementText.cached(Self.self) { Object.postgresStatements.selectByID + Lock.clause } }
        /// postgres-nio's default name is `String(reflecting:)` of the type, worked out at every
        /// execution — slow for a generic type; this one is worked out once.
        static var name: String { StatementText.cached(Self.self, .name) { "by_id_" + Object.postgresStatements.table + Lock.name } }
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

    /// Several resources by id, in id order (the order locks are taken in), locked as the type says.
    struct ByIDs<Object: PostgresStored, Lock: PostgresRowLock>: PostgresPreparedStatement {
        static var sql: String {
            StatementText.cached(Self.self) {
                let statements = Object.postgresStatements
                return "SELECT \(statements.columns) FROM \(statements.table) WHERE tenant = $1 AND \(statements.idColumn) = ANY($2) "
                    + "ORDER BY \(statements.idColumn)" + Lock.clause
            }
        }
        static var name: String { StatementText.cached(Self.self, .name) { "by_ids_" + Object.postgresStatements.table + Lock.name } }
        let ids: [UUID]
        let tenant: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(tenant)
            bindings.append(ids)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Object { try PostgresColumns.row(row.makeRandomAccess()) }
    }

    /// Ready tasks for a claim, locked and skipped when another claimer holds them: `pending`, every
    /// dependency completed, plan not final, its goal allowing the worker's agent type (and, with
    /// `Excluding`, its concurrency key and goal not among the full ones); by priority, then age;
    /// each with its plan's status and its goal's `max_parallelism`.
    /// Only for a worker that can take work, its row read `FOR SHARE` in the same statement. One
    /// prepared statement per filter (`ClaimFilter`), so each keeps a plan that uses its index.
    struct Claimable<Filter: ClaimFilter>: PostgresPreparedStatement {
        static var sql: String {
            StatementText.cached(Self.self) {
                """
                WITH worker AS (
                    SELECT status, agent_type, budget_exhausted, max_concurrent_tasks FROM agents WHERE tenant = $1 AND agent_id = $3 FOR SHARE)
                SELECT \(PostgresStatements.task.columnsOfT), p.status AS plan_status, p.goal_id AS goal_id,
                       g.parallelism_cap::bigint AS goal_cap, (SELECT max_concurrent_tasks FROM worker) AS agent_cap
                FROM tasks t JOIN plans p ON p.tenant = t.tenant AND p.plan_id = t.plan_id
                     JOIN goals g ON g.tenant = p.tenant AND g.goal_id = p.goal_id
                WHERE t.tenant = $1 AND t.status = \(SQLDomain.queued) AND t.unmet_dependencies = 0\(Filter.conditions)
                  AND p.status NOT IN (\(SQLDomain.terminalPlanStatuses))
                  AND NOT p.budget_exhausted AND NOT g.budget_exhausted
                  AND EXISTS (SELECT 1 FROM worker WHERE status IN (\(SQLDomain.workingAgentStatuses)) AND NOT budget_exhausted)
                  AND (NOT g.restricts_agent_types OR g.constraints->'allowed_agent_types' ? (SELECT agent_type FROM worker))
                ORDER BY t.priority DESC, t.created_at, t.task_id
                LIMIT $2
                FOR UPDATE OF t SKIP LOCKED
                """
            }
        }
        static var name: String { StatementText.cached(Self.self, .name) { "claimable" + Filter.name } }
        let request: ClaimRequest
        let tenant: String
        var excluded: ClaimExclusions? = nil

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 7)
            bindings.append(tenant)
            bindings.append(Int64(request.limit))
            bindings.append(request.agentID)
            if let plan = request.planID { bindings.append(plan) }
            if let types = request.taskTypes { bindings.append(types) }
            if let excluded {
                bindings.append(excluded.keys)
                bindings.append(excluded.goals)
                bindings.append(excluded.taskTypes)
            }
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> ClaimableTask {
            let columns = row.makeRandomAccess()
            return try ClaimableTask(
                task: PostgresColumns.row(columns), storedPlanStatus: columns["plan_status"].decode(String.self),
                goalID: columns["goal_id"].decode(UUID.self), goalCap: columns["goal_cap"].decode(Int64?.self),
                agentCap: columns["agent_cap"].decode(Int32?.self).map(Int64.init))
        }
    }

    /// One fewer unmet dependency for each task that depends on `completed`.
    struct DependencyCompleted: ComposableWrite {
        static let sql = """
            UPDATE tasks SET unmet_dependencies = unmet_dependencies - 1,
                ready_at = $3
            WHERE tenant = $1 AND task_id IN (SELECT task_id FROM task_dependencies WHERE tenant = $1 AND depends_on = $2)
            """
        let tenant: String
        let completed: UUID
        /// A dependency completing stamps `ready_at`: the last one to complete makes the task due.
        let now: Timestamp

        func bind(into bindings: inout PostgresBindings) {
            bindings.append(tenant)
            bindings.append(completed)
            bindings.append(now)
        }
    }

    /// Whether the plan has an open task: one probe of `tasks_by_plan_status` per open status. (With
    /// `status IN (…)` the planner may filter every task of the plan instead of probing the index —
    /// seen taking a millisecond at a few thousand tasks.)
    struct HasOpenTasks: PostgresPreparedStatement {
        static var sql: String {
            "SELECT "
                + TaskStatus.openStatuses.map {
                    "EXISTS (SELECT 1 FROM tasks WHERE tenant = $1 AND plan_id = $2 AND status = \(SQLDomain.literal($0)))"
                }.joined(separator: " OR ")
                + " AS open"
        }
        let tenant: String
        let plan: UUID

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(tenant)
            bindings.append(plan)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
    }

    /// Inserts one resource (then binds `extra`, for columns only the store keeps).
    struct Insert<Object: PostgresStored>: ComposableWrite {
        static var sql: String { Object.postgresStatements.insert }
        static var name: String { StatementText.cached(Self.self, .name) { "insert_" + Object.postgresStatements.table } }
        let object: Object
        var extra: [BoundValue] = []

        func bind(into bindings: inout PostgresBindings) throws {
            try bindings.append(Object.postgresStatements.insertValues(object) + extra)
        }
    }

    /// Writes every changeable column of one resource.
    struct Update<Object: PostgresStored>: ComposableWrite {
        static var sql: String { Object.postgresStatements.update }
        static var name: String { StatementText.cached(Self.self, .name) { "update_" + Object.postgresStatements.table } }
        let object: Object

        func bind(into bindings: inout PostgresBindings) throws {
            try bindings.append(Object.postgresStatements.updateValues(object))
        }
    }

    /// See `PostgresTransaction.appendEvents` for how the ids are formed.
    struct AppendEvents: ComposableWrite {
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

        func bind(into b: inout PostgresBindings) {
            b.append(base)
            b.append(tenant)
            b.append(actor)
            b.append(now)
            b.append(types)
            b.append(resources)
            b.append(data)
        }
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

/// Which of the claim's optional filters a `Prepared.Claimable` statement applies, with their
/// placeholders (`$1`–`$3` are the tenant, the limit and the worker): `$4` is the plan when there
/// is one, else the task types; `$5` the task types after a plan.
protocol ClaimFilter {
    static var conditions: String { get }
    static var name: String { get }
}

enum AnyReadyTask: ClaimFilter {
    static var conditions: String { "" }
    static var name: String { "" }
}

enum ReadyTaskOfPlan: ClaimFilter {
    static var conditions: String { " AND t.plan_id = $4" }
    static var name: String { "_plan" }
}

enum ReadyTaskOfTypes: ClaimFilter {
    static var conditions: String { " AND t.task_type = ANY($4)" }
    static var name: String { "_types" }
}

enum ReadyTaskOfPlanAndTypes: ClaimFilter {
    static var conditions: String { " AND t.plan_id = $4 AND t.task_type = ANY($5)" }
    static var name: String { "_plan_types" }
}

/// A claim past what is full: `Base`'s conditions, the key not among the full keys, the goal not
/// among the full goals, the task type not among those without a rate token (bound after `Base`'s
/// values).
enum Excluding<Base: ClaimFilter>: ClaimFilter {
    static var conditions: String {
        let next = 4 + (Base.conditions.contains("$5") ? 2 : Base.conditions.contains("$4") ? 1 : 0)
        return Base.conditions
            + " AND (t.concurrency_key IS NULL OR t.concurrency_key <> ALL($\(next))) AND p.goal_id <> ALL($\(next + 1))"
            + " AND t.task_type <> ALL($\(next + 2))"
    }
    static var name: String { Base.name + "_excluding" }
}
