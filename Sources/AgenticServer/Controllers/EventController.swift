import AgenticCore
import AgenticStore
import Foundation
import Hummingbird
import ServiceLifecycle

/// The event log: a long-poll listing and a Server-Sent Events stream.
struct EventController<S: EventLogStore>: Sendable {
    let store: S
    /// How often a stream sends a comment line to keep proxies from closing it.
    let keepAlive: Duration

    static var maxWaitSeconds: Int { 30 }

    func register(_ routes: RouteRegistrar) {
        routes.read.get("/api/v1/events", use: list)
        routes.read.get("/api/v1/events/stream", use: stream)
    }

    /// `GET /events?after=&types=&limit=&wait=`: events after `after`, oldest first; with `wait`, holds the
    /// request up to that many seconds until one arrives.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> any ResponseGenerator {
        let tenant = try context.principal.tenant
        var errors: [FieldError] = []
        var after: Int64 = 0
        var types = EventTypeFilter()
        var limit = 100
        var wait = 0
        for (name, value) in request.queryPairs {
            switch name {
            case "after":
                if let n = Int64(value), n >= 0 { after = n } else { errors.append(FieldError(field: "after", message: "must be an integer ≥ 0")) }
            case "types":
                switch EventTypeFilter.parse(value) {
                case .success(let filter): types = filter
                case .failure(let problem): errors.append(FieldError(field: "types", message: problem.message))
                }
            case "limit":
                if let n = Int(value), (1...1000).contains(n) { limit = n } else {
                    errors.append(FieldError(field: "limit", message: "must be an integer between 1 and 1000"))
                }
            case "wait":
                if let n = Int(value), (0...Self.maxWaitSeconds).contains(n) { wait = n } else {
                    errors.append(FieldError(field: "wait", message: "must be whole seconds between 0 and \(Self.maxWaitSeconds)"))
                }
            default:
                errors.append(FieldError(field: name, message: "is not a parameter of /events; use after, types, limit or wait"))
            }
        }
        if !errors.isEmpty { throw AgenticError.validation(errors) }

        let batch = try await store.eventFeed.events(
            after: after, types: types, limit: limit, tenant: tenant, timeout: .seconds(wait), store: store)
        var w = JSONWriter(capacity: 256 + batch.events.count * 768)
        w.beginObject()
        w.key("data")
        w.beginArray()
        for event in batch.events { event.write(to: &w) }
        w.endArray()
        w.key("next_after")
        w.int(batch.nextAfter)
        w.endObject()
        return JSONResponse.make(w.bytes)
    }

    /// `GET /events/stream`: Server-Sent Events from `Last-Event-ID` (or `?after=`), with a comment line
    /// every `keepAlive`. Ends when the client goes away or the server shuts down.
    @Sendable func stream(_ request: Request, context: AppRequestContext) async throws -> any ResponseGenerator {
        let tenant = try context.principal.tenant
        var after: Int64 = 0
        var types = EventTypeFilter()
        var errors: [FieldError] = []
        for (name, value) in request.queryPairs {
            switch name {
            case "after":
                if let n = Int64(value), n >= 0 { after = n } else { errors.append(FieldError(field: "after", message: "must be an integer ≥ 0")) }
            case "types":
                switch EventTypeFilter.parse(value) {
                case .success(let filter): types = filter
                case .failure(let problem): errors.append(FieldError(field: "types", message: problem.message))
                }
            default:
                errors.append(FieldError(field: name, message: "is not a parameter of /events/stream; use after or types"))
            }
        }
        if let lastID = request.headers[.lastEventID] {
            if let n = Int64(lastID.trimmingCharacters(in: .whitespaces)), n >= 0 { after = n } else {
                errors.append(FieldError(field: "Last-Event-ID", message: "must be an event id"))
            }
        }
        if !errors.isEmpty { throw AgenticError.validation(errors) }

        let store = self.store
        let keepAlive = self.keepAlive
        let startAfter = after
        let filter = types
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
                            after: after, types: filter, limit: 500, tenant: tenant, timeout: keepAlive - quiet, store: store)
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
