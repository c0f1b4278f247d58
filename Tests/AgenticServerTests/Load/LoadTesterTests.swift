import AgenticCore
import AgenticClient
@testable import AgenticLoad
import Foundation
import Testing

@Suite("Load tester", .timeLimit(.minutes(3)))
struct LoadTesterTests {
    @Test("the figures match what a server with known latency and error rate answered")
    func figuresAreTrue() async throws {
        try await FaultyServer.with(delay: .milliseconds(30), failEvery: 10) { url, key, ledger in
            var configuration = LoadConfiguration(url: url, apiKey: key, users: 4, spawnRate: 100, durationSeconds: 3, thinkTime: 0...0)
            configuration.intervalSeconds = 0.5
            let summary = await LoadRunner(configuration: configuration).run()
            let truth = ledger.counts.withLock { $0 }

            #expect(summary.total.count == truth.requests, "every request answered was counted once")
            #expect(summary.total.failures == truth.failures, "every failed answer was counted, nothing else")
            #expect(truth.injected == truth.requests / 10)
            let injected = summary.failures.filter { $0.reason == "HTTP 503 injected_fault" }.reduce(0) { $0 + $1.occurrences }
            #expect(injected == truth.injected, "failures are grouped by their reason")
            #expect(summary.endpoints.reduce(0) { $0 + $1.stats.count } == summary.total.count)
            #expect(summary.failures.reduce(0) { $0 + $1.occurrences } == truth.failures)
            #expect(summary.total.p50 >= 30 && summary.total.min >= 30, "no request is faster than the injected delay")
            let t = summary.total
            #expect(t.p50 <= t.p90 && t.p90 <= t.p95 && t.p95 <= t.p99 && t.p99 <= t.p999 && t.p999 <= t.max)
            #expect(summary.history.reduce(0) { $0 + $1.stats.count } == summary.total.count, "the history adds up to the total")
            // Which endpoints a 3-second run with injected failures reaches depends on the draw (a task
            // needs a plan, which needs a goal); "the mix reaches every endpoint" checks the mix itself.
            #expect(summary.endpoints.contains { $0.name == "POST /api/v1/agents" })
            let breaches = Thresholds(maxErrorRate: 0.01, maxP95Milliseconds: nil).breaches(of: summary)
            #expect(breaches.count == 1 && breaches[0].hasPrefix("error rate ") && breaches[0].hasSuffix("is not below 1.00 %"), "\(breaches)")
            #expect(Thresholds(maxErrorRate: 0.5, maxP95Milliseconds: nil).breaches(of: summary).isEmpty)
            #expect(Thresholds(maxErrorRate: 0.5, maxP95Milliseconds: 5).breaches(of: summary).first?.hasPrefix("p95") == true)
        }
    }

    @Test("the mix reaches every endpoint and never provokes a 4xx on a healthy server")
    func mixIsClean() async throws {
        try await FaultyServer.with(delay: .zero, failEvery: 0) { url, key, _ in
            let recorder = LoadRecorder()
            var user = VirtualUser(number: 1, client: AgenticClient(url: url, apiKey: key), recorder: recorder)
            for operation in Operation.allCases { await user.perform(operation) }
            // The worker cycle finds work once tasks exist; one claimed task in ten fails on purpose.
            for _ in 0..<30 {
                await user.perform(.createTask)
                await user.perform(.workCycle)
            }
            let summary = recorder.summary(configuration: LoadConfiguration(url: url, apiKey: key))
            #expect(summary.total.failures == 0, "failures: \(summary.failures.map { "\($0.name) \($0.reason)" })")
            let seen = Set(summary.endpoints.map(\.name))
            let expected = Set(Operation.allCases.flatMap(\.endpoints))
            #expect(expected.subtracting(seen).isEmpty, "never sent: \(expected.subtracting(seen).sorted())")
            #expect(seen.subtracting(expected).isEmpty, "undocumented: \(seen.subtracting(expected).sorted())")
        }
    }

