import AgenticCore
import Foundation
import SQLiteNIO

/// Decoding rows and encoding values for the embedded schema (see `SQLiteSchema`).
extension SQLiteRow {
    fileprivate func value(_ name: String) throws -> SQLiteData {
        guard let data = column(name) else { throw AgenticError.internal("column \(name) missing from row") }
        return data
    }

    func text(_ name: String) throws -> String {
        guard case .text(let s) = try value(name) else { throw AgenticError.internal("column \(name) is not text") }
        return s
    }

    func optionalText(_ name: String) throws -> String? {
        switch try value(name) {
        case .null: return nil
        case .text(let s): return s
        default: throw AgenticError.internal("column \(name) is not text")
        }
    }

    func int(_ name: String) throws -> Int64 {
        guard case .integer(let i) = try value(name) else { throw AgenticError.internal("column \(name) is not an integer") }
        return Int64(i)
    }

    func optionalInt(_ name: String) throws -> Int64? {
        switch try value(name) {
        case .null: return nil
        case .integer(let i): return Int64(i)
        default: throw AgenticError.internal("column \(name) is not an integer")
        }
    }

    func optionalDouble(_ name: String) throws -> Double? {
        switch try value(name) {
        case .null: return nil
        case .integer(let i): return Double(i)
        case .float(let d): return d
        default: throw AgenticError.internal("column \(name) is not a number")
        }
    }

    func uuid(_ name: String) throws -> UUID {
        guard let id = UUID(uuidString: try text(name)) else { throw AgenticError.internal("column \(name) is not a UUID") }
        return id
    }

    func optionalUUID(_ name: String) throws -> UUID? {
        try optionalText(name).flatMap(UUID.init(uuidString:))
    }

    func timestamp(_ name: String) throws -> Timestamp { Timestamp(microseconds: try int(name)) }

    func optionalTimestamp(_ name: String) throws -> Timestamp? { try optionalInt(name).map(Timestamp.init(microseconds:)) }

    func json(_ name: String) throws -> JSONValue {
        do {
            return try JSONParser.parse(try text(name))
        } catch let error as JSONParser.Error {
            throw AgenticError.internal("column \(name) holds invalid JSON: \(error)")
        }
    }

    func object(_ name: String) throws -> JSONObject {
        guard case .object(let o) = try json(name) else { throw AgenticError.internal("column \(name) is not an object") }
        return o
    }

    func optionalObject(_ name: String) throws -> JSONObject? {
        guard try optionalText(name) != nil else { return nil }
        return try object(name)
    }
}

extension SQLiteRow {
    /// The value of a described field's column.
    func stored(_ name: String, _ type: ColumnType) throws -> StoredValue {
        if case .null = try value(name) { return .null }
        switch type {
        case .uuid: return .uuid(try uuid(name))
        case .text: return .text(try text(name))
        case .int32, .int64: return .integer(try int(name))
        case .double: return try optionalDouble(name).map(StoredValue.double) ?? .null
        case .bool: return .bool(try int(name) != 0)
        case .json: return .json(try json(name))
        case .timestamp: return .timestamp(try timestamp(name))
        case .uuids:
            guard let ids = try json(name).arrayValue?.compactMap({ $0.stringValue.flatMap(UUID.init(uuidString:)) }) else {
                throw AgenticError.internal("column \(name) is not a list of ids")
            }
            return .uuids(ids)
        case .texts:
            guard let texts = try json(name).arrayValue?.compactMap(\.stringValue) else {
                throw AgenticError.internal("column \(name) is not a list of strings")
            }
            return .texts(texts)
        }
    }
}

extension SQLiteData {
    /// A described field's value, bound as the embedded schema stores it.
    init(_ value: StoredValue) {
        switch value {
        case .null: self = .null
        case .uuid(let id): self = .uuid(id)
        case .text(let s): self = .text(s)
        case .integer(let i): self = .int(i)
        case .double(let d): self = .float(d)
        case .bool(let b): self = .integer(b ? 1 : 0)
        case .json(let v): self = .text(v.description)
        case .timestamp(let t): self = .time(t)
        case .uuids(let ids): self = .ids(ids)
        case .texts(let texts): self = .strings(texts)
        }
    }

