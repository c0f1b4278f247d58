import AgenticCore
import AgenticServer
import AgenticStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging

/// A response, with its body parsed as JSON on demand.
struct Reply: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    var json: JSONValue {
        (try? JSONParser.parse(body)) ?? .null
    }

    subscript(key: String) -> JSONValue? { json[key] }

    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }

    /// The `data` array of a list response.
    var items: [JSONValue] { json["data"]?.arrayValue ?? [] }

    /// The fields named in `errors[]` of a problem.
    var errorFields: [String] { (json["errors"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue } }

    var code: String? { json["code"]?.stringValue }
}

/// A client bound to one tenant's key, over any Hummingbird test transport.
struct TestAPI: Sendable {
    let client: any TestClientProtocol
    let key: String?
    let store: any Store
    let tenant: String

    func with(key: String?) -> TestAPI { TestAPI(client: client, key: key, store: store, tenant: tenant) }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, json: JSONValue? = nil, raw: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = headers
        if let key, headers[.xAPIKeyTest] == nil, headers[.authorization] == nil { headers[.xAPIKeyTest] = key }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(string: json.description)
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        } else if let raw {
            body = ByteBuffer(string: raw)
        }
        let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: body)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(response.body.readableBytesView))
    }

    func get(_ path: String, headers: HTTPFields = [:]) async throws -> Reply { try await call(.get, path, headers: headers) }
    func post(_ path: String, _ json: JSONValue? = nil, headers: HTTPFields = [:]) async throws -> Reply {
        try await call(.post, path, json: json, headers: headers)
    }
    func patch(_ path: String, _ json: JSONValue, headers: HTTPFields = [:]) async throws -> Reply {
        try await call(.patch, path, json: json, headers: headers)
    }
    func delete(_ path: String, headers: HTTPFields = [:]) async throws -> Reply { try await call(.delete, path, headers: headers) }

    /// Creates a resource and returns its body; fails the test unless it is a 201.
    func create(_ kind: ResourceKind, _ json: JSONValue) async throws -> JSONValue {
        let reply = try await post("/api/v1/\(kind.plural)", json)
        guard reply.status == 201 else { throw TestFailure("creating \(kind.rawValue) answered \(reply.status): \(reply.text)") }
        return reply.json
    }

    func id(_ kind: ResourceKind, _ json: JSONValue) async throws -> String {
        try await create(kind, json)[kind.idField]?.stringValue ?? ""
    }

    /// Creates a new key in this tenant straight in the store; returns the secret.
    func makeKey(scope: Scope, tenant: String? = nil, expiresAt: Timestamp? = nil, rateLimit: RateLimit? = nil) async throws -> String {
        let secret = KeyMaker.newSecret()
        try await store.createKey(
            KeyMaker.record(secret: secret, name: "test-\(scope.rawValue)", scope: scope, tenant: tenant ?? self.tenant,
                            expiresAt: expiresAt, rateLimit: rateLimit))
        return secret
    }
}

extension HTTPField.Name {
    static let xAPIKeyTest = Self("X-API-Key")!
}

enum TestApp {
    /// A fresh tenant name, so tests sharing a PostgreSQL database never see each other's data.
    static func newTenant() -> String { "t" + UUID().uuidString.prefix(8).lowercased() }

    /// The in-process servers' logger: warnings and worse, so a run's output shows the tests' results
    /// rather than a line per request (`AGENTIC_TEST_LOG_LEVEL=info` brings the request lines back).
    static var serverLogger: Logger {
        var logger = Logger(label: "agentic.test-server")
        logger.logLevel = ProcessInfo.processInfo.environment["AGENTIC_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    /// Runs `body` against a router-level application (no socket) on `backend`, as an admin of a new tenant.
    static func withAPI(
        _ backend: Backend, configuration: ServerConfiguration = ServerConfiguration(), isolated: Bool = false, url: String? = nil,
        poolSize: Int = 4, clock: (any WallClock)? = nil, _ body: @Sendable (TestAPI) async throws -> Void
    ) async throws {
        try await run(backend, setup: .router, configuration: configuration, isolated: isolated, url: url, poolSize: poolSize, clock: clock, body)
    }

    /// The same over a real socket.
    static func withLiveAPI(
        _ backend: Backend, configuration: ServerConfiguration = ServerConfiguration(),
        _ body: @Sendable (TestAPI) async throws -> Void
    ) async throws {
        try await run(backend, setup: .live, configuration: configuration, isolated: false, url: nil, poolSize: 4, clock: nil, body)
    }

    private static func run(
        _ backend: Backend, setup: TestingSetup, configuration: ServerConfiguration, isolated: Bool, url: String?, poolSize: Int,
        clock: (any WallClock)?, _ body: @Sendable (TestAPI) async throws -> Void
    ) async throws {
        try await backend.withStore(isolated: isolated, url: url, poolSize: poolSize, clock: clock) { store in
            let tenant = newTenant()
            let secret = KeyMaker.newSecret()
            try await store.createKey(KeyMaker.record(secret: secret, name: "test-admin", scope: .admin, tenant: tenant))
            var configuration = configuration
            configuration.port = 0
            let (router, _) = buildRouter(store: store, configuration: configuration)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: serverLogger)
            try await app.test(setup) { client in
                try await body(TestAPI(client: client, key: secret, store: store, tenant: tenant))
            }
        }
    }
}

extension TestAPI {
    /// `GET /api/v1/events?…` once at least `count` events are visible. On PostgreSQL an event shows
    /// only once every transaction that began before it has ended (so no reader ever skips one), which
    /// under concurrent tests can trail the write by a moment.
    func events(_ query: String = "", atLeast count: Int) async throws -> [JSONValue] {
        try await poll({ try await get("/api/v1/events?limit=1000" + (query.isEmpty ? "" : "&" + query)).items }, until: { $0.count >= count })
    }
}
