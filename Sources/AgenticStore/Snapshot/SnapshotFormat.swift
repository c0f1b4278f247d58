import AgenticCore
import Foundation

/// The NDJSON snapshot `agentic export` writes and `agentic import` reads: a header line, one record
/// per line (tenants, keys as stored — hashes only —, agents, goals, plans, tasks, events), and a
/// trailer with the counts, so a truncated file is refused instead of half-imported.
///
///     {"agentic_snapshot":1,"exported_at":"…","source":"sqlite"}
///     {"tenant":{"name":"default","created_at":"…"}}
///     {"key":{…},"tenant":"default"}
///     {"agent":{…},"tenant":"default"}          (and goal, plan, task)
///     {"event":{…,"data_json":"{…}"},"tenant":"default"}
///     {"end":{"agents":1,…}}
public enum SnapshotFormat {
    public static let version: Int64 = 1
}

/// How many of each record a snapshot holds.
public struct SnapshotSummary: Sendable, Equatable, CustomStringConvertible {
    public var tenants = 0
    public var keys = 0
    public var agents = 0
    public var goals = 0
    public var plans = 0
    public var tasks = 0
    public var events = 0

    public init() {}

    var json: JSONValue {
        [
            "tenants": .int(Int64(tenants)), "keys": .int(Int64(keys)), "agents": .int(Int64(agents)),
            "goals": .int(Int64(goals)), "plans": .int(Int64(plans)), "tasks": .int(Int64(tasks)), "events": .int(Int64(events)),
        ]
    }

    init(json: JSONValue) throws {
        let f = try JSONFields(json, path: "end")
        tenants = Int(try f.int("tenants"))
        keys = Int(try f.int("keys"))
        agents = Int(try f.int("agents"))
        goals = Int(try f.int("goals"))
        plans = Int(try f.int("plans"))
        tasks = Int(try f.int("tasks"))
        events = Int(try f.int("events"))
    }

    public var description: String {
        "\(tenants) tenants, \(keys) keys, \(agents) agents, \(goals) goals, \(plans) plans, \(tasks) tasks, \(events) events"
    }
}

/// One line of a snapshot.
enum SnapshotRecord {
    case header(source: String)
    case tenant(name: String, createdAt: Timestamp)
    case key(ApiKey)
    case agent(Agent)
    case goal(Goal)
    case plan(Plan)
    case task(PlanTask)
    case event(Event)
    case end(SnapshotSummary)

    var line: [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        switch self {
        case .header(let source):
            w.key("agentic_snapshot"); w.int(SnapshotFormat.version)
            w.key("exported_at"); w.timestamp(Timestamp.now())
            w.key("source"); w.string(source)
        case .tenant(let name, let createdAt):
            w.key("tenant")
            w.beginObject()
            w.key("name"); w.string(name)
            w.key("created_at"); w.timestamp(createdAt)
            w.endObject()
        case .key(let key):
            w.key("key")
            w.beginObject()
            w.key("key_id"); w.uuid(key.id)
            w.key("name"); w.string(key.name)
            w.key("scope"); w.string(key.scope.rawValue)
            w.key("key_hash"); w.string(key.hash)
            w.key("prefix"); w.string(key.prefix)
            w.key("expires_at"); w.timestamp(key.expiresAt)
            w.key("rate_limit")
            if let rateLimit = key.rateLimit { rateLimit.write(to: &w) } else { w.null() }
            w.key("unlimited"); w.bool(key.unlimited)
            w.key("created_at"); w.timestamp(key.createdAt)
            w.key("revoked_at"); w.timestamp(key.revokedAt)
            w.endObject()
            w.key("tenant"); w.string(key.tenant)
        case .agent(let agent): Self.resource("agent", agent, agent.tenant, &w)
        case .goal(let goal): Self.resource("goal", goal, goal.tenant, &w)
        case .plan(let plan): Self.resource("plan", plan, plan.tenant, &w)
        case .task(let task): Self.resource("task", task, task.tenant, &w)
        case .event(let event):
            // `data_json` carries the recorded document as text, so it comes back byte for byte.
            w.key("event")
            w.beginObject()
            w.key("event_id"); w.int(event.id)
            w.key("type"); w.string(event.type)
            w.key("resource_id"); w.uuid(event.resourceID)
            w.key("data_json"); w.string(String(decoding: event.data, as: UTF8.self))
            w.key("actor"); w.string(event.actor)
            w.key("created_at"); w.timestamp(event.createdAt)
            w.endObject()
            w.key("tenant"); w.string(event.tenant)
        case .end(let summary):
            w.key("end"); w.value(summary.json)
        }
        w.endObject()
        w.bytes.append(UInt8(ascii: "\n"))
        return w.bytes
    }

