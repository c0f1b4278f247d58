import AgenticCore
import AgenticServer
import AgenticStore
import Foundation
import Logging
import PostgresNIO
import Testing

/// Waiting readers share one read of the log per wake-up, and see exactly what they would see alone.
@Suite("Hard to break: the event feed", .timeLimit(.minutes(3)))
struct EventFeedTests {
    static func metric(_ text: String, _ name: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("60 idle long-polls and 30 writes: a few shared reads, not a query per waiter per write", arguments: Backend.available)
    func idleWaitersShareReads(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let before = try await api.with(key: nil).get("/metrics").text
            let shared0 = Self.metric(before, "agentic_event_reads{kind=\"shared\"}") ?? 0
            let direct0 = Self.metric(before, "agentic_event_reads{kind=\"direct\"}") ?? 0
            let waiters = 60
            let writes = 30
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<waiters {
                    group.addTask { try await api.get("/api/v1/events?types=x.never&wait=4") }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(500))
                    for index in 0..<writes { _ = try await api.post("/api/v1/agents", ["name": .string("w\(index)")]) }
                    return try await api.get("/health/live")
                }
                var all: [Reply] = []
                for try await reply in group { all.append(reply) }
                return all
            }
            #expect(replies.allSatisfy { $0.status == 200 })
            let idle = replies.filter { $0["data"] != nil }
            #expect(idle.count == waiters && idle.allSatisfy { $0.items.isEmpty }, "nothing matched x.never")
            let after = try await api.with(key: nil).get("/metrics").text
            let shared = (Self.metric(after, "agentic_event_reads{kind=\"shared\"}") ?? 0) - shared0
            let direct = (Self.metric(after, "agentic_event_reads{kind=\"direct\"}") ?? 0) - direct0
            #expect(direct + shared < Double(waiters * writes) / 4, "\(direct) direct and \(shared) shared reads for \(waiters) waiters × \(writes) writes")
            #expect(direct >= Double(waiters), "each waiter queried once to catch up")
        }
    }

    @Test("a waiter gets its own tenant's matching events, none of another's, however many wait", arguments: Backend.available)
    func waitersSeeTheirOwn(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let other = api.with(key: try await api.makeKey(scope: .write, tenant: TestApp.newTenant()))
            let start = try await api.get("/api/v1/events?limit=1000").json["next_after"]?.intValue ?? 0
            // The longest wait: a waiter answers as soon as its event is visible, and on a busy
            // machine the writes below can take seconds.
            async let mine = api.get("/api/v1/events?after=\(start)&types=agent.created&wait=30")
            async let theirs = other.get("/api/v1/events?types=agent.created&wait=30")
            async let bystanders = withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 { group.addTask { try await api.get("/api/v1/events?after=\(start)&types=x.never&wait=2").items.count } }
                return try await group.reduce(0, +)
            }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await other.post("/api/v1/agents", ["name": "theirs"])
            _ = try await api.post("/api/v1/goals", ["goal_text": "not an agent"])
            let agent = try await api.id(.agent, ["name": "mine"])
            let got = try await mine
            #expect(got.items.map { $0["resource_id"]?.stringValue } == [agent], "\(got.text)")
            let theirReply = try await theirs
            #expect(theirReply.items.map { $0["data"]?["name"] } == ["theirs"], "\(theirReply.text)")
            #expect(try await bystanders == 0)
        }
    }

    /// On a cluster of its own: the transaction it holds open would hold back every other test's
    /// events as well.
    @Test("an open transaction anywhere in the cluster holds events back, and the lag is a metric", .enabled(if: Backend.postgresURL != nil))
    func deliveryLag() async throws {
        let cluster = try await PostgresCluster.create()
        defer { Task { await cluster.destroy() } }
        let isolated = try await cluster.freshDatabaseURL()
        try await TestApp.withAPI(.postgres, url: isolated) { api in
            guard case .postgres(let settings) = try DatabaseLocation(url: cluster.url) else { return }
            // An idle-in-transaction session in another database of the same cluster, holding an xid.
            let logger = Logger(label: "blocker")
            let blocker = try await PostgresConnection.connect(
                configuration: .init(
                    host: settings.host, port: settings.port, username: settings.username, password: settings.password,
                    database: settings.database, tls: .disable),
                id: 99, logger: logger)
            try await blocker.query("BEGIN", logger: logger)
            try await blocker.query("SELECT pg_current_xact_id()", logger: logger)
            let agent = try await api.id(.agent, ["name": "held back"])
            try await Task.sleep(for: .milliseconds(1500))
            let held = try await api.get("/api/v1/events?types=agent.created")
            #expect(!held.items.contains { $0["resource_id"]?.stringValue == agent }, "not visible while an older transaction is open")
            let lag = Self.metric(try await api.with(key: nil).get("/metrics").text, "agentic_event_delivery_lag_seconds") ?? 0
            #expect(lag >= 1, "the lag shows (\(lag) s)")
            try await blocker.query("ROLLBACK", logger: logger)
            try await blocker.close()
            let delivered = try await api.events("types=agent.created", atLeast: 1)
            #expect(delivered.contains { $0["resource_id"]?.stringValue == agent })
            let after = try await poll({ Self.metric(try await api.with(key: nil).get("/metrics").text, "agentic_event_delivery_lag_seconds") ?? 1 }, until: { $0 == 0 })
            #expect(after == 0)
        }
    }
}
