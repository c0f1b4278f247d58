import AgenticCore
import AgenticStore
import Foundation
import Hummingbird
import ServiceLifecycle

/// The event log: a long-poll listing, a Server-Sent Events stream, a task's history, and events
/// clients append themselves.
struct EventController<S: EventLogStore>: Sendable {
    let store: S
    /// How often a stream sends a comment line to keep proxies from closing it.
    let keepAlive: Duration

    static var maxWaitSeconds: Int { 30 }

    func register(_ routes: RouteRegistrar) {
        routes.read.get("/api/v1/events", use: list)
        routes.write.post("/api/v1/events", use: append)
        routes.read.get("/api/v1/events/stream", use: stream)
        routes.read.get("/api/v1/tasks/:id/events", use: history)
    }

    /// The query parameters of the event reads, each checked and named when bad.
    struct EventQuery {
        var after: Int64 = 0
        var filter = EventFilter()
        var limit = 100
        var wait = 0

        /// Reads the parameters in `allowed` (any of after, types, resource_id, limit, wait).
        static func parse(_ request: Request, allowed: [String], path: String) throws(AgenticError) -> EventQuery {
            var query = EventQuery()
            var errors: [FieldError] = []
            for (name, value) in request.queryPairs {
                guard allowed.contains(name) else {
                    errors.append(FieldError(field: name, message: "is not a parameter of \(path); use \(allowed.joined(separator: ", "))"))
                    continue
                }
                // The seed's client sends a filter it was not given as an empty value (httpx spells
                // `None` that way): no filter, as `status=` on its lists.
                if value.isEmpty, name == "aggregate_id" || name == "event_type" { continue }
                switch name {
                case "after":
                    if let n = Int64(value), n >= 0 { query.after = n } else {
                        errors.append(FieldError(field: "after", message: "must be an integer ≥ 0"))
                    }
                case "types":
                    switch EventTypeFilter.parse(value) {
                    case .success(let types): query.filter.types = types
                    case .failure(let problem): errors.append(FieldError(field: "types", message: problem.message))
                    }
                case "resource_id", "aggregate_id":
                    if let id = UUID(uuidString: value) { query.filter.resourceID = id } else {
                        errors.append(FieldError(field: name, message: "must be a UUID"))
                    }
                case "event_type":
                    // The seed client's filter: its events are stored as `x.<event_type>`.
                    if Convert.isIdentifier(EventType.clientPrefix + value) {
                        query.filter.types.exact.append(EventType.clientPrefix + value)
                    } else {
                        errors.append(FieldError(field: "event_type", message: "must be an event type of the seed's form"))
                    }
                case "limit":
                    if let n = Int(value), (1...1000).contains(n) { query.limit = n } else {
                        errors.append(FieldError(field: "limit", message: "must be an integer between 1 and 1000"))
                    }
                default:
                    if let n = Int(value), (0...EventController.maxWaitSeconds).contains(n) { query.wait = n } else {
                        errors.append(FieldError(field: "wait", message: "must be whole seconds between 0 and \(EventController.maxWaitSeconds)"))
                    }
                }
            }
            if !errors.isEmpty { throw AgenticError.validation(errors) }
            return query
        }
    }

    /// `{"data": [...], "next_after": n}`.
    static func batch(_ batch: EventBatch) -> PreparedResponse {
        JSONResponse.make(batch.jsonBytes(capacity: 256 + batch.events.count * 768))
    }

    /// `GET /events?after=&types=&resource_id=&limit=&wait=`: events after `after`, oldest first; with
    /// `wait`, holds the request up to that many seconds until one arrives.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> any ResponseGenerator {
        let tenant = try context.principal.tenant
        let query = try EventQuery.parse(
            request, allowed: ["after", "types", "resource_id", "limit", "wait", "aggregate_id", "event_type"], path: "/events")
        return Self.batch(
            try await store.eventFeed.events(
                after: query.after, filter: query.filter, limit: query.limit, tenant: tenant, timeout: .seconds(query.wait),
                store: store))
    }

    /// `POST /events {type, resource_id?, data}`: an event of the client's own, `x.`-typed.
    @Sendable func append(_ request: Request, context: AppRequestContext) async throws -> any ResponseGenerator {
        let body = try await request.requiredJSONBody()
        // The seed client's events say `event_type`; native ones `type`.
        let event = try body["event_type"] == nil ? ClientEventRequest.read(body) : ClientEventRequest.readSeedForm(body)
        let caller = try context.caller
        return try await respond({ try await store.appendClientEvent(event, by: caller) }) { event in
            JSONResponse.make(event.jsonBytes(), status: .created)
        }
    }

    /// `GET /tasks/{id}/events?after=&limit=`: the task's history, oldest first, paged by `next_after`.
    @Sendable func history(_ request: Request, context: AppRequestContext) async throws -> any ResponseGenerator {
        let id = try context.id()
        let tenant = try context.principal.tenant
        let query = try EventQuery.parse(request, allowed: ["after", "limit"], path: "/tasks/{id}/events")
        return Self.batch(try await store.taskHistory(id, after: query.after, limit: query.limit, tenant: tenant))
    }

    /// `GET /events/stream`: Server-Sent Events from `Last-Event-ID` (or `?after=`), with a comment line
    /// every `keepAlive`. Ends when the client goes away or the server shuts down.
    @Sendable func stream(_ request: Request, context: AppRequestContext) async throws -> any ResponseGenerator {
        let tenant = try context.principal.tenant
        var query = try EventQuery.parse(request, allowed: ["after", "types", "resource_id"], path: "/events/stream")
        if let lastID = request.headers[.lastEventID] {
            guard let n = Int64(lastID.trimmingCharacters(in: .whitespaces)), n >= 0 else {
                throw AgenticError.validation(field: "Last-Event-ID", "must be an event id")
            }
            query.after = n
        }

        let store = self.store
        let keepAlive = self.keepAlive
        let startAfter = query.after
        let filter = query.filter
        let body = ResponseBody { writer in
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                    var after = startAfter
                    var lastWrite = ContinuousClock.now
                    try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        let quiet = ContinuousClock.now - lastWrite
                        if quiet >= keepAlive {
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                            lastWrite = ContinuousClock.now
                            continue
                        }
                        // Waits at most until the next keep-alive (the feed notices shutdown and a
                        // client that went away within a second).
                        let batch = try await store.eventFeed.events(
                            after: after, filter: filter, limit: 500, tenant: tenant, timeout: keepAlive - quiet, store: store)
                        after = batch.nextAfter
                        guard !batch.events.isEmpty else { continue }
                        var buffer = ByteBuffer()
                        for event in batch.events {
                            buffer.writeString("id: \(event.id)\nevent: \(event.type)\ndata: ")
                            buffer.writeBytes(event.jsonBytes())
                            buffer.writeString("\n\n")
                        }
                        try await writer.write(buffer)
                        lastWrite = ContinuousClock.now
                    }
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: body)
    }
}

/// `{"data": [...], "next_after": n}`: a page of the log as the event reads (and the MCP
/// `wait_for_events` tool) answer it.
extension EventBatch: JSONWritable {
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("data")
        w.beginArray()
        for event in events { event.write(to: &w) }
        w.endArray()
        w.key("next_after")
        w.int(nextAfter)
        w.endObject()
    }
}
