import AgenticCore
import AgenticServer
import AgenticStore
import Foundation
import Testing

/// `/webhooks`: the routes, the allow-list, and the outbox with its schedule — claims, order per
/// resource, backoff, the 24-hour cut-off and redelivery — driven through the store's claim and
/// finish calls on a clock the test moves (the delivery worker itself is tested live).
@Suite("Contract: webhooks", .timeLimit(.minutes(3)))
struct WebhookContractTests {
    static func allow(_ api: TestAPI, _ hosts: [String]) async throws {
        let reply = try await api.call(.put, "/api/v1/webhooks/allowed-hosts", json: ["hosts": .array(hosts.map(JSONValue.string))])
        #expect(reply.status == 200, "\(reply.text)")
    }

    static func hook(_ api: TestAPI, types: [String], url: String = "http://127.0.0.1:9/hook") async throws -> Reply {
        try await api.post("/api/v1/webhooks", ["url": .string(url), "types": .array(types.map(JSONValue.string))])
    }

    @Test("create answers the secret once; list, get and delete never show it; only admins; another tenant's is a 404", arguments: Backend.available)
    func lifecycle(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            let empty = try await api.get("/api/v1/webhooks/allowed-hosts")
            #expect(empty.status == 200 && empty["hosts"] == [] && empty["updated_at"] == .null, "\(empty.text)")
            let refused = try await Self.hook(api, types: ["task."])
            #expect(refused.status == 422 && refused.errorFields == ["url"], "no host is allowed yet: \(refused.text)")

            try await Self.allow(api, ["127.0.0.1", "Example.COM"])
            #expect(try await api.get("/api/v1/webhooks/allowed-hosts")["hosts"] == ["127.0.0.1", "example.com"])
            let created = try await Self.hook(api, types: ["task.", "agent.created"])
            #expect(created.status == 201, "\(created.text)")
            let id = created["webhook_id"]?.stringValue ?? ""
            let secret = created["secret"]?.stringValue ?? ""
            #expect(secret.hasPrefix("whsec_") && secret.count == 70)
            #expect(created.header("Location") == "/api/v1/webhooks/\(id)")
            #expect(created["types"] == ["task.", "agent.created"])

            let own = try await api.post(
                "/api/v1/webhooks", ["url": "https://EXAMPLE.com:8443/in?x=1", "types": ["goal.created"], "secret": "0123456789abcdefXYZ"])
            #expect(own.status == 201 && own["secret"] == "0123456789abcdefXYZ", "the host matches whatever the case and port: \(own.text)")

            let one = try await api.get("/api/v1/webhooks/\(id)")
            #expect(one.status == 200 && one["secret"] == nil && one["url"] == "http://127.0.0.1:9/hook", "\(one.text)")
            let list = try await api.get("/api/v1/webhooks")
            #expect(list.items.count == 2 && list.items.allSatisfy { $0["secret"] == nil })
            #expect(!list.text.contains(secret) && !list.text.contains("0123456789abcdefXYZ"))
            let logged = try await api.events("types=webhook.", atLeast: 3)
            #expect(!logged.description.contains(secret), "the events never carry the secret")

            let writer = api.with(key: try await api.makeKey(scope: .write))
            #expect(try await writer.get("/api/v1/webhooks").status == 403)
            #expect(try await Self.hook(writer, types: ["task."]).status == 403)
            #expect(try await writer.call(.put, "/api/v1/webhooks/allowed-hosts", json: ["hosts": []]).status == 403)
            #expect(try await writer.get("/api/v1/webhooks/\(id)/deliveries").status == 403)

            let stranger = api.with(key: try await api.makeKey(scope: .admin, tenant: TestApp.newTenant()))
            #expect(try await stranger.get("/api/v1/webhooks/\(id)").status == 404)
            #expect(try await stranger.get("/api/v1/webhooks/\(id)/deliveries").status == 404)
            #expect(try await stranger.delete("/api/v1/webhooks/\(id)").status == 404)
            #expect(try await stranger.get("/api/v1/webhooks").items.isEmpty)

            #expect(try await api.delete("/api/v1/webhooks/\(id)").status == 204)
            #expect(try await api.get("/api/v1/webhooks/\(id)").status == 404)
            #expect(try await api.get("/api/v1/webhooks/not-a-uuid").status == 400)
        }
    }

    @Test("bad bodies are 422s naming every bad field", arguments: Backend.available)
    func validation(backend: Backend) async throws {
        try await TestApp.withAPI(backend) { api in
            try await Self.allow(api, ["127.0.0.1"])
            let cases: [(JSONValue, [String])] = [
                (["url": "ftp://127.0.0.1/x", "types": ["task."]], ["url"]),
                (["url": "http:///nohost", "types": ["task."]], ["url"]),
                (["url": "http://user:pw@127.0.0.1/", "types": ["task."]], ["url"]),
                (["url": "http://127.0.0.1/", "types": []], ["types"]),
                (["url": "http://127.0.0.1/", "types": ["task.", "no spaces"]], ["types[1]"]),
                // Stored as given, so a space around a type would never match an event: refused, as documented.
                (["url": "http://127.0.0.1/", "types": [" task.created"]], ["types[0]"]),
                (["url": "http://127.0.0.1/", "types": [.string(String(repeating: "t", count: 100) + ".")]], ["types[0]"]),
                (["url": "http://127.0.0.1/", "types": "task."], ["types"]),
                (["url": "http://127.0.0.1/", "types": ["task."], "secret": "short"], ["secret"]),
                (["types": ["task."], "extra": 1], ["extra", "url"]),
                (["url": "http://127.0.0.1/"], ["types"]),
                (["url": "http://127.0.0.1/", "types": ["task."], "created_at": "2026-01-01T00:00:00Z"], ["created_at"]),
            ]
            for (body, fields) in cases {
                let reply = try await api.post("/api/v1/webhooks", body)
                #expect(reply.status == 422 && reply.errorFields.sorted() == fields, "\(body) → \(reply.text)")
            }
            let hosts: [(JSONValue, [String])] = [
                (["hosts": ["http://127.0.0.1"]], ["hosts[0]"]),
                (["hosts": ["a.com:80"]], ["hosts[0]"]),
                // Folding case first made these names: the Kelvin sign lowercases to `k`, brackets were
                // dropped from around any host, and 254 characters became 253 without them.
                (["hosts": ["\u{212A}"]], ["hosts[0]"]),
                (["hosts": ["[example.com]"]], ["hosts[0]"]),
                (["hosts": ["-a.com", ".a.com", ""]], ["hosts[0]"]),
                (["hosts": [.string("[" + String(repeating: "a:", count: 126) + "]")]], ["hosts[0]"]),
                // Hex digits and colons are not yet an address: an IPv4 address with a port, too many groups.
                (["hosts": ["127.0.0.1:80"]], ["hosts[0]"]),
                (["hosts": ["1:2:3:4:5:6:7:8:9"]], ["hosts[0]"]),
                (["hosts": ["::1\u{0}x"]], ["hosts[0]"]),
                (["hosts": ["[::1]", "fe80::1", "::FFFF:1.2.3.4", ":::"]], ["hosts[3]"]),
                (["hosts": "a.com"], ["hosts"]),
                ([:], ["hosts"]),
                (["hosts": [], "more": 1], ["more"]),
            ]
            for (body, fields) in hosts {
                let reply = try await api.call(.put, "/api/v1/webhooks/allowed-hosts", json: body)
                #expect(reply.status == 422 && reply.errorFields.sorted() == fields, "\(body) → \(reply.text)")
            }
            #expect(try await api.get("/api/v1/webhooks").items.isEmpty, "nothing was created")
            let page = try await api.get("/api/v1/webhooks/\(UUID().lowercased)/deliveries?limit=0&x=1")
            #expect(page.status == 422 && page.errorFields.sorted() == ["limit", "x"], "\(page.text)")
        }
    }

    @Test("each matching event gets a delivery in its own transaction, and only those", arguments: Backend.available)
    func outbox(backend: Backend) async throws {
        // A database of its own: instances other tests run on the shared one attempt every tenant's deliveries.
        try await TestApp.withAPI(backend, isolated: true) { api in
            try await Self.allow(api, ["127.0.0.1"])
            let hook = try await Self.hook(api, types: ["agent.created", "goal."])["webhook_id"]?.stringValue ?? ""
            let other = try await Self.hook(api, types: ["task.completed"])["webhook_id"]?.stringValue ?? ""
            let agent = try await api.id(.agent, ["name": "a"])
            _ = try await api.patch("/api/v1/agents/\(agent)", ["status": "active"])
            let goal = try await api.id(.goal, ["goal_text": "g", "agent_id": .string(agent)])
            _ = try await api.patch("/api/v1/goals/\(goal)", ["priority": 7])
            let deliveries = try await api.get("/api/v1/webhooks/\(hook)/deliveries").items
            // Newest first: goal.updated, goal.created, agent.created — not agent.updated.
            #expect(deliveries.map { $0["event_type"]?.stringValue ?? "" } == ["goal.updated", "goal.created", "agent.created"])
            #expect(deliveries.allSatisfy { $0["state"] == "pending" && $0["attempts"] == 0 && $0["last_status"] == .null })
            #expect(deliveries.last?["resource_id"] == .string(agent))
            let events = try await api.events("resource_id=\(agent)", atLeast: 2)
            #expect(deliveries.last?["event_id"] == events.first?["event_id"])
            #expect(try await api.get("/api/v1/webhooks/\(other)/deliveries").items.isEmpty)

            let first = try await api.get("/api/v1/webhooks/\(hook)/deliveries?limit=2")
            #expect(first.items.count == 2 && first["next_cursor"]?.stringValue != nil)
            let rest = try await api.get("/api/v1/webhooks/\(hook)/deliveries?limit=2&cursor=\(first["next_cursor"]?.stringValue ?? "")")
            #expect(rest.items.map { $0["event_type"] } == ["agent.created"] && rest["next_cursor"] == .null, "\(rest.text)")

            // A webhook's deliveries go with it.
            #expect(try await api.delete("/api/v1/webhooks/\(hook)").status == 204)
            #expect(try await api.get("/api/v1/webhooks/\(hook)/deliveries").status == 404)
        }
    }

    @Test("claims go in order per resource, back off 1 s doubling, give up after 24 h, pass to another claimer when a lease runs out, and redeliver on request",
          arguments: Backend.available)
    func schedule(backend: Backend) async throws {
        let clock = ManualClock()
        let start = clock.now()
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let store = api.store
            try await Self.allow(api, ["127.0.0.1"])
            let hook = try await Self.hook(api, types: ["agent."])["webhook_id"]?.stringValue ?? ""
            let a = try await api.id(.agent, ["name": "a"])
            _ = try await api.patch("/api/v1/agents/\(a)", ["status": "active"])
            _ = try await api.patch("/api/v1/agents/\(a)", ["status": "idle"])
            let b = try await api.id(.agent, ["name": "b"])

            // The first of each resource only.
            let first = try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30)
            #expect(Set(first.map { $0.delivery.resourceID?.lowercased ?? "" }) == [a, b] && first.count == 2)
            let a1 = try #require(first.first { $0.delivery.resourceID?.lowercased == a })
            let b1 = try #require(first.first { $0.delivery.resourceID?.lowercased == b })
            #expect(a1.delivery.eventType == "agent.created" && a1.url == "http://127.0.0.1:9/hook" && a1.allowedHosts == ["127.0.0.1"])
            let body = try JSONParser.parse(try #require(a1.body))
            #expect(body["type"] == "agent.created" && body["resource_id"] == .string(a) && body["event_id"] == .int(a1.delivery.eventID))
            #expect(try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30).isEmpty, "claimed ones and those behind them wait")
            try await store.finishWebhookDelivery(b1, .delivered(status: 204))

            // a's first fails: 1 s, 2 s, 4 s; nothing of a goes meanwhile.
            var job = a1
            for wait in [1.0, 2.0, 4.0] {
                try await store.finishWebhookDelivery(job, .failed(status: 500, error: "the receiver answered 500"))
                #expect(try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30).isEmpty)
                clock.advance(seconds: wait - 0.5)
                #expect(try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30).isEmpty, "not before \(wait) s")
                clock.advance(seconds: 0.5)
                let again = try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30)
                #expect(again.map(\.delivery.id) == [a1.delivery.id])
                job = try #require(again.first)
            }
            let listed = try await api.get("/api/v1/webhooks/\(hook)/deliveries").items.first { $0["delivery_id"] == .string(a1.delivery.id.lowercased) }
            #expect(listed?["attempts"] == 3 && listed?["last_status"] == 500 && listed?["last_error"] == "the receiver answered 500")

            // A lease that runs out passes the delivery to the next claimer; the first one's outcome is ignored.
            clock.advance(seconds: 31)
            let taken = try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30)
            #expect(taken.map(\.delivery.id) == [a1.delivery.id] && taken.first?.claim != job.claim)
            try await store.finishWebhookDelivery(job, .delivered(status: 200))
            #expect(try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30).isEmpty, "the lost claim changed nothing")
            try await store.finishWebhookDelivery(try #require(taken.first), .delivered(status: 200))

            // Then a's second; it fails until its 24 hours are over, and then a's third goes.
            let a2 = try #require(try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30).first)
            #expect(a2.delivery.eventType == "agent.updated" && a2.delivery.eventID > a1.delivery.eventID)
            try await store.finishWebhookDelivery(a2, .failed(status: nil, error: "no answer"))
            clock.advance(seconds: 24 * 3600 - 39)
            let late = try #require(try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30).first)
            #expect(late.delivery.id == a2.delivery.id)
            try await store.finishWebhookDelivery(late, .failed(status: 503, error: "the receiver answered 503"))
            let dead = try await api.get("/api/v1/webhooks/\(hook)/deliveries").items.first { $0["delivery_id"] == .string(a2.delivery.id.lowercased) }
            #expect(dead?["state"] == "failed" && dead?["next_attempt_at"] == .null && dead?["attempts"] == 2, "\(String(describing: dead))")
            let a3 = try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30)
            #expect(a3.count == 1 && a3.first?.delivery.eventID ?? 0 > a2.delivery.eventID)
            try await store.finishWebhookDelivery(try #require(a3.first), .delivered(status: 200))

            // Redelivery of the given-up one: due now, with another 24 hours.
            let redeliver = "/api/v1/webhooks/\(hook)/deliveries/\(a2.delivery.id.lowercased)/redeliver"
            let redo = try await api.call(.post, redeliver, headers: [.idempotencyKeyTest: "redo-1"])
            #expect(redo.status == 200 && redo["state"] == "pending" && redo["attempts"] == 2, "\(redo.text)")
            #expect(redo["next_attempt_at"]?.stringValue.flatMap { Timestamp(rfc3339: $0) } == clock.now())
            let again = try await store.claimWebhookDeliveries(limit: 10, leaseSeconds: 30)
            #expect(again.map(\.delivery.id) == [a2.delivery.id])
            try await store.finishWebhookDelivery(try #require(again.first), .delivered(status: 202))
            let done = try await api.get("/api/v1/webhooks/\(hook)/deliveries").items
            #expect(done.allSatisfy { $0["state"] == "delivered" }, "\(done)")
            // A retry of the redelivery replays its answer and does not make the delivery due again.
            let replayed = try await api.call(.post, redeliver, headers: [.idempotencyKeyTest: "redo-1"])
            #expect(replayed.header("Idempotent-Replayed") == "true" && replayed.body == redo.body, "\(replayed.text)")
            #expect(try await api.get("/api/v1/webhooks/\(hook)/deliveries").items.allSatisfy { $0["state"] == "delivered" })
            #expect(try await api.post("/api/v1/webhooks/\(hook)/deliveries/\(UUID().lowercased)/redeliver").status == 404)

            // Finished deliveries go once past the retention the sweep passes; pending ones stay.
            _ = try await api.patch("/api/v1/agents/\(b)", ["status": "active"])
            #expect(try await store.pruneWebhookDeliveries(before: start) == 0, "all made at or after the cut-off")
            #expect(try await store.pruneWebhookDeliveries(before: clock.now()) == 4)
            let left = try await api.get("/api/v1/webhooks/\(hook)/deliveries").items
            #expect(left.map { $0["state"] } == ["pending"] && left.first?["resource_id"] == .string(b))
        }
    }

    @Test("the wait doubles from 1 s up to an hour")
    func backoff() {
        #expect((1...14).map { WebhookDelivery.backoffSeconds(afterAttempts: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600])
    }

    @Test("the signature is HMAC-SHA256 over timestamp, a dot and the body")
    func signature() {
        // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        let signature = WebhookSignature.sign(secret: "secret", timestamp: 1_700_000_000, body: Array(#"{"a":1}"#.utf8))
        #expect(signature == "sha256=" + Self.opensslHMAC)
        #expect(WebhookSignature.verify(signature, secret: "secret", timestamp: 1_700_000_000, body: Array(#"{"a":1}"#.utf8)))
        #expect(!WebhookSignature.verify(signature, secret: "secret", timestamp: 1_700_000_001, body: Array(#"{"a":1}"#.utf8)))
    }

    static let opensslHMAC = "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
}
