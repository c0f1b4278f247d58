import AgenticCore
import AgenticStore
import Foundation
import Logging
import PostgresNIO
import Testing

/// An `Idempotency-Key`'s answer commits with the change it guards. Here the process dies with the
/// change written but its transaction unable to finish (another session holds the idempotency table):
/// the retry after the restart must not make the change a second time.
@Suite("Hard to break: an idempotent write across a crash", .timeLimit(.minutes(3)), .enabled(if: Backend.postgresURL != nil))
struct IdempotencyFaultTests {
    @Test("killed between the change and the record of its answer: the retry creates nothing twice")
    func crashBetweenChangeAndAnswer() async throws {
        let database = try await Backend.postgres.freshDatabaseURL()
        guard case .postgres(let settings) = try DatabaseLocation(url: database) else { throw TestFailure("not PostgreSQL") }
        let key = "idempotency-crash-key-" + UUID().uuidString
        let server = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
        let logger = Logger(label: "locks")
        func session(_ id: Int) async throws -> PostgresConnection {
            try await PostgresConnection.connect(
                configuration: .init(
                    host: settings.host, port: settings.port, username: settings.username, password: settings.password,
                    database: settings.database, tls: .disable),
                id: id, logger: logger)
        }
        // Session A holds the agents table: the request reserves its key, then waits in its write.
        let body: JSONValue = ["name": "exactly-once"]
        let a = try await session(1)
        var b: PostgresConnection?
        let agentsAfterCrash: Int64
        do {
            try await Self.run(a, "BEGIN", logger)
            try await Self.run(a, "LOCK TABLE agents IN ACCESS EXCLUSIVE MODE", logger)
            let first = Task { try? await LiveHTTP.call(.post, server.baseURL + "/api/v1/agents", key: key, json: body, headers: [("Idempotency-Key", "K")], timeout: .seconds(60)) }
            let second = try await session(2)
            b = second
            let reserved = try await poll({ try await Self.count(second, "SELECT count(*) FROM idempotency_keys WHERE key = 'K'", logger) }, until: { $0 == 1 })
            #expect(reserved == 1, "the key was reserved before the write")
            // Session B takes the idempotency table, then A lets the write through: the agent is inserted,
            // and the transaction waits to record its answer.
            try await Self.run(second, "BEGIN", logger)
            try await Self.run(second, "LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE", logger)
            try await Self.run(a, "COMMIT", logger)
            try await Task.sleep(for: .milliseconds(500))
            // The process dies right there.
            try await server.stop(signal: SIGKILL)
            first.cancel()
            try await Self.run(second, "ROLLBACK", logger)
            agentsAfterCrash = try await Self.count(a, "SELECT count(*) FROM agents WHERE name = 'exactly-once'", logger)
        } catch {
            // A connection must be closed before it goes (postgres-nio asserts it), also when a step failed.
            try? await a.close()
            try? await b?.close()
            throw error
        }
        try await a.close()
        try await b?.close()

        // The client retries the same request until it gets an answer.
        let restarted = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
        var answer: Reply?
        for _ in 0..<120 {
            let reply = try await LiveHTTP.call(.post, restarted.baseURL + "/api/v1/agents", key: key, json: body, headers: [("Idempotency-Key", "K")])
            if reply.status == 201 { answer = reply; break }
            #expect(reply.code == "idempotency_in_progress", "\(reply.status) \(reply.text)")
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(answer != nil, "the retry got through once the reservation lapsed")
        let agents = try await LiveHTTP.call(.get, restarted.baseURL + "/api/v1/agents?limit=200", key: key).items
            .filter { $0["name"] == "exactly-once" }
        #expect(agentsAfterCrash == 0, "the change died with the record of its answer")
        #expect(agents.count == 1, "\(agents.count) agents for one key")
        try await restarted.stop()
    }

    static func run(_ connection: PostgresConnection, _ sql: String, _ logger: Logger) async throws {
        for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {}
    }

    static func count(_ connection: PostgresConnection, _ sql: String, _ logger: Logger) async throws -> Int64 {
        var result: Int64 = 0
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
            result = try row.decode(Int64.self)
        }
        return result
    }
}
