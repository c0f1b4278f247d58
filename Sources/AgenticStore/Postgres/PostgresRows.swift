import AgenticCore
import Foundation
import PostgresNIO

/// A described resource the PostgreSQL store keeps, with its statements (`$n` placeholders).
protocol PostgresStored: StoredObject {
    static var postgresStatements: RowStatements<Self> { get }
}

enum PostgresStatements {
    static let agent = RowStatements<Agent>(placeholder: { "$\($0)" }, jsonObject: "json_build_object")
    static let goal = RowStatements<Goal>(placeholder: { "$\($0)" }, jsonObject: "json_build_object")
    static let plan = RowStatements<Plan>(placeholder: { "$\($0)" }, jsonObject: "json_build_object")
    static let task = RowStatements<PlanTask>(placeholder: { "$\($0)" }, jsonObject: "json_build_object", extraInsertColumns: ["unmet_dependencies"])
    static let schedule = RowStatements<Schedule>(placeholder: { "$\($0)" }, jsonObject: "json_build_object")
    static let webhook = RowStatements<Webhook>(placeholder: { "$\($0)" }, jsonObject: "json_build_object")
    static let delivery = RowStatements<WebhookDelivery>(
        placeholder: { "$\($0)" }, jsonObject: "json_build_object", alsoSetOnUpdate: ["claim = NULL", "claimed_until = NULL"])
}

extension Agent: PostgresStored { static var postgresStatements: RowStatements<Agent> { PostgresStatements.agent } }
extension Goal: PostgresStored { static var postgresStatements: RowStatements<Goal> { PostgresStatements.goal } }
extension Plan: PostgresStored { static var postgresStatements: RowStatements<Plan> { PostgresStatements.plan } }
extension PlanTask: PostgresStored { static var postgresStatements: RowStatements<PlanTask> { PostgresStatements.task } }
extension Schedule: PostgresStored { static var postgresStatements: RowStatements<Schedule> { PostgresStatements.schedule } }
extension Webhook: PostgresStored { static var postgresStatements: RowStatements<Webhook> { PostgresStatements.webhook } }
extension WebhookDelivery: PostgresStored { static var postgresStatements: RowStatements<WebhookDelivery> { PostgresStatements.delivery } }

/// The lock a read takes, as a type (prepared statements are one type per text).
protocol PostgresRowLock {
    static var clause: String { get }
    static var name: String { get }
}
enum NoRowLock: PostgresRowLock {
    static var clause: String { "" }
    static var name: String { "" }
}
enum ShareRowLock: PostgresRowLock {
    static var clause: String { " FOR SHARE" }
    static var name: String { "_share" }
}
enum UpdateRowLock: PostgresRowLock {
    static var clause: String { " FOR UPDATE" }
    static var name: String { "_update" }
}

/// Row decoders.
enum PostgresColumns {
    static func idempotencyRow(_ row: PostgresRandomAccessRow) throws -> IdempotencyRecord {
        var response: StoredResponse?
        if try row.get("state", as: String.self) == "done", let status = try row.get("status", as: Int32?.self) {
            let headers = try row.get("headers", as: JSONB?.self).map { String(decoding: $0.bytes, as: UTF8.self) } ?? "{}"
            let body = try row.get("body", as: ByteBuffer?.self).map { Array($0.readableBytesView) } ?? []
            response = StoredResponse(status: Int(status), headers: StoredResponse.headers(fromJSON: headers), body: body)
        }
        return IdempotencyRecord(
            requestHash: try row.get("request_hash"), response: response, createdAt: try row.get("created_at"),
            expiresAt: try row.get("expires_at"))
    }

    static let key = TableColumns.key


    /// A described resource from its row.
    static func row<Object: DescribedObject>(_ r: PostgresRandomAccessRow) throws -> Object {
        try Object.fields.decode { field in try r.stored(field.name, field.column ?? .text) }
    }

    static let event = TableColumns.event

    static func eventRow(_ r: PostgresRandomAccessRow) throws -> Event {
        Event(
            id: try r.get("event_id"), tenant: try r.get("tenant"), type: try r.get("type"), resourceID: try r.get("resource_id"),
            data: try r.get("data", as: JSONB.self).bytes, actor: try r.get("actor"), createdAt: try r.get("created_at"))
    }

    static func keyRow(_ r: PostgresRandomAccessRow) throws -> ApiKey {
        guard let scope = Scope(rawValue: try r.get("scope")) else { throw AgenticError.internal("bad key scope") }
        var rateLimit: RateLimit?
        if let rps = try r.get("rate_rps", as: Double?.self), let burst = try r.get("rate_burst", as: Int64?.self) {
            rateLimit = RateLimit(requestsPerSecond: rps, burst: burst)
        }
        return ApiKey(
            id: try r.get("key_id"), tenant: try r.get("tenant"), name: try r.get("name"), scope: scope,
            hash: try r.get("key_hash"), prefix: try r.get("prefix"), expiresAt: try r.get("expires_at"), rateLimit: rateLimit,
            unlimited: try r.get("unlimited"), createdAt: try r.get("created_at"), revokedAt: try r.get("revoked_at"))
    }
}

