import AgenticCore
import Foundation

/// The NDJSON snapshot `agentic export` writes and `agentic import` reads: a header line, one record
/// per line (tenants, keys as stored — hashes only —, agents, goals, plans, tasks, schedules, tenant
/// settings, rate and concurrency limits, webhook allow-lists, webhooks with their signing secrets,
/// webhook deliveries, events), and a trailer with the counts, so a truncated file is refused
/// instead of half-imported.
///
///     {"agentic_snapshot":1,"exported_at":"…","source":"sqlite"}
///     {"tenant":{"name":"default","created_at":"…"}}
///     {"key":{…},"tenant":"default"}
///     {"agent":{…},"tenant":"default"}          (and goal, plan, task, schedule, tenant_settings,
///                                                task_rate_limit, concurrency_limit,
///                                                webhook_allowed_hosts, webhook, webhook_delivery)
///     {"event":{…,"data_json":"{…}"},"tenant":"default"}
///     {"end":{"agents":1,…}}
///
/// A snapshot written before schedules and the rest were carried has no count for them: it reads
/// as none.
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
    public var schedules = 0
    /// Tenants whose settings an admin changed.
    public var settings = 0
    public var rateLimits = 0
    public var concurrencyLimits = 0
    /// Tenants with a webhook allow-list.
    public var allowLists = 0
    public var webhooks = 0
    public var deliveries = 0
    public var events = 0

    public init() {}

    /// Each count under its name in the end record.
    private static let counts: [(name: String, count: any WritableKeyPath<SnapshotSummary, Int> & Sendable)] = [
        ("tenants", \.tenants), ("keys", \.keys), ("agents", \.agents), ("goals", \.goals), ("plans", \.plans), ("tasks", \.tasks),
        ("schedules", \.schedules), ("settings", \.settings), ("rate_limits", \.rateLimits), ("concurrency_limits", \.concurrencyLimits),
        ("allow_lists", \.allowLists), ("webhooks", \.webhooks), ("deliveries", \.deliveries), ("events", \.events),
    ]

    /// The counts every snapshot has had from the start; the rest may be missing (none).
    private static let original: Set<String> = ["tenants", "keys", "agents", "goals", "plans", "tasks", "events"]

    var json: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: Self.counts.map { (JSONKey($0.name), JSONValue.int(Int64(self[keyPath: $0.count]))) }))
    }

    init(json: JSONValue) throws {
        let f = try JSONFields(json, path: "end")
        for (name, count) in Self.counts {
            let value = Self.original.contains(name) ? try f.int(name) : try f.optionalInt(name) ?? 0
            guard let n = Int(exactly: value), n >= 0 else { throw JSONShapeError(path: "end.\(name)", message: "is not a count") }
            self[keyPath: count] = n
        }
    }

    /// Counts a record under its kind; the header and the end record count for nothing. Export counts
    /// what it writes and import what it reads through this one switch, so the two cannot disagree.
    mutating func count(_ record: SnapshotRecord) {
        switch record {
        case .header, .end: return
        case .tenant: tenants += 1
        case .key: keys += 1
        case .agent: agents += 1
        case .goal: goals += 1
        case .plan: plans += 1
        case .task: tasks += 1
        case .schedule: schedules += 1
        case .settings: settings += 1
        case .rateLimit: rateLimits += 1
        case .concurrencyLimit: concurrencyLimits += 1
        case .allowedHosts: allowLists += 1
        case .webhook: webhooks += 1
        case .delivery: deliveries += 1
        case .event: events += 1
        }
    }

    public var description: String {
        Self.counts.filter { Self.original.contains($0.name) || self[keyPath: $0.count] > 0 }
            .map { "\(self[keyPath: $0.count]) \($0.name.replacingOccurrences(of: "_", with: " "))" }.joined(separator: ", ")
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
    case schedule(Schedule)
    case settings(TenantSettings, tenant: String)
    case rateLimit(TaskRateLimit)
    case concurrencyLimit(ConcurrencyLimit)
    case allowedHosts(WebhookAllowedHosts, tenant: String)
    /// With its secret: the webhook goes on signing as before.
    case webhook(Webhook)
    case delivery(WebhookDelivery)
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
        case .schedule(let schedule): Self.resource("schedule", schedule, schedule.tenant, &w)
        case .settings(let settings, let tenant): Self.resource("tenant_settings", settings, tenant, &w)
        case .rateLimit(let limit): Self.resource("task_rate_limit", limit, limit.tenant, &w)
        case .concurrencyLimit(let limit): Self.resource("concurrency_limit", limit, limit.tenant, &w)
        case .allowedHosts(let hosts, let tenant): Self.resource("webhook_allowed_hosts", hosts, tenant, &w)
        case .webhook(let webhook):
            w.key("webhook")
            Webhook.fields.writeWithSecrets(webhook, to: &w)
            w.key("tenant"); w.string(webhook.tenant)
        case .delivery(let delivery): Self.resource("webhook_delivery", delivery, delivery.tenant, &w)
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

    /// A tenant's object as read from a record (its JSON leaves the tenant out).
    private static func owned<Object: TenantOwned>(_ object: Object, by tenant: String) -> Object {
        var object = object
        object.tenant = tenant
        return object
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
            } else if let data = f.object["schedule"] {
                self = .schedule(try Schedule(json: data, tenant: tenant))
            } else if let data = f.object["tenant_settings"] {
                self = .settings(try TenantSettings.fields.parse(data, path: "tenant_settings"), tenant: tenant)
            } else if let data = f.object["task_rate_limit"] {
                self = .rateLimit(try Self.owned(TaskRateLimit.fields.parse(data, path: "task_rate_limit"), by: tenant))
            } else if let data = f.object["concurrency_limit"] {
                self = .concurrencyLimit(try Self.owned(ConcurrencyLimit.fields.parse(data, path: "concurrency_limit"), by: tenant))
            } else if let data = f.object["webhook_allowed_hosts"] {
                let h = try JSONFields(data, path: "webhook_allowed_hosts")
                guard let hosts = h.object["hosts"]?.arrayValue?.compactMap(\.stringValue) else {
                    throw JSONShapeError(path: "webhook_allowed_hosts.hosts", message: "is not a list of hosts")
                }
                self = .allowedHosts(WebhookAllowedHosts(hosts: hosts, updatedAt: try h.optionalTimestamp("updated_at")), tenant: tenant)
            } else if let data = f.object["webhook"] {
                self = .webhook(try Self.owned(Webhook.fields.parse(data, path: "webhook", withSecrets: true), by: tenant))
            } else if let data = f.object["webhook_delivery"] {
                self = .delivery(try Self.owned(WebhookDelivery.fields.parse(data, path: "webhook_delivery"), by: tenant))
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

/// A type a snapshot record names the tenant of beside its JSON.
protocol TenantOwned {
    var tenant: String { get set }
}

extension TaskRateLimit: TenantOwned {}
extension ConcurrencyLimit: TenantOwned {}
extension Webhook: TenantOwned {}
extension WebhookDelivery: TenantOwned {}
