import AgenticCore
import Foundation
import NIOHTTP1

/// One page of the event log.
public struct EventPage: Sendable {
    public var events: [Event]
    /// Pass as `after` to continue.
    public var nextAfter: Int64
}

extension AgenticClient {
    /// `GET /events`: events after `after`, oldest first; `types` are exact types or prefixes ending
    /// in `.`; `wait` (≤ 30 s) long-polls when nothing is there yet.
    public func events(after: Int64 = 0, types: [String] = [], limit: Int = 100, wait: Int = 0) async throws -> EventPage {
        var pairs: [(String, String)] = [("after", String(after)), ("limit", String(limit))]
        if !types.isEmpty { pairs.append(("types", types.joined(separator: ","))) }
        if wait > 0 { pairs.append(("wait", String(wait))) }
        let json = try await call(.GET, "/api/v1/events" + QueryString.encode(pairs))
        let events = try (json["data"]?.arrayValue ?? []).map { try Event(json: $0) }
        return EventPage(events: events, nextAfter: json["next_after"]?.intValue ?? after)
    }
}
