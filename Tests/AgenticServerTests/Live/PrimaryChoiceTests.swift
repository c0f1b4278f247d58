import AgenticCore
@testable import AgenticStore
import Foundation
import HTTPTypes
import Logging
import Testing

/// Multi-host database URLs without pg_auto_failover: plain clusters from `scripts/pg-cluster`, one
/// a hot standby of the other, or made read-only by a setting. The store must run on the one that
/// takes writes, and follow it when it moves, without a restart.
@Suite("Live: choosing the primary of a multi-host URL", .serialized, .timeLimit(.minutes(6)))
struct PrimaryChoiceTests {
    @Test(
        "the standby listed first is passed over; when the primary stops and the standby is promoted, writes resume without a restart, every acknowledged one there once",
        arguments: ["read-write", "primary"])
    func followsPromotion(attrs: String) async throws {
        let primary = try await PostgresCluster.create()
        defer { Task { await primary.destroy() } }
        let standby = try await primary.standby()
        defer { Task { await standby.destroy() } }
        let url = "postgres://agentic@\(standby.hostAndPort),\(primary.hostAndPort)/agentic?sslmode=disable&target_session_attrs=\(attrs)"
        let key = "primary-choice-key-" + UUID().uuidString
        // A wait long enough that a busy machine never turns a slow connection into a 503 before the
        // primary is stopped (which the first check below would take for the standby being used).
        let server = try await ServerProcess.start(
            database: url, environment: ["AGENTIC_ADMIN_KEY": key], extraArguments: ["--db-wait", "5s", "--db-pool-size", "8"])
        let base = server.baseURL
        let writers = AcknowledgingWriters(base: base, key: key)
        async let writing: Void = writers.run(count: 4, label: "w")

        // Writes are acknowledged, so they went to the primary: the standby refuses every write.
        #expect(try await writers.waitForAcknowledged(atLeast: 20, atMost: .seconds(60)), "no writes:\n\(server.log.suffix(3_000))")
        #expect(writers.snapshot.unavailable == 0, "the standby was taken for the primary")

        try await primary.stop()
        // No host takes writes now: 503 with Retry-After, readiness down, the process up.
        let failing = try await poll(timeout: .seconds(30), { writers.snapshot.unavailable }, until: { $0 > 0 })
        #expect(failing > 0, "writes did not fail while no primary was reachable")
        let during = try await LiveHTTP.call(.get, base + "/api/v1/agents?limit=1", key: key, timeout: .seconds(30))
        #expect(during.status == 503 && during.code == "database_unavailable", "\(during.text)")
        #expect(during.header("Retry-After") == "1")
        let ready = try await LiveHTTP.call(.get, base + "/health/ready")
        #expect(ready.status == 503 && ready["checks"]?["database"]?["status"] == "down", "\(ready.text)")
        #expect(server.process.isRunning, "the process died:\n\(server.log.suffix(4_000))")

        let before = writers.snapshot.acknowledged.count
        try await standby.promote()
        let resumed = try await poll(timeout: .seconds(60), { writers.snapshot.acknowledged.count }, until: { $0 > before + 8 })
        #expect(resumed > before + 8, "writes did not resume on the promoted standby:\n\(server.log.suffix(4_000))")
        #expect(server.process.isRunning)
        writers.stop()
        await writing

        let tally = writers.snapshot
        #expect(tally.otherFailures.isEmpty, "\(tally.otherFailures.prefix(3))\n\(server.log.split(separator: "\n").filter { $0.contains("error") }.suffix(10).joined(separator: "\n"))")
        let names = try await AcknowledgingWriters.agentNames(base: base, key: key)
        let missing = tally.acknowledged.keys.filter { names[$0] == nil }
        let twice = names.filter { $0.value > 1 }
        #expect(missing.isEmpty, "\(missing.count) acknowledged writes are missing: \(missing.prefix(5))")
        #expect(twice.isEmpty, "\(twice.count) writes were made twice: \(twice.keys.prefix(5))")
        #expect(try await LiveHTTP.call(.get, base + "/health/ready").status == 200)
        print("multi-host \(attrs): \(tally.acknowledged.count) writes acknowledged, \(tally.unavailable) answers 503 around the promotion")
        try await server.stop()
        // The deferred ones are for failures only: a test process may end before such a task runs.
        await standby.destroy()
        await primary.destroy()
    }