    static func uuid(_ id: UUID) -> SQLiteData { .text(id.lowercased) }
    static func uuid(_ id: UUID?) -> SQLiteData { id.map { .text($0.lowercased) } ?? .null }
    static func time(_ t: Timestamp) -> SQLiteData { .integer(SQLiteInt64(t.microseconds)) }
    static func time(_ t: Timestamp?) -> SQLiteData { t.map { .integer(SQLiteInt64($0.microseconds)) } ?? .null }
    static func int(_ i: Int64) -> SQLiteData { .integer(SQLiteInt64(i)) }
    static func text(_ s: String?) -> SQLiteData { s.map { .text($0) } ?? .null }
    static func json(_ object: JSONObject) -> SQLiteData { .text(JSONValue.object(object).description) }
    static func json(_ object: JSONObject?) -> SQLiteData { object.map { .json($0) } ?? .null }
    static func json(_ value: some JSONWritable) -> SQLiteData { .text(value.jsonString) }
    /// A JSON array of ids, for `IN (SELECT value FROM json_each(?))`.
    static func ids(_ ids: [UUID]) -> SQLiteData {
        var w = JSONWriter(capacity: ids.count * 40 + 2)
        w.beginArray()
        for id in ids { w.uuid(id) }
        w.endArray()
        return .text(w.string)
    }
    static func strings(_ values: [String]) -> SQLiteData {
        var w = JSONWriter()
        w.strings(values)
        return .text(w.string)
    }
}

/// The statements of the described resources, with SQLite's `?n` placeholders.
enum SQLiteStatements {
    static let agent = RowStatements<Agent>(placeholder: { "?\($0)" }, jsonObject: "json_object")
    static let goal = RowStatements<Goal>(placeholder: { "?\($0)" }, jsonObject: "json_object")
    static let plan = RowStatements<Plan>(placeholder: { "?\($0)" }, jsonObject: "json_object")
    static let task = RowStatements<PlanTask>(placeholder: { "?\($0)" }, jsonObject: "json_object", extraInsertColumns: ["unmet_dependencies"])
    static let schedule = RowStatements<Schedule>(placeholder: { "?\($0)" }, jsonObject: "json_object")
    static let webhook = RowStatements<Webhook>(placeholder: { "?\($0)" }, jsonObject: "json_object")
    static let delivery = RowStatements<WebhookDelivery>(
        placeholder: { "?\($0)" }, jsonObject: "json_object", alsoSetOnUpdate: ["claim = NULL", "claimed_until = NULL"])
}

/// Row decoders.
enum SQLiteColumns {
    static let key = TableColumns.key


    /// A described resource from its row.
    static func row<Object: DescribedObject>(_ r: SQLiteRow) throws -> Object {
        try Object.fields.decode { field in try r.stored(field.name, field.column ?? .text) }
    }

    static func eventRow(_ r: SQLiteRow) throws -> Event {
        Event(
            id: try r.int("event_id"), tenant: try r.text("tenant"), type: try r.text("type"), resourceID: try r.optionalUUID("resource_id"),
            data: Array(try r.text("data").utf8), actor: try r.text("actor"), createdAt: try r.timestamp("created_at"))
    }

    static func idempotencyRow(_ r: SQLiteRow) throws -> IdempotencyRecord {
        var response: StoredResponse?
        if try r.text("state") == "done", let status = try r.optionalInt("status") {
            var body: [UInt8] = []
            if case .blob(let buffer)? = r.column("body") { body = Array(buffer.readableBytesView) }
            response = StoredResponse(status: Int(status), headers: StoredResponse.headers(fromJSON: try r.optionalText("headers") ?? "{}"), body: body)
        }
        return IdempotencyRecord(
            requestHash: try r.text("request_hash"), response: response, createdAt: try r.timestamp("created_at"), expiresAt: try r.timestamp("expires_at"))
    }

    static func keyRow(_ r: SQLiteRow) throws -> ApiKey {
        guard let scope = Scope(rawValue: try r.text("scope")) else { throw AgenticError.internal("bad key scope") }
        var rateLimit: RateLimit?
        if let rps = try r.optionalDouble("rate_rps"), let burst = try r.optionalInt("rate_burst") {
            rateLimit = RateLimit(requestsPerSecond: rps, burst: burst)
        }
        return ApiKey(
            id: try r.uuid("key_id"), tenant: try r.text("tenant"), name: try r.text("name"), scope: scope,
            hash: try r.text("key_hash"), prefix: try r.text("prefix"), expiresAt: try r.optionalTimestamp("expires_at"),
            rateLimit: rateLimit, unlimited: try r.int("unlimited") != 0, createdAt: try r.timestamp("created_at"),
            revokedAt: try r.optionalTimestamp("revoked_at"))
    }
}

