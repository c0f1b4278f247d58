import AgenticCore
import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// One Server-Sent Event as the client sees it.
struct StreamedEvent: Sendable, Equatable {
    var id: Int64
    var type: String
    var data: JSONValue
}

/// A Server-Sent Events client over a real socket: it collects events (and comment lines) as they
/// arrive, until `stop()` closes the connection the way a client that goes away would.
final class EventStreamReader: Sendable {
    private let state = Mutex(State())
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    private struct State {
        var events: [StreamedEvent] = []
        var comments: [String] = []
        var status: Int?
        var failure: String?
        var ended = false
    }

    var events: [StreamedEvent] { self.state.withLock { $0.events } }
    var comments: [String] { self.state.withLock { $0.comments } }
    var status: Int? { self.state.withLock { $0.status } }
    var failure: String? { self.state.withLock { $0.failure } }

    /// Opens `url` (a `/events/stream` address), resuming after `lastEventID` when given.
    init(url: String, key: String, lastEventID: Int64? = nil) {
        let running = Task { [self] in
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "X-API-Key", value: key)
            request.headers.add(name: "Accept", value: "text/event-stream")
            if let lastEventID { request.headers.add(name: "Last-Event-ID", value: String(lastEventID)) }
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
                self.state.withLock { $0.status = Int(response.status.code) }
                var pending = ""
                for try await chunk in response.body {
                    pending += String(buffer: chunk)
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending.removeSubrange(..<end.upperBound)
                        let (event, comments) = Self.parse(block)
                        self.state.withLock {
                            $0.comments += comments
                            if let event { $0.events.append(event) }
                        }
                    }
                }
            } catch {
                if !Task.isCancelled { self.state.withLock { $0.failure = "\(error)" } }
            }
            self.state.withLock { $0.ended = true }
        }
        task.withLock { $0 = running }
    }

    private static func parse(_ block: String) -> (StreamedEvent?, [String]) {
        var comments: [String] = []
        var id: Int64?
        var type = "message"
        var data = ""
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") {
                comments.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces))
            } else if line.hasPrefix("id: ") {
                id = Int64(line.dropFirst(4))
            } else if line.hasPrefix("event: ") {
                type = String(line.dropFirst(7))
            } else if line.hasPrefix("data: ") {
                data += line.dropFirst(6)
            }
        }
        guard let id else { return (nil, comments) }
        return (StreamedEvent(id: id, type: type, data: (try? JSONParser.parse(Array(data.utf8))) ?? .null), comments)
    }

    /// Waits until `condition` holds for the events seen so far, or fails after `timeout`.
    func wait(timeout: Duration = .seconds(20), for condition: ([StreamedEvent]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(events) {
            if let failure { throw TestFailure("the event stream failed: \(failure)") }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("the event stream did not deliver in time; saw \(events.count) events: \(events.map(\.type))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Closes the connection, as a client that goes away does.
    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }
}
