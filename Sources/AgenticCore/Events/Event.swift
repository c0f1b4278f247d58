import Foundation

/// One entry of the event log: a change, the resource after it, and who made it.
public struct Event: Sendable, Equatable, JSONWritable {
    /// Increasing position in the log; a reader resumes after the last one it saw.
    public var id: Int64
    public var tenant: String
    public var type: String
    public var resourceID: UUID?
    /// The resource after the change, as JSON text.
    public var data: [UInt8]
    /// The key id that made the change (`system` for the server's own work, such as lease expiry).
    public var actor: String
    public var createdAt: Timestamp

    public init(id: Int64, tenant: String, type: String, resourceID: UUID?, data: [UInt8], actor: String, createdAt: Timestamp) {
        self.id = id
        self.tenant = tenant
        self.type = type
        self.resourceID = resourceID
        self.data = data
        self.actor = actor
        self.createdAt = createdAt
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("event_id"); w.int(id)
        w.key("type"); w.string(type)
        w.key("resource_id"); w.uuid(resourceID)
        w.key("data"); w.raw(data)
        w.key("actor"); w.string(actor)
        w.key("created_at"); w.timestamp(createdAt)
        w.endObject()
    }
}

/// An event about to be appended: the store assigns its position.
public struct EventDraft: Sendable {
    public var type: String
    public var resourceID: UUID?
    public var data: [UInt8]

    public init(type: String, resourceID: UUID?, data: [UInt8]) {
        self.type = type
        self.resourceID = resourceID
        self.data = data
    }

    public init(_ type: String, _ resource: some JSONWritable & Identified) {
        self.type = type
        self.resourceID = resource.id
        self.data = resource.jsonBytes()
    }
}

/// Resources with a UUID identity.
public protocol Identified {
    var id: UUID { get }
}

extension Agent: Identified {}
extension Goal: Identified {}
extension Plan: Identified {}
extension PlanTask: Identified {}

/// Which events a reader wants: by type, and optionally only those about one resource.
public struct EventFilter: Sendable, Equatable {
    public var types: EventTypeFilter
    /// Only events whose `resource_id` is this one.
    public var resourceID: UUID?

    public init(types: EventTypeFilter = EventTypeFilter(), resourceID: UUID? = nil) {
        self.types = types
        self.resourceID = resourceID
    }

    public func matches(_ event: Event) -> Bool {
        (resourceID == nil || event.resourceID == resourceID) && types.matches(event.type)
    }
}

/// Which event types a reader wants: exact names, or prefixes ending in `.` (`task.`).
public struct EventTypeFilter: Sendable, Equatable {
    public var exact: [String]
    public var prefixes: [String]

    public init(exact: [String] = [], prefixes: [String] = []) {
        self.exact = exact
        self.prefixes = prefixes
    }

    public var isEmpty: Bool { exact.isEmpty && prefixes.isEmpty }

    /// Parses `task.,agent.created`; a bad or empty entry is a problem.
    public static func parse(_ text: String) -> Result<EventTypeFilter, Problem> {
        var filter = EventTypeFilter()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            let body = item.hasSuffix(".") ? String(item.dropLast()) : item
            guard Convert.isIdentifier(body), filter.exact.count + filter.prefixes.count < 50 else {
                return .failure(Problem("must be a comma list of event types or prefixes ending in `.` (at most 50)"))
            }
            if item.hasSuffix(".") { filter.prefixes.append(item) } else { filter.exact.append(item) }
        }
        return .success(filter)
    }

    public func matches(_ type: String) -> Bool {
        isEmpty || exact.contains(type) || prefixes.contains { type.hasPrefix($0) }
    }
}
