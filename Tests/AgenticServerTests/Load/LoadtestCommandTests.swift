import AgenticCore
import Foundation
import Testing

/// `agentic loadtest` as a user runs it: real processes, real sockets, exit codes, report files.
@Suite("Live: agentic loadtest", .timeLimit(.minutes(5)))
struct LoadtestCommandTests {
    @Test("usage errors exit 2 with a message")
    func usage() async throws {
        for arguments in [["loadtest", "--scenario", "huge", "--embedded"], ["loadtest", "--url", "http://127.0.0.1:1"],
                          ["loadtest", "--embedded", "--duration", "soon"], ["loadtest", "--embedded", "--max-p95", "fast"]] {
            let (status, output) = try await runAgentic(arguments, environment: ["AGENTIC_API_KEY": ""])
            #expect(status == 2, "\(arguments): \(output)")
            #expect(output.contains("Error:"), "\(arguments): \(output)")
        }
    }

    @Test("--embedded runs a one-command demo and writes every report; a breached threshold exits 1")
    func embedded() async throws {
        let folder = TestFiles.temporaryDirectory()
        let (status, output) = try await runAgentic(
            ["loadtest", "--embedded", "--scenario", "smoke", "--duration", "4s", "--users", "3", "--spawn-rate", "10", "--think", "0",
             "--max-p95", "60s", "--csv", folder + "/run", "--json", folder + "/run.json", "--html", folder + "/run.html"], timeout: .seconds(120))
        #expect(status == 0, "\(output)")
        #expect(output.contains("PASS: every threshold held."))
        #expect(output.contains("POST /api/v1/tasks/claim") && output.contains("All "))
        for file in ["run_stats.csv", "run_failures.csv", "run_stats_history.csv", "run.json", "run.html"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(file) was written")
        }
        let json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/run.json"))))
        #expect(json["passed"] == true && (json["total"]?["count"]?.intValue ?? 0) > 0)

        let breached = try await runAgentic(
            ["loadtest", "--embedded", "--duration", "2s", "--users", "2", "--think", "0", "--max-p95", "1us"], timeout: .seconds(120))
        #expect(breached.status == 1, "\(breached.output)")
        #expect(breached.output.contains("FAIL: p95"), "the reason is printed: \(breached.output)")
    }

    @Test("the HTML report renders its charts in headless Chromium")
    func htmlInChromium() async throws {
        let folder = TestFiles.temporaryDirectory()
        let run = try await runAgentic(
            ["loadtest", "--embedded", "--duration", "3s", "--users", "2", "--think", "0", "--max-p95", "60s", "--html", folder + "/report.html"],
            timeout: .seconds(120))
        #expect(run.status == 0, "\(run.output)")
        let chromium = ProcessInfo.processInfo.environment["AGENTIC_CHROMIUM"] ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: chromium) else {
            throw TestFailure("Chromium is needed at \(chromium) (scripts/test installs the Debian package)")
        }
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=\(folder)/profile"]
        let dom = try await runCommand(chromium, flags + ["--dump-dom", "file://\(folder)/report.html"], timeout: .seconds(90))
        #expect(dom.status == 0)
        #expect(dom.output.contains("data-charts-drawn=\"3\""), "the page's script ran and drew three charts")
        for id in ["chart-rps", "chart-latency", "chart-errors"] {
            #expect(dom.output.contains("id=\"\(id)\""), "\(id) is drawn")
        }
        for series in ["requests/s", "p50", "p95", "p99", "failures/s"] {
            #expect(dom.output.contains("data-series=\"\(series)\""), "the \(series) line is drawn")
        }
        let polylines = dom.output.components(separatedBy: "<polyline").dropFirst()
        #expect(polylines.count == 5 && polylines.allSatisfy { $0.contains("points=\"") && $0.contains(",") })
        #expect(dom.output.contains("<table id=\"endpoints\">") && dom.output.contains("POST /api/v1/agents"))

        let shot = try await runCommand(
            chromium, flags + ["--window-size=1200,1400", "--screenshot=\(folder)/report.png", "file://\(folder)/report.html"], timeout: .seconds(90))
        #expect(shot.status == 0)
        let png = try Data(contentsOf: URL(fileURLWithPath: folder + "/report.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000, "a real picture, \(png.count) bytes")
    }

    @Test("a scenario against a live server passes with no failures", arguments: Backend.available)
    func liveServer(backend: Backend) async throws {
        let admin = "loadtest-operator-" + UUID().uuidString
        let database = backend == .postgres ? try #require(Backend.postgresURL) : "sqlite://" + TestFiles.temporaryDirectory() + "/a.sqlite"
        let server = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": admin])
        let created = try await LiveHTTP.call(
            .post, server.baseURL + "/api/v1/keys", key: admin,
            json: ["name": "load", "scope": "write", "tenant": .string(TestApp.newTenant()),
                   "rate_limit": ["requests_per_second": 100000, "burst": 100000]])
        let key = try #require(created["key"]?.stringValue, "\(created.text)")
        let folder = TestFiles.temporaryDirectory()
        let run = try await runAgentic(
            // Correct figures are the point here, not speed (the suite keeps the machine busy).
            ["loadtest", "--scenario", "smoke", "--duration", "5s", "--users", "4", "--spawn-rate", "10", "--think", "0",
             "--max-p95", "60s", "--json", folder + "/run.json"],
            environment: ["AGENTIC_URL": server.baseURL, "AGENTIC_API_KEY": key], timeout: .seconds(120))
        #expect(run.status == 0, "\(run.output)")
        let json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/run.json"))))
        #expect((json["total"]?["count"]?.intValue ?? 0) > 20)
        #expect(json["total"]?["failures"] == 0, "\(json["failures"] ?? .null)")
        try await server.stop()
    }
}
