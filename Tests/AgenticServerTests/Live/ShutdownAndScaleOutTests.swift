import AgenticCore
import Foundation
import HTTPTypes
import Testing

@Suite("Live: shutdown and scale-out on PostgreSQL", .timeLimit(.minutes(3)))
struct ShutdownAndScaleOutTests {
    static func postgresURL() throws -> String {
        guard let url = Backend.postgresURL else { throw TestFailure("needs AGENTIC_TEST_POSTGRES_URL (scripts/test sets it)") }
        return url
    }

    @Test("SIGTERM lets in-flight requests finish, refuses new ones, then exits cleanly")
    func gracefulShutdown() async throws {
        let key = "shutdown-operator-key-" + UUID().uuidString
        let server = try await ServerProcess.start(database: try Self.postgresURL(), environment: ["AGENTIC_ADMIN_KEY": key])
        let base = server.baseURL
        let inFlight = Task { try await LiveHTTP.call(.get, base + "/api/v1/events?after=\(Int64.max - 1)&wait=25", key: key) }
        // Signal only once the server is working on the long-poll (a request it has not read yet is
        // not in flight: on shutdown its connection is simply closed).
        var waiting = false
        for _ in 0..<200 where !waiting {
            let metrics = try await LiveHTTP.call(.get, base + "/metrics").text
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("agentic_http_requests_in_flight ") }
            // This scrape is one request in flight; the long-poll is the other.
            waiting = (line?.split(separator: " ").last).flatMap { Double($0) } ?? 0 >= 2
            if !waiting { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(waiting, "the long-poll reached the server")
        let signalled = ContinuousClock.now
        kill(server.process.processIdentifier, SIGTERM)
        let reply = try await inFlight.value
        #expect(reply.status == 200, "the in-flight long-poll is answered, not dropped: \(reply.text)")
        #expect(ContinuousClock.now - signalled < .seconds(10))
        let status = try await server.stop(timeout: .seconds(15))
        #expect(status == 0)
        #expect(server.log.contains("agentic stopped"), "the pool is closed after the server stops:\n\(server.log)")
        await #expect(throws: (any Error).self) { _ = try await LiveHTTP.call(.get, base + "/health/live", timeout: .seconds(2)) }
    }

    @Test("two instances on one database serve the same data, keys included")
    func twoInstances() async throws {
        let url = try Self.postgresURL()
        let key = "scaleout-operator-key-" + UUID().uuidString
        let a = try await ServerProcess.start(database: url, environment: ["AGENTIC_ADMIN_KEY": key])
        let b = try await ServerProcess.start(database: url, environment: ["AGENTIC_ADMIN_KEY": key])
        let tenant = TestApp.newTenant()
        let created = try await LiveHTTP.call(.post, a.baseURL + "/api/v1/keys", key: key, json: ["name": "team", "scope": "write", "tenant": .string(tenant)])
        #expect(created.status == 201)
        let teamKey = try #require(created["key"]?.stringValue)

        let agent = try await LiveHTTP.call(.post, a.baseURL + "/api/v1/agents", key: teamKey, json: ["name": "shared"])
        let id = try #require(agent["agent_id"]?.stringValue)
        let onB = try await LiveHTTP.call(.get, b.baseURL + "/api/v1/agents/\(id)", key: teamKey)
        #expect(onB.status == 200 && onB.json == agent.json, "a write on A is read on B")
        let patched = try await LiveHTTP.call(.patch, b.baseURL + "/api/v1/agents/\(id)", key: teamKey, json: ["status": "active"])
        #expect(patched["version"] == 2)
        #expect(try await LiveHTTP.call(.get, a.baseURL + "/api/v1/agents/\(id)", key: teamKey)["status"] == "active")
        let stale = try await LiveHTTP.call(
            .patch, a.baseURL + "/api/v1/agents/\(id)", key: teamKey, json: ["status": "idle"], headers: [("If-Match", "\"1\"")])
        #expect(stale.status == 412, "optimistic concurrency holds across instances")
        try await a.stop()
        try await b.stop()
    }
}