/// Builds a newest-first listing from fixed fragments; only values are bound.
struct PostgresListing {
    let table: String
    let idColumn: String
    let columns: String

    init<Object>(_ statements: RowStatements<Object>, filters: [(name: String, column: String)]) {
        (table, idColumn, columns) = (statements.table, statements.idColumn, statements.columns)
        self.filters = filters
    }
    /// The filters this collection accepts, with their column.
    let filters: [(name: String, column: String)]

    func query(_ query: ListQuery, tenant: String) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(tenant)
        var conditions = ["tenant = $1"]
        for filter in filters {
            switch filter.name {
            case "status": if let v = query.status { binds.append(v) } else { continue }
            case "agent_type": if let v = query.agentType { binds.append(v) } else { continue }
            case "agent_id": if let v = query.agentID { binds.append(v) } else { continue }
            case "goal_id": if let v = query.goalID { binds.append(v) } else { continue }
            case "plan_id": if let v = query.planID { binds.append(v) } else { continue }
            case "name":
                // A range of the name index (`column` is its expression, in byte order), so a
                // prefix search reads only the names that match.
                guard let prefix = query.namePrefix else { continue }
                binds.append(prefix)
                conditions.append("\(filter.column) >= $\(binds.count)")
                if let upper = ListQuery.upperBound(ofPrefix: prefix) {
                    binds.append(upper)
                    conditions.append("\(filter.column) < $\(binds.count)")
                }
                continue
            default: continue
            }
            conditions.append("\(filter.column) = $\(binds.count)")
        }
        if let cursor = query.cursor {
            binds.append(cursor.createdAt)
            binds.append(cursor.id)
            conditions.append("(created_at, \(idColumn)) < ($\(binds.count - 1), $\(binds.count))")
        }
        binds.append(Int64(query.limit + 1))
        return PostgresQuery(
            unsafeSQL: """
                SELECT \(columns) FROM \(table) WHERE \(conditions.joined(separator: " AND "))
                ORDER BY created_at DESC, \(idColumn) DESC LIMIT $\(binds.count)
                """, binds: binds)
    }

    static let agents = PostgresListing(
        PostgresStatements.agent,
        filters: [("status", "status"), ("agent_type", "agent_type"), ("name", PostgresSchema.nameKey("name"))])
    static let goals = PostgresListing(
        PostgresStatements.goal,
        filters: [("agent_id", "agent_id"), ("status", "status"), ("name", PostgresSchema.nameKey("goal_text"))])
    static let plans = PostgresListing(
        PostgresStatements.plan,
        filters: [("goal_id", "goal_id"), ("agent_id", "agent_id"), ("status", "status"), ("name", PostgresSchema.nameKey("name"))])
    static let tasks = PostgresListing(
        PostgresStatements.task,
        filters: [("plan_id", "plan_id"), ("agent_id", "agent_id"), ("status", "status")])
    static let schedules = PostgresListing(PostgresStatements.schedule, filters: [])
}

extension PostgresRandomAccessRow {
    /// The value of a described field's column.
    func stored(_ name: String, _ type: ColumnType) throws -> StoredValue {
        let cell = self[name]
        if cell.bytes == nil { return .null }
        switch type {
        case .uuid: return .uuid(try cell.decode(UUID.self))
        case .text: return .text(try cell.decode(String.self))
        case .int32: return .integer(Int64(try cell.decode(Int32.self)))
        case .int64: return .integer(try cell.decode(Int64.self))
        case .double: return .double(try cell.decode(Double.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .json: return .json(try cell.decode(JSONB.self).value)
        case .timestamp: return .timestamp(try cell.decode(Timestamp.self))
        case .uuids: return .uuids(try cell.decode([UUID].self))
        case .texts: return .texts(try cell.decode([String].self))
        }
    }
}

extension PostgresBindings {
    /// Binds described values in order, each as its column's type.
    init(_ values: [BoundValue]) throws {
        self.init(capacity: values.count)
        try append(values)
    }

    /// Binds described values after those already bound.
    mutating func append(_ values: [BoundValue]) throws {
        for bound in values {
            switch bound.value {
            case .null: appendNull()
            case .uuid(let id): append(id)
            case .text(let s): append(s)
            case .integer(let i): if bound.type == .int32 { append(try Int32(checking: i, bound.name)) } else { append(i) }
            case .double(let d): append(d)
            case .bool(let b): append(b)
            case .json(let v): append(JSONB(bytes: Array(v.description.utf8)))
            case .timestamp(let t): append(t)
            case .uuids(let ids): append(ids)
            case .texts(let texts): append(texts)
            }
        }
    }
}
