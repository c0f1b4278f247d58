import AgenticCore
import Foundation
import HTTPTypes
import Testing

/// Webhooks over real sockets: a receiver on 127.0.0.1 that fails the first deliveries and checks
/// every signature; no event lost and each resource's events in order across a killed server and
/// across two instances on one PostgreSQL; a redirect never followed.
@Suite("Live: webhooks", .timeLimit(.minutes(4)))
struct WebhookLiveTests {
    static let secret = "receiver-secret-" + UUID().uuidString

    /// Allows 127.0.0.1 and subscribes `url` to agent events.
    static func subscribe(_ server: ServerProcess, key: String, url: String) async throws {
        let hosts = try await LiveHTTP.call(.put, server.baseURL + "/api/v1/webhooks/allowed-hosts", key: key, json: ["hosts": ["127.0.0.1"]])
        #expect(hosts.status == 200, "\(hosts.text)")
        let hook = try await LiveHTTP.call(
            .post, server.baseURL + "/api/v1/webhooks", key: key,
            json: ["url": .string(url), "types": ["agent."], "secret": .string(secret)])
        #expect(hook.status == 201, "\(hook.text)")
    }

    /// Changes each agent a few times: every change is an `agent.*` event.
    static func churn(_ server: ServerProcess, key: String, agents: [String], rounds: Int) async throws {
        for round in 0..<rounds {
            for agent in agents {
                let status = ["active", "idle", "busy"][round % 3]
                let reply = try await LiveHTTP.call(.patch, server.baseURL + "/api/v1/agents/\(agent)", key: key, json: ["status": .string(status)])
                #expect(reply.status == 200, "\(reply.text)")
            }
        }
    }

    /// The log's agent events, once `count` are visible (on PostgreSQL an event shows once every
    /// older transaction in the cluster ended, which other tests' open transactions can delay).
    static func agentEvents(_ server: ServerProcess, key: String, count: Int) async throws -> [Int64] {
        try await poll(timeout: .seconds(60), {
            try await LiveHTTP.call(.get, server.baseURL + "/api/v1/events?types=agent.&limit=1000", key: key).items.compactMap { $0["event_id"]?.intValue }
        }, until: { $0.count >= count })
    }

    /// Waits until the receiver accepted every one of `events`, then checks order and signatures.
    static func expectAllDelivered(_ receiver: WebhookReceiver, _ events: [Int64]) async throws {
        let accepted = try await poll(timeout: .seconds(90), { Set(receiver.snapshot.accepted.map(\.eventID)) }, until: { $0.isSuperset(of: events) })
        #expect(accepted.isSuperset(of: events), "missing: \(Set(events).subtracting(accepted).sorted())")
        for (resource, ids) in receiver.byResource {
            #expect(ids == ids.sorted(), "the events of \(resource) arrived out of order: \(ids)")
        }
        #expect(receiver.snapshot.badSignatures == 0)
        #expect(receiver.snapshot.requests > receiver.snapshot.accepted.count, "the first deliveries failed and were retried")
    }

    @Test("every event arrives, signed and in order per resource, across failed attempts and a killed server", arguments: Backend.available)
    func restart(backend: Backend) async throws {
        let database = try await backend.freshDatabaseURL()
        let key = "operator-key-" + UUID().uuidString
        let receiver = WebhookReceiver(secret: Self.secret, failFirst: 5)
        try await receiver.serve { base in
            let first = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
            var agents: [String] = []
            do {
                try await Self.subscribe(first, key: key, url: base + "/hook")
                for n in 0..<4 {
                    let agent = try await LiveHTTP.call(.post, first.baseURL + "/api/v1/agents", key: key, json: ["name": .string("a\(n)")])
                    agents.append(agent["agent_id"]?.stringValue ?? "")
                }
                try await Self.churn(first, key: key, agents: agents, rounds: 3)
                _ = try await poll(timeout: .seconds(30), { receiver.snapshot.accepted.count }, until: { $0 >= 3 })
            } catch {
                try? await first.stop(signal: SIGKILL)
                throw error
            }
            // Killed mid-stream: whatever it had claimed is taken over after the lease.
            try await first.stop(signal: SIGKILL)
            let second = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
            do {
                try await Self.churn(second, key: key, agents: agents, rounds: 2)
                let events = try await Self.agentEvents(second, key: key, count: 4 * 6)
                #expect(events.count == 4 * 6)
                try await Self.expectAllDelivered(receiver, events)
            } catch {
                try? await second.stop()
                throw error
            }
            try await second.stop()
        }
    }

