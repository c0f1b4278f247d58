import AgenticCore
import AgenticLoad
import AgenticServer
import AgenticStore
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// `agentic loadtest`: runs the seed's scenarios against a server (or one it starts itself), prints
/// progress and a table, writes reports, and exits 0 when every threshold held, 1 when one broke.
struct LoadtestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Load-test a server with a weighted mix of every endpoint; thresholds decide the exit code.",
        discussion: """
            Scenarios: smoke (10 users, 5/s, 1m), normal (50, 10/s, 5m), peak (200, 20/s, 10m), endurance (100, 10/s, 30m).
            Exit status: 0 every threshold held, 1 a threshold was breached (the reason is printed), 2 usage error.
            """)

    @Option(help: "Server address (env AGENTIC_URL)") var url: String = Env.string("AGENTIC_URL", default: "http://127.0.0.1:8080")
    @Option(help: "API key with write scope (env AGENTIC_API_KEY)") var apiKey: String? = Env.string("AGENTIC_API_KEY")
    @Option(help: "smoke, normal, peak or endurance") var scenario: String = "smoke"
    @Option(help: "Users (overrides the scenario)") var users: Int?
    @Option(help: "Users started per second (overrides the scenario)") var spawnRate: Double?
    @Option(help: "How long, e.g. 30s, 5m, 1h (overrides the scenario)") var duration: String?
    @Option(help: "Open model: operations per second, timed from their intended send time") var rate: Double?
    @Option(help: "full (every endpoint, the default), crud (the benchmark's create/patch/get agent, create goal, health) or liveness (GET /health/live only)")
    var mix: String = "full"
    @Option(help: "Closed model: think time between a user's operations, MIN-MAX, e.g. 0.5s-1.5s or 0") var think: String = "0.5s-1.5s"
    @Option(help: "Fail when the error rate reaches this percentage") var maxErrorRate: Double = 1
    @Option(help: "Fail when p95 exceeds this, e.g. 500ms") var maxP95: String = "500ms"
    @Option(help: "Fail when p99 exceeds this, e.g. 1s") var maxP99: String?
    @Option(help: "Write PREFIX_stats.csv, PREFIX_failures.csv, PREFIX_stats_history.csv (Locust's columns)") var csv: String?
    @Option(help: "Write the result as JSON") var json: String?
    @Option(help: "Write a self-contained HTML report with charts") var html: String?
    @Flag(help: "Start a server in this process on a temporary database and test that") var embedded = false
    @Option(help: "The work queue's benchmark instead of a mix: lifecycle (create, claim, complete by --users workers over --plans plans) or drain (a plan of --tasks tasks with dependencies)")
    var queue: String?
    @Option(help: "Plans the lifecycle workers share") var plans: Int = 1
    @Option(help: "Tasks in the drained plan") var tasks: Int = 10_000

    func validate() throws {
        guard LoadScenario.named(scenario) != nil else { throw ValidationError("--scenario must be smoke, normal, peak or endurance") }
        guard Mix(rawValue: mix) != nil else { throw ValidationError("--mix must be full, crud or liveness") }
        if let users, users < 1 { throw ValidationError("--users must be at least 1") }
        if let spawnRate, spawnRate <= 0 { throw ValidationError("--spawn-rate must be above 0") }
        if let duration, (DurationText.seconds(duration) ?? 0) <= 0 { throw ValidationError("--duration must be a duration such as 30s, 5m or 1h") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be above 0") }
        _ = try thinkRange()
        guard (0...100).contains(maxErrorRate) else { throw ValidationError("--max-error-rate is a percentage, 0–100") }
        guard DurationText.seconds(maxP95) != nil else { throw ValidationError("--max-p95 must be a latency such as 500ms or 0.5s") }
        if let maxP99, DurationText.seconds(maxP99) == nil { throw ValidationError("--max-p99 must be a latency such as 1s") }
        if let queue, queue != "lifecycle" && queue != "drain" { throw ValidationError("--queue must be lifecycle or drain") }
        guard (1...10_000).contains(plans) else { throw ValidationError("--plans must be 1–10000") }
        guard (1...1_000_000).contains(tasks) else { throw ValidationError("--tasks must be 1–1000000") }
        if !embedded && apiKey == nil { throw ValidationError("--api-key (or AGENTIC_API_KEY) is required unless --embedded") }
    }

    func thinkRange() throws -> ClosedRange<Double> {
        let parts = think.split(separator: "-", maxSplits: 1).map(String.init)
        guard let low = parts.first.flatMap(DurationText.seconds) else { throw ValidationError("--think must look like 0.5s-1.5s or 0") }
        let high = parts.count > 1 ? DurationText.seconds(parts[1]) : low
        guard let high, high >= low else { throw ValidationError("--think must look like 0.5s-1.5s (MIN ≤ MAX)") }
        return low...high
    }

    func loadConfiguration(url: String, apiKey: String) throws -> LoadConfiguration {
        var configuration = LoadConfiguration(
            url: url, apiKey: apiKey, scenario: LoadScenario.named(scenario)!, users: users, spawnRate: spawnRate,
            durationSeconds: duration.flatMap(DurationText.seconds), rate: rate, thinkTime: try thinkRange(),
            thresholds: Thresholds(
                maxErrorRate: maxErrorRate / 100, maxP95Milliseconds: DurationText.seconds(maxP95).map { $0 * 1000 },
                maxP99Milliseconds: maxP99.flatMap(DurationText.seconds).map { $0 * 1000 }))
        configuration.mix = Mix(rawValue: mix)!
        return configuration
    }

    func run() async throws {
        if let queue {
            let configuration = try loadConfiguration(url: url, apiKey: apiKey ?? "")
            let shape: QueueBench.Shape = queue == "drain" ? .drain(tasks: tasks) : .lifecycle(plans: plans)
            let bench = QueueBench(url: url, apiKey: apiKey!, workers: configuration.users, durationSeconds: configuration.durationSeconds, shape: shape)
            let report = try await bench.run { FileHandle.standardOutput.write(Data("\(queue): the workers start\n".utf8)) }
            if let json { try report.json.write(toFile: json, atomically: true, encoding: .utf8) }
            print(report.json)
            if !report.errors.isEmpty { throw ExitCode(1) }
            return
        }
        let passed: Bool
        if embedded {
            passed = try await EmbeddedServer.with { url, key in try await runLoad(try loadConfiguration(url: url, apiKey: key)) }
        } else {
            passed = try await runLoad(try loadConfiguration(url: url, apiKey: apiKey!))
        }
        if !passed { throw ExitCode(1) }
    }

    /// Runs, prints and writes the reports; true when every threshold held.
    func runLoad(_ configuration: LoadConfiguration) async throws -> Bool {
        let model = configuration.rate.map { String(format: "open model at %.0f ops/s", $0) } ?? "closed model"
        print("agentic loadtest: \(configuration.scenario.name), \(configuration.users) users, \(model), "
              + String(format: "%.0f s against %@", configuration.durationSeconds, configuration.url))
        let progress = ProgressLine()
        let summary = await LoadRunner(configuration: configuration).run { sample, configuration in progress.show(sample, configuration) }
        progress.finish()
        let breaches = configuration.thresholds.breaches(of: summary)
        print(TableReport.render(summary, breaches: breaches))
        if let csv {
            try CSVReport.write(summary, prefix: csv)
            print("wrote \(csv)_stats.csv, \(csv)_failures.csv, \(csv)_stats_history.csv")
        }
        if let json {
            try JSONReport.render(summary, breaches: breaches).write(toFile: json, atomically: true, encoding: .utf8)
            print("wrote \(json)")
        }
        if let html {
            try HTMLReport.render(summary, breaches: breaches).write(toFile: html, atomically: true, encoding: .utf8)
            print("wrote \(html)")
        }
        return breaches.isEmpty
    }
}

