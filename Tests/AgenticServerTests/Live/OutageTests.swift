import AgenticCore
import Foundation
import HTTPTypes
import Synchronization
import Testing

@Suite("Live: PostgreSQL outages", .timeLimit(.minutes(15)))
struct OutageTests {
    /// 5 in `scripts/test`; `scripts/outage-test 20` runs 20 in a row.
    static var rounds: Int { ProcessInfo.processInfo.environment["AGENTIC_OUTAGE_ROUNDS"].flatMap(Int.init) ?? 5 }

    @Test("outages in a row under write load: the process lives, answers 503, recovers alone, keeps every acknowledged write once")
    func repeatedOutages() async throws {
        let cluster = try await PostgresCluster.create()
        defer { Task { await cluster.destroy() } }
        let key = "outage-operator-key-" + UUID().uuidString
        // The production pool and wait: what must survive is the real configuration.
        let server = try await ServerProcess.start(
            database: cluster.url, environment: ["AGENTIC_ADMIN_KEY": key], extraArguments: ["--db-wait", "1500ms", "--db-pool-size", "16"])
        let base = server.baseURL
        let writers = AcknowledgingWriters(base: base, key: key)
        async let writing: Void = writers.run(count: 8, label: "w")

        for round in 1...Self.rounds {
            try await Task.sleep(for: .milliseconds(1500))
            let before = writers.snapshot.acknowledged.count
            try await cluster.stop()
            try await Task.sleep(for: .seconds(5))
            // While it is down: 503 saying so, readiness down, liveness up, the process running.
            let during = try await LiveHTTP.call(.get, base + "/api/v1/agents?limit=1", key: key, timeout: .seconds(30))
            #expect(during.status == 503 && during.code == "database_unavailable", "round \(round): \(during.text)")
            #expect(during.header("Retry-After") == "1")
            let ready = try await LiveHTTP.call(.get, base + "/health/ready")
            #expect(ready.status == 503 && ready["checks"]?["database"]?["status"] == "down")
            #expect(try await LiveHTTP.call(.get, base + "/health/live").status == 200)
            #expect(server.process.isRunning, "round \(round): the process died:\n\(server.log.suffix(4_000))")
            try await cluster.start()
            // It recovers alone: acknowledged writes resume.
            let resumed = try await poll(timeout: .seconds(60), { writers.snapshot.acknowledged.count }, until: { $0 > before + 8 })
            #expect(resumed > before + 8, "round \(round): writes did not resume")
            #expect(server.process.isRunning, "round \(round): the process died:\n\(server.log.suffix(4_000))")
            let tally = writers.snapshot
            print("outage \(round)/\(Self.rounds): \(tally.acknowledged.count) writes acknowledged, \(tally.unavailable) answers 503 so far, slowest 503 \(tally.slowestUnavailable)")
        }
        try await Task.sleep(for: .milliseconds(500))
        writers.stop()
        await writing

        let tally = writers.snapshot
        #expect(tally.otherFailures.isEmpty, "\(tally.otherFailures.prefix(5))")
        #expect(tally.unavailable > 0, "the outages were felt")
        print("after \(Self.rounds) outages: \(tally.acknowledged.count) acknowledged writes; \(tally.unavailable) answers 503, the slowest after \(tally.slowestUnavailable)")

        // Every acknowledged write is there, and each exactly once.
        let names = try await AcknowledgingWriters.agentNames(base: base, key: key)
        let missing = tally.acknowledged.keys.filter { names[$0] == nil }
        let twice = names.filter { $0.value > 1 }
        #expect(missing.isEmpty, "\(missing.count) acknowledged writes are missing: \(missing.prefix(5))")
        #expect(twice.isEmpty, "\(twice.count) writes were made twice: \(twice.keys.prefix(5))")
        #expect(try await LiveHTTP.call(.get, base + "/health/ready").status == 200)
        try await server.stop()
        await cluster.destroy()
    }
}
