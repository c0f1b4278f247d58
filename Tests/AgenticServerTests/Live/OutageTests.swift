import AgenticCore
import Foundation
import HTTPTypes
import Testing

@Suite("Live: PostgreSQL outage", .timeLimit(.minutes(3)))
struct OutageTests {
    @Test("while PostgreSQL is down requests fail fast with 503; when it returns, service resumes with no lost data")
    func outageAndRecovery() async throws {
        let cluster = try await PostgresCluster.create()
        defer { Task { await cluster.destroy() } }
        let key = "outage-operator-key-" + UUID().uuidString
        // The default wait for a connection (1.5 s), which is what makes requests fail fast while it is down.
        let server = try await ServerProcess.start(
            database: cluster.url, environment: ["AGENTIC_ADMIN_KEY": key], extraArguments: ["--db-wait", "1500ms"])
        let base = server.baseURL

        var committed: [String: JSONValue] = [:]
        for index in 0..<5 {
            let reply = try await LiveHTTP.call(.post, base + "/api/v1/agents", key: key, json: ["name": .string("before-\(index)")])
            #expect(reply.status == 201)
            committed[reply["agent_id"]!.stringValue!] = reply.json
        }
        let probe = committed.keys.first!

        try await cluster.stop()
        // Past the key cache's one second, so authentication needs the database too.
        try await Task.sleep(for: .milliseconds(1200))
        for (method, path, body) in [
            (HTTPRequest.Method.get, "/api/v1/agents/\(probe)", nil), (.post, "/api/v1/agents", ["name": "during"] as JSONValue),
            (.get, "/api/v1/tasks", nil),
        ] {
            let start = ContinuousClock.now
            let reply = try await LiveHTTP.call(method, base + path, key: key, json: body)
            let elapsed = ContinuousClock.now - start
            #expect(reply.status == 503, "\(method) \(path): \(reply.text)")
            #expect(reply.code == "database_unavailable")
            #expect(reply.header("Retry-After") == "1")
            #expect(elapsed < .seconds(2), "\(method) \(path) took \(elapsed)")
        }
        let ready = try await LiveHTTP.call(.get, base + "/health/ready")
        #expect(ready.status == 503 && ready["checks"]?["database"]?["status"] == "down")
        #expect(ready["checks"]?["database"]?["detail"]?.stringValue?.contains("unreachable") == true)
        #expect(try await LiveHTTP.call(.get, base + "/health/live").status == 200)
        #expect(server.process.isRunning, "the process stays up")

        try await cluster.start()
        var recovered = false
        for _ in 0..<40 {
            if try await LiveHTTP.call(.get, base + "/api/v1/agents/\(probe)", key: key).status == 200 {
                recovered = true
                break
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(recovered, "service resumes without a restart")
        for (id, body) in committed {
            let reply = try await LiveHTTP.call(.get, base + "/api/v1/agents/\(id)", key: key)
            #expect(reply.json == body, "committed data survives the outage")
        }
        #expect(try await LiveHTTP.call(.post, base + "/api/v1/agents", key: key, json: ["name": "after"]).status == 201)
        #expect(try await LiveHTTP.call(.get, base + "/health/ready").status == 200)
        try await server.stop()
        await cluster.destroy()
    }
}
