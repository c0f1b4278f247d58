import AgenticCore
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Testing

@Suite("Live: the real binary on the embedded store", .timeLimit(.minutes(3)))
struct RestartPersistenceTests {
    @Test("data survives a SIGTERM and a restart on the same file")
    func restartPersistence() async throws {
        let folder = TestFiles.temporaryDirectory()
        let database = "sqlite://\(folder)/agentic.sqlite"
        let adminKey = "operator-key-" + UUID().uuidString
        let first = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": adminKey])
        let created = try await LiveHTTP.call(.post, first.baseURL + "/api/v1/agents", key: adminKey, json: ["name": "survivor", "metadata": ["n": 1]])
        #expect(created.status == 201)
        let id = try #require(created["agent_id"]?.stringValue)
        let goal = try await LiveHTTP.call(.post, first.baseURL + "/api/v1/goals", key: adminKey, json: ["goal_text": "persist", "agent_id": .string(id)])
        #expect(goal.status == 201)
        #expect(try await first.stop() == 0, "a SIGTERM is a clean stop:\n\(first.log)")

        let second = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": adminKey])
        let agent = try await LiveHTTP.call(.get, second.baseURL + "/api/v1/agents/\(id)", key: adminKey)
        #expect(agent.status == 200 && agent.json == created.json)
        let goals = try await LiveHTTP.call(.get, second.baseURL + "/api/v1/goals", key: adminKey)
        #expect(goals.items.map { $0["goal_id"] } == [goal["goal_id"]!])
        #expect(try await second.stop(signal: SIGINT) == 0)
    }

    @Test("the first start of an empty database prints an admin key once")
    func generatedAdminKey() async throws {
        let folder = TestFiles.temporaryDirectory()
        let database = "sqlite://\(folder)/agentic.sqlite"
        let first = try await ServerProcess.start(database: database)
        let key = try #require(first.log.firstMatch(of: /agk_[A-Za-z0-9]{43}/).map { String($0.output) }, "no key in:\n\(first.log)")
        #expect(try await LiveHTTP.call(.get, first.baseURL + "/api/v1/keys", key: key).status == 200, "the key is an admin key")
        #expect(try await LiveHTTP.call(.get, first.baseURL + "/api/v1/agents").status == 401)
        try await first.stop()

        let second = try await ServerProcess.start(database: database)
        #expect(second.log.firstMatch(of: /agk_[A-Za-z0-9]{43}/) == nil, "shown only once")
        #expect(try await LiveHTTP.call(.get, second.baseURL + "/api/v1/agents", key: key).status == 200)
        try await second.stop()
        #expect(!first.log.contains(KeyHashHint.hashOf(key)), "the log never holds the key's hash")
    }

    @Test("a too-short AGENTIC_ADMIN_KEY stops the server with a clear message")
    func shortAdminKey() async throws {
        let folder = TestFiles.temporaryDirectory()
        let (status, output) = try await runAgentic(
            ["serve", "--port", "0", "--database-url", "sqlite://\(folder)/a.sqlite"], environment: ["AGENTIC_ADMIN_KEY": "short"])
        #expect(status == 1, "exits with an error, not a crash:\n\(output)")
        #expect(output.contains("AGENTIC_ADMIN_KEY must be at least 32"))
    }
}

import AgenticStore

enum KeyHashHint {
    static func hashOf(_ key: String) -> String { KeyMaker.hash(key) }
}