/// Builds the SQL of a newest-first listing from fixed fragments; only values are bound.
struct SQLiteListing {
    let table: String
    let idColumn: String
    let columns: String

    init<Object>(
        _ statements: RowStatements<Object>, filters: [(name: String, column: String, index: String)], defaultIndex: String
    ) {
        (table, idColumn, columns) = (statements.table, statements.idColumn, statements.columns)
        self.filters = filters
        self.defaultIndex = defaultIndex
    }
    /// filter name → (column, index that serves it), in order of preference.
    let filters: [(name: String, column: String, index: String)]
    let defaultIndex: String

    func sql(_ query: ListQuery, tenant: String) -> (String, [SQLiteData]) {
        var conditions = ["tenant = ?1"]
        var binds: [SQLiteData] = [.text(tenant)]
        var index = defaultIndex
        var chosen = false
        for filter in filters {
            let value: SQLiteData?
            switch filter.name {
            case "status": value = query.status.map { .text($0) }
            case "agent_type": value = query.agentType.map { .text($0) }
            case "agent_id": value = query.agentID.map { .uuid($0) }
            case "goal_id": value = query.goalID.map { .uuid($0) }
            case "plan_id": value = query.planID.map { .uuid($0) }
            case "name":
                // A range of the name index (`column` is its expression; BINARY compares bytes).
                guard let prefix = query.namePrefix else { continue }
                binds.append(.text(prefix))
                conditions.append("\(filter.column) >= ?\(binds.count)")
                if let upper = ListQuery.upperBound(ofPrefix: prefix) {
                    binds.append(.text(upper))
                    conditions.append("\(filter.column) < ?\(binds.count)")
                }
                if !chosen {
                    index = filter.index
                    chosen = true
                }
                continue
            default: value = nil
            }
            guard let value else { continue }
            binds.append(value)
            conditions.append("\(filter.column) = ?\(binds.count)")
            if !chosen {
                index = filter.index
                chosen = true
            }
        }
        if let cursor = query.cursor {
            binds.append(.time(cursor.createdAt))
            binds.append(.uuid(cursor.id))
            conditions.append("(created_at, \(idColumn)) < (?\(binds.count - 1), ?\(binds.count))")
        }
        binds.append(.integer(SQLiteInt64(query.limit + 1)))
        let sql = """
            SELECT \(columns) FROM \(table) INDEXED BY \(index) WHERE \(conditions.joined(separator: " AND ")) \
            ORDER BY created_at DESC, \(idColumn) DESC LIMIT ?\(binds.count)
            """
        return (sql, binds)
    }

    static let agents = SQLiteListing(
        SQLiteStatements.agent,
        filters: [
            ("name", SQLiteSchema.nameKey("name"), "agents_by_name"), ("status", "status", "agents_by_status"),
            ("agent_type", "agent_type", "agents_by_type"),
        ],
        defaultIndex: "agents_list")
    static let goals = SQLiteListing(
        SQLiteStatements.goal,
        filters: [
            ("name", SQLiteSchema.nameKey("goal_text"), "goals_by_name"), ("agent_id", "agent_id", "goals_by_agent"),
            ("status", "status", "goals_by_status"),
        ],
        defaultIndex: "goals_list")
    static let plans = SQLiteListing(
        SQLiteStatements.plan,
        filters: [
            ("name", SQLiteSchema.nameKey("name"), "plans_by_name"),
            ("goal_id", "goal_id", "plans_by_goal"), ("agent_id", "agent_id", "plans_by_agent"),
            ("status", "status", "plans_by_status"),
        ],
        defaultIndex: "plans_list")
    static let tasks = SQLiteListing(
        SQLiteStatements.task,
        filters: [
            ("plan_id", "plan_id", "tasks_by_plan"), ("agent_id", "agent_id", "tasks_by_agent"),
            ("status", "status", "tasks_by_status"),
        ],
        defaultIndex: "tasks_list")
    static let schedules = SQLiteListing(SQLiteStatements.schedule, filters: [], defaultIndex: "schedules_list")
}
