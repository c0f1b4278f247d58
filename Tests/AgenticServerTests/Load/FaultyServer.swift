import AgenticCore
import AgenticServer
import AgenticStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization

/// A real Agentic server behind a responder that the test controls: every request waits `delay`
/// first, and every `failEvery`-th request is answered 503 instead. It counts what it answered, so a
/// test can check the load tester's figures against the truth.
struct FaultyServer: Sendable {
    struct Counts: Sendable {
        var requests = 0
        var injected = 0
        /// Every answer that was not 2xx: the injected ones and any the real server gave.
        var failures = 0
    }

    final class Ledger: Sendable {
        let counts = Mutex(Counts())
    }

    struct Responder: HTTPResponder {
        typealias Context = AppRequestContext
        let inner: any HTTPResponder<AppRequestContext>
        let delay: Duration
        let failEvery: Int
        let ledger: Ledger

        func respond(to request: Request, context: AppRequestContext) async throws -> Response {
            let fail = ledger.counts.withLock { counts -> Bool in
                counts.requests += 1
                let fail = failEvery > 0 && counts.requests % failEvery == 0
                if fail {
                    counts.injected += 1
                    counts.failures += 1
                }
                return fail
            }
            try await Task.sleep(for: delay)
            if fail {
                return Response(
                    status: .serviceUnavailable, headers: [.contentType: "application/problem+json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"status":503,"code":"injected_fault","title":"Injected","detail":"by the test"}"#)))
            }
            let response = try await inner.respond(to: request, context: context)
            if !(200..<300).contains(response.status.code) { ledger.counts.withLock { $0.failures += 1 } }
            return response
        }
    }

    /// Runs `body` with the base URL and an admin key of a fresh SQLite-backed server with these faults.
    static func with(
        delay: Duration, failEvery: Int, _ body: @Sendable (_ url: String, _ key: String, _ ledger: Ledger) async throws -> Void
    ) async throws {
        let store = try await Backend.sqlite.makeStore()
        let secret = KeyMaker.newSecret()
        try await store.createKey(KeyMaker.record(
            secret: secret, name: "load", scope: .admin, tenant: ApiKey.defaultTenant,
            rateLimit: RateLimit(requestsPerSecond: 1_000_000, burst: 1_000_000)))
        let (router, _) = buildRouter(store: store, configuration: ServerConfiguration())
        let ledger = Ledger()
        var logger = Logger(label: "faulty")
        logger.logLevel = .warning
        let app = Application(
            responder: Responder(inner: router.buildResponder(), delay: delay, failEvery: failEvery, ledger: ledger),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        do {
            try await app.test(.live) { client in
                try await body("http://127.0.0.1:\(client.port!)", secret, ledger)
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}