    @Test("the open model times from the intended send: a slow server cannot hide its delay")
    func openModel() async throws {
        try await FaultyServer.with(delay: .milliseconds(200), failEvery: 0) { url, key, _ in
            // Two users that each need ≥ 200 ms cannot send 40 a second: sends fall behind.
            let configuration = LoadConfiguration(url: url, apiKey: key, users: 2, durationSeconds: 3, rate: 40)
            let summary = await LoadRunner(configuration: configuration).run()
            #expect(summary.late + summary.dropped > 0, "late \(summary.late), dropped \(summary.dropped)")
            #expect(summary.total.p50 >= 200)
            #expect(summary.total.p99 > 400, "waiting for a free user counts as latency, p99 \(summary.total.p99)")
        }
    }

    @Test("Locust's CSV columns, JSON and HTML reports of one run")
    func reports() async throws {
        try await FaultyServer.with(delay: .milliseconds(2), failEvery: 7) { url, key, _ in
            var configuration = LoadConfiguration(url: url, apiKey: key, users: 2, spawnRate: 100, durationSeconds: 2, thinkTime: 0...0)
            configuration.intervalSeconds = 0.5
            let summary = await LoadRunner(configuration: configuration).run()
            let stats = CSVReport.stats(summary).split(separator: "\n")
            #expect(stats.first == "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%")
            #expect(stats.last?.hasPrefix(",Aggregated,\(summary.total.count),\(summary.total.failures),") == true)
            #expect(stats.count == summary.endpoints.count + 2)
            let failures = CSVReport.failures(summary).split(separator: "\n")
            #expect(failures.first == "Method,Name,Error,Occurrences" && failures.count == summary.failures.count + 1)
            let history = CSVReport.history(summary).split(separator: "\n")
            #expect(history.first?.hasPrefix("Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%") == true)
            #expect(history.count == summary.history.count + 1)

            let json = try JSONParser.parse(Array(JSONReport.render(summary, breaches: ["x"]).utf8))
            #expect(json["total"]?["count"]?.intValue == Int64(summary.total.count))
            #expect(json["passed"] == false && json["breaches"] == ["x"])
            #expect(json["endpoints"]?.arrayValue?.count == summary.endpoints.count)

            let html = HTMLReport.render(summary, breaches: [])
            #expect(html.contains("<script id=\"run-data\" type=\"application/json\">"))
            #expect(!html.contains(" src=") && !html.contains("<link") && !html.contains("https://"), "nothing loaded from the network")
        }
    }
}

@Suite("Load tester mixes", .timeLimit(.minutes(3)))
struct LoadMixTests {
    @Test("--mix crud sends only the benchmark's five operations; --mix liveness only GET /health/live")
    func mixes() async throws {
        try await FaultyServer.with(delay: .zero, failEvery: 0) { url, key, _ in
            var crud = LoadConfiguration(url: url, apiKey: key, users: 2, spawnRate: 100, durationSeconds: 2, thinkTime: 0...0)
            crud.mix = .crud
            let summary = await LoadRunner(configuration: crud).run()
            #expect(summary.total.failures == 0)
            #expect(Set(summary.endpoints.map(\.name)).isSubset(of: [
                "POST /api/v1/agents", "PATCH /api/v1/agents/{id}", "GET /api/v1/agents/{id}", "POST /api/v1/goals", "GET /health/ready",
            ]))
            #expect(Mix.crud.weights.reduce(0) { $0 + $1.1 } == 100 && Operation.allCases.reduce(0) { $0 + $1.weight } == 100)

            var liveness = crud
            liveness.mix = .liveness
            let live = await LoadRunner(configuration: liveness).run()
            #expect(live.endpoints.map(\.name) == ["GET /health/live"] && live.total.count > 0 && live.total.failures == 0)
        }
    }
}
