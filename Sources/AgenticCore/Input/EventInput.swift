import Foundation

/// The body of `POST /tasks/{id}/progress`: a step the lease holder reports. It becomes a
/// `task.progress` event and changes nothing else.
public struct ProgressRequest: Sendable {
    public var agentID: UUID
    public var message: String?
    /// How far along, from 0 to 100.
    public var percent: Double?
    public var data: JSONObject?

    public init(agentID: UUID, message: String? = nil, percent: Double? = nil, data: JSONObject? = nil) {
        self.agentID = agentID
        self.message = message
        self.percent = percent
        self.data = data
    }

    /// At most this many reports per task in any one-second window, counted over all instances.
    public static let perSecond = 20

    /// Whether one more report may go in now, given the times of the task's latest reports (at least
    /// the newest `perSecond`, any order): nil when it may, else the whole seconds until it may. A
    /// sliding log, so the bound holds in every window, not on a bucket's average.
    public static func wait(after recent: [Timestamp], now: Timestamp) -> Int? {
        let windowStart = now.adding(microseconds: -1_000_000)
        let inWindow = recent.filter { $0 > windowStart }.sorted()
        guard inWindow.count >= perSecond else { return nil }
        // The report that frees a place is the oldest of the newest `perSecond`.
        let freed = inWindow[inWindow.count - perSecond].adding(microseconds: 1_000_000)
        let micros = max(0, freed.microseconds - now.microseconds)
        return max(1, Int((micros + 999_999) / 1_000_000))
    }

    public static func read(_ body: JSONValue) throws(AgenticError) -> ProgressRequest {
        var r = ObjectReader(body, known: ["agent_id", "message", "percent", "data"])
        let agentID = WorkFields.requiredAgent(&r)
        let request = ProgressRequest(
            agentID: agentID ?? UUID.unset,
            message: r.read("message", nullable: true, Convert.string(max: Limits.maxTextLength)).value,
            percent: r.read("percent", nullable: true, Convert.double(0...100)).value,
            data: r.read("data", nullable: true, Convert.object).value)
        try r.check()
        return request
    }

    /// The event's data: the task, the reporting agent and what it said (absent members left out).
    public func eventData(task: UUID) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("task_id"); w.uuid(task)
        w.key("agent_id"); w.uuid(agentID)
        if let message { w.key("message"); w.string(message) }
        if let percent {
            // As given: 30 stays 30, not 30.0 (the range keeps it exact either way).
            w.key("percent")
            if percent == percent.rounded() { w.int(Int64(percent)) } else { w.double(percent) }
        }
        if let data { w.key("data"); w.object(data) }
        w.endObject()
        return w.bytes
    }
}

/// The body of `POST /events`: an event of the client's own. Its type starts with `x.`, so it can
/// never be mistaken for one the server appends; the actor is the calling key.
public struct ClientEventRequest: Sendable {
    public var type: String
    public var resourceID: UUID?
    public var data: JSONValue

    public static func read(_ body: JSONValue) throws(AgenticError) -> ClientEventRequest {
        var r = ObjectReader(body, known: ["type", "resource_id", "data"])
        let type = r.read("type") { value -> Result<String, Problem> in
            guard case .string(let s) = value, s.hasPrefix(EventType.clientPrefix), s.utf8.count > EventType.clientPrefix.utf8.count,
                Convert.isIdentifier(s)
            else {
                return .failure(
                    Problem(
                        "must start with `x.` followed by letters, digits, `_`, `.`, `:` or `-` (at most \(Limits.maxIdentifierLength) characters)"
                    ))
            }
            return .success(s)
        }
        if r.object["type"] == nil { r.fail("type", "is required") }
        let resourceID = r.read("resource_id", nullable: true, Convert.uuid).value
        let data = r.read("data", Convert.object).value
        if r.object["data"] == nil { r.fail("data", "is required") }
        try r.check()
        return ClientEventRequest(type: type.value ?? "", resourceID: resourceID, data: .object(data ?? [:]))
    }

    /// The seed client's form, `{event_type, aggregate_type, aggregate_id, payload, metadata}`: the
    /// event `x.<event_type>` about `aggregate_id`, with data `{aggregate_type, payload, metadata}`.
    public static func readSeedForm(_ body: JSONValue) throws(AgenticError) -> ClientEventRequest {
        var r = ObjectReader(body, known: ["event_type", "aggregate_type", "aggregate_id", "payload", "metadata"])
        let type = r.read("event_type") { value -> Result<String, Problem> in
            guard case .string(let s) = value, !s.isEmpty, Convert.isIdentifier(EventType.clientPrefix + s) else {
                return .failure(Problem("must be letters, digits, `_`, `.`, `:` or `-` (at most \(Limits.maxIdentifierLength - 2) characters)"))
            }
            return .success(EventType.clientPrefix + s)
        }
        if r.object["event_type"] == nil { r.fail("event_type", "is required") }
        let aggregateType = r.read("aggregate_type", nullable: true, Convert.string(max: Limits.maxIdentifierLength))
        let resourceID = r.read("aggregate_id", nullable: true, Convert.uuid).value
        let payload = r.read("payload", nullable: true, Convert.object)
        let metadata = r.read("metadata", nullable: true, Convert.object)
        try r.check()
        var data: JSONObject = [:]
        data["aggregate_type"] = aggregateType.value.map(JSONValue.string) ?? .null
        data["payload"] = .object(payload.value ?? [:])
        data["metadata"] = .object(metadata.value ?? [:])
        return ClientEventRequest(type: type.value ?? "", resourceID: resourceID, data: .object(data))
    }

    public var draft: EventDraft {
        var w = JSONWriter(capacity: 256)
        w.value(data)
        return EventDraft(type: type, resourceID: resourceID, data: w.bytes)
    }
}