    @Test("two instances on one PostgreSQL share the deliveries: both deliver, none lost, each resource in order")
    func twoInstances() async throws {
        guard Backend.available.contains(.postgres) else { return }
        let database = try await Backend.postgres.freshDatabaseURL()
        let key = "operator-key-" + UUID().uuidString
        // A slow receiver keeps an instance busy with what it claimed, so the other claims the rest:
        // the two instances' own counters then show that both delivered.
        let receiver = WebhookReceiver(secret: Self.secret, failFirst: 4, delay: .milliseconds(200))
        let agentCount = 24
        try await receiver.serve { base in
            let one = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
            let two: ServerProcess
            do { two = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key]) } catch {
                try? await one.stop()
                throw error
            }
            do {
                try await Self.subscribe(one, key: key, url: base + "/hook")
                var agents: [String] = []
                for n in 0..<agentCount {
                    let server = n.isMultiple(of: 2) ? one : two
                    let agent = try await LiveHTTP.call(.post, server.baseURL + "/api/v1/agents", key: key, json: ["name": .string("a\(n)")])
                    agents.append(agent["agent_id"]?.stringValue ?? "")
                }
                try await Self.churn(one, key: key, agents: agents, rounds: 2)
                try await Self.churn(two, key: key, agents: agents, rounds: 2)
                let events = try await Self.agentEvents(two, key: key, count: agentCount * 5)
                #expect(events.count == agentCount * 5)
                try await Self.expectAllDelivered(receiver, events)
                let delivered = [try await Self.deliveredCount(one), try await Self.deliveredCount(two)]
                #expect(delivered.allSatisfy { $0 > 0 }, "each instance delivered some: \(delivered)")
                #expect(delivered.reduce(0, +) >= events.count, "\(delivered) for \(events.count) events")
            } catch {
                try? await one.stop()
                try? await two.stop()
                throw error
            }
            try await one.stop()
            try await two.stop()
        }
    }

    /// The successful webhook attempts `server` made itself, from its `/metrics`.
    static func deliveredCount(_ server: ServerProcess) async throws -> Int {
        let text = try await LiveHTTP.call(.get, server.baseURL + "/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix("agentic_webhook_attempts_total{outcome=\"delivered\"}") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? 0
    }

    @Test("a redirect to another host is not followed: a failed attempt with its status")
    func redirectNotFollowed() async throws {
        let elsewhere = WebhookReceiver(secret: Self.secret)
        try await elsewhere.serve(host: "127.0.0.2") { otherBase in
            let redirecting = WebhookReceiver(secret: Self.secret, redirectTo: otherBase + "/hook")
            try await redirecting.serve { base in
                let key = "operator-key-" + UUID().uuidString
                let server = try await ServerProcess.start(database: try await Backend.sqlite.freshDatabaseURL(), environment: ["AGENTIC_ADMIN_KEY": key])
                do {
                    try await Self.subscribe(server, key: key, url: base + "/hook")
                    let hooks = try await LiveHTTP.call(.get, server.baseURL + "/api/v1/webhooks", key: key)
                    let hook = hooks.items.first?["webhook_id"]?.stringValue ?? ""
                    _ = try await LiveHTTP.call(.post, server.baseURL + "/api/v1/agents", key: key, json: ["name": "x"])
                    let tried = try await poll(timeout: .seconds(30), {
                        try await LiveHTTP.call(.get, server.baseURL + "/api/v1/webhooks/\(hook)/deliveries", key: key).items.first
                    }, until: { ($0?["attempts"]?.intValue ?? 0) >= 1 })
                    #expect(tried?["state"] == "pending" && tried?["last_status"] == 302, "\(String(describing: tried))")
                    #expect(tried?["last_error"]?.stringValue?.contains("not followed") == true)
                    #expect(redirecting.snapshot.requests >= 1 && elsewhere.snapshot.requests == 0, "the other host never heard of it")
                } catch {
                    try? await server.stop()
                    throw error
                }
                try await server.stop()
            }
        }
    }
}