    private static func resource(_ name: StaticString, _ value: some JSONWritable, _ tenant: String, _ w: inout JSONWriter) {
        w.key(name)
        value.write(to: &w)
        w.key("tenant"); w.string(tenant)
    }

    init(line: [UInt8], number: Int) throws {
        do {
            let value = try JSONParser.parse(line)
            let f = try JSONFields(value)
            // A tenant record holds an object under "tenant"; every other record names its tenant there.
            let tenant = f.object["tenant"]?.stringValue ?? ApiKey.defaultTenant
            if f.object["agentic_snapshot"] != nil {
                guard try f.int("agentic_snapshot") == SnapshotFormat.version else {
                    throw JSONShapeError(path: "agentic_snapshot", message: "is a snapshot version this build cannot read")
                }
                self = .header(source: try f.optionalString("source") ?? "unknown")
            } else if let data = f.object["tenant"], case .object = data {
                let t = try JSONFields(data, path: "tenant")
                self = .tenant(name: try t.string("name"), createdAt: try t.timestamp("created_at"))
            } else if let data = f.object["key"] {
                let k = try JSONFields(data, path: "key")
                let rateLimit = try k.optionalObject("rate_limit").map { obj throws(JSONShapeError) in try RateLimit.fields.parse(.object(obj), path: "key.rate_limit") }
                self = .key(
                    ApiKey(
                        id: try k.uuid("key_id"), tenant: tenant, name: try k.string("name"),
                        scope: try k.enumeration("scope", Scope.self), hash: try k.string("key_hash"), prefix: try k.string("prefix"),
                        expiresAt: try k.optionalTimestamp("expires_at"), rateLimit: rateLimit, unlimited: try k.bool("unlimited"),
                        createdAt: try k.timestamp("created_at"), revokedAt: try k.optionalTimestamp("revoked_at")))
            } else if let data = f.object["agent"] {
                self = .agent(try Agent(json: data, tenant: tenant))
            } else if let data = f.object["goal"] {
                self = .goal(try Goal(json: data, tenant: tenant))
            } else if let data = f.object["plan"] {
                self = .plan(try Plan(json: data, tenant: tenant))
            } else if let data = f.object["task"] {
                self = .task(try PlanTask(json: data, tenant: tenant))
            } else if let data = f.object["event"] {
                let e = try JSONFields(data, path: "event")
                let text = try e.string("data_json")
                _ = try JSONParser.parse(text)
                self = .event(
                    Event(
                        id: try e.int("event_id"), tenant: tenant, type: try e.string("type"),
                        resourceID: try e.optionalUUID("resource_id"), data: Array(text.utf8), actor: try e.string("actor"),
                        createdAt: try e.timestamp("created_at")))
            } else if let data = f.object["end"] {
                self = .end(try SnapshotSummary(json: data))
            } else {
                throw JSONShapeError(path: "$", message: "is not a snapshot record")
            }
        } catch {
            throw AgenticError(code: .validationFailed, status: 422, detail: "Snapshot line \(number): \(error)")
        }
    }
}
