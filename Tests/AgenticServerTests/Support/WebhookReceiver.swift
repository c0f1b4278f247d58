import AgenticCore
import AgenticServer
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A webhook receiver on a loopback address, for live tests: answers 500 to its first `failFirst`
/// requests, checks every signature with `secret`, and records each event it accepted in arrival
/// order, answering each after `delay`. With `redirectTo` it answers every request with a 302 there
/// instead.
final class WebhookReceiver: Sendable {
    struct Received: Sendable, Equatable {
        var eventID: Int64
        var resourceID: String
        var type: String
    }

    struct State {
        var requests = 0
        var accepted: [Received] = []
        var badSignatures = 0
    }

    let secret: String
    let failFirst: Int
    let redirectTo: String?
    let delay: Duration
    private let state = Mutex(State())

    init(secret: String, failFirst: Int = 0, delay: Duration = .zero, redirectTo: String? = nil) {
        self.secret = secret
        self.failFirst = failFirst
        self.delay = delay
        self.redirectTo = redirectTo
    }

    var snapshot: State { state.withLock { $0 } }

    /// Events accepted, by resource, in arrival order (repeats included: delivery is at least once).
    var byResource: [String: [Int64]] {
        Dictionary(grouping: snapshot.accepted, by: \.resourceID).mapValues { $0.map(\.eventID) }
    }

    private func handle(_ request: Request) async throws -> Response {
        let body = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
        let timestamp = request.headers[HTTPField.Name(WebhookSignature.timestampHeader)!].flatMap { Int64($0) }
        let signature = request.headers[HTTPField.Name(WebhookSignature.signatureHeader)!] ?? ""
        let valid = timestamp.map { WebhookSignature.verify(signature, secret: secret, timestamp: $0, body: body) } ?? false
        if let redirectTo {
            state.withLock { $0.requests += 1 }
            return Response(status: .found, headers: [.location: redirectTo])
        }
        let event = try? JSONParser.parse(body)
        if delay > .zero { try await Task.sleep(for: delay) }
        let fail = state.withLock { state -> Bool in
            state.requests += 1
            guard valid, let event, let id = event["event_id"]?.intValue else {
                state.badSignatures += 1
                return true
            }
            if state.requests <= failFirst { return true }
            state.accepted.append(
                Received(eventID: id, resourceID: event["resource_id"]?.stringValue ?? "", type: event["type"]?.stringValue ?? ""))
            return false
        }
        return Response(status: fail ? .internalServerError : .noContent)
    }

    /// Serves on `host` (a free port) while `body` runs; `body` gets the base URL.
    func serve<T: Sendable>(host: String = "127.0.0.1", _ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/hook") { request, _ in try await self.handle(request) }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw TestFailure("the receiver did not start") }
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body("http://\(host):\(port)")) } catch { outcome = .failure(error) }
            group.cancelAll()
            try? await group.waitForAll()
            return try outcome.get()
        }
    }
}