/// A server in this process on a temporary SQLite database, for `loadtest --embedded`.
enum EmbeddedServer {
    static func with<T: Sendable>(_ body: @Sendable (_ url: String, _ key: String) async throws -> T) async throws -> T {
        let folder = NSTemporaryDirectory() + "agentic-loadtest-" + UUID().uuidString.prefix(8).lowercased()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var logger = Logger(label: "agentic.embedded")
        logger.logLevel = .warning
        let store = try await SQLiteStore.open(path: folder + "/agentic.sqlite", logger: logger)
        try await store.migrate()
        let secret = KeyMaker.newSecret()
        // The load is the point: this key is not held back by the default rate limit.
        try await store.createKey(KeyMaker.record(
            secret: secret, name: "loadtest", scope: .admin, tenant: ApiKey.defaultTenant,
            rateLimit: RateLimit(requestsPerSecond: 1_000_000, burst: 1_000_000)))
        var configuration = ServerConfiguration()
        configuration.port = 0
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(store: store, configuration: configuration, logger: logger, onListening: { port in
            portContinuation.yield(port)
            portContinuation.finish()
        })
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let server = Task { try await group.run() }
        do {
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw ValidationError("the embedded server did not start") }
            print("embedded server on http://127.0.0.1:\(port) with a temporary SQLite database")
            let result = try await body("http://127.0.0.1:\(port)", secret)
            await group.triggerGracefulShutdown()
            try await server.value
            await store.close()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await server.value
            await store.close()
            throw error
        }
    }
}