    @Test("read-only servers (transaction_read_only on) are passed over; a write refused as read-only moves the pool; none writable is a 503")
    func followsReadOnly() async throws {
        let first = try await PostgresCluster.create()
        defer { Task { await first.destroy() } }
        let second = try await PostgresCluster.create()
        defer { Task { await second.destroy() } }
        for cluster in [first, second] {
            let single = try await StoreFactory.open(try DatabaseLocation(url: cluster.url), poolSize: 1, logger: Logger(label: "test"))
            try await single.run { try await single.migrate() }
        }
        try await first.setReadOnly(true)

        let url = "postgres://agentic@\(first.hostAndPort),\(second.hostAndPort)/agentic?sslmode=disable&target_session_attrs=read-write"
        let store = try #require(
            try await StoreFactory.open(try DatabaseLocation(url: url), poolSize: 4, leaseDeadline: .seconds(5), logger: Logger(label: "test"))
                as? PostgresStore)
        let tenant = "t" + UUID().uuidString.prefix(8).lowercased()
        func writeKey() async throws {
            let secret = KeyMaker.newSecret()
            try await store.createKey(KeyMaker.record(secret: secret, name: "k", scope: .read, tenant: tenant))
        }
        /// Writes until one succeeds; every failure meanwhile must be a 503 saying the database is unavailable.
        func writeUntilAcknowledged() async throws -> Int {
            var refused = 0
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                do {
                    try await writeKey()
                    return refused
                } catch let error as AgenticError where error.code == .databaseUnavailable && error.status == 503 {
                    refused += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            throw TestFailure("no write was acknowledged within 60 s")
        }

        try await store.run {
            // The first host is read-only: the second takes the pool (from the first look on) and the write.
            await store.pool.waitUntilRunning()
            #expect(try await writeUntilAcknowledged() == 0)
            #expect(store.pool.currentEndpoint?.description == second.hostAndPort)
            #expect(try await second.count("SELECT count(*) FROM api_keys WHERE tenant = '\(tenant)'") == 1)

            // Both read-only: writes are refused as read-only (SQLSTATE 25006), answered 503, and
            // the pool is withdrawn from the read-only server; readiness reports it down.
            try await second.setReadOnly(true)
            var refusal: AgenticError?
            let deadline = ContinuousClock.now + .seconds(30)
            while refusal == nil, ContinuousClock.now < deadline {
                do {
                    try await writeKey()
                    try await Task.sleep(for: .milliseconds(50))
                } catch let error as AgenticError {
                    refusal = error
                }
            }
            #expect(refusal?.code == .databaseUnavailable && refusal?.status == 503 && refusal?.retryAfterSeconds == 1, "\(String(describing: refusal))")
            let readiness = try await poll(timeout: .seconds(60), { await store.readiness() }, until: { !$0.reachable })
            #expect(!readiness.reachable, "readiness stayed up with no writable host")
            #expect(store.pool.currentEndpoint == nil, "the pool stayed on a read-only server")

            // The first becomes writable: writes resume there, without reopening the store.
            try await first.setReadOnly(false)
            _ = try await writeUntilAcknowledged()
            #expect(store.pool.currentEndpoint?.description == first.hostAndPort)
            #expect(try await first.count("SELECT count(*) FROM api_keys WHERE tenant = '\(tenant)'") == 1)
            #expect(await store.readiness().reachable)
        }
        await first.destroy()
        await second.destroy()
    }
}

extension PostgresCluster {
    /// Makes every new transaction of the cluster read-only (`default_transaction_read_only`), or
    /// writable again; open sessions follow at their next statement.
    func setReadOnly(_ readOnly: Bool) async throws {
        try await execute(
            "SET default_transaction_read_only = off",
            "ALTER SYSTEM SET default_transaction_read_only = \(readOnly ? "on" : "off")",
            "SELECT pg_reload_conf()")
        // The reload reaches the server's processes asynchronously; give them a moment.
        try await Task.sleep(for: .milliseconds(300))
    }
}
