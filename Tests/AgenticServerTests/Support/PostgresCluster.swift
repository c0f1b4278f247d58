import Foundation

/// A PostgreSQL cluster of a test's own, for tests that stop and start the database (never the
/// shared one other tests use). Driven through `scripts/pg-cluster`.
final class PostgresCluster: Sendable {
    let directory: String
    let url: String

    private init(directory: String, url: String) {
        self.directory = directory
        self.url = url
    }

    static var script: String {
        ProcessInfo.processInfo.environment["AGENTIC_PG_CLUSTER_SCRIPT"] ?? TestFiles.packageRoot + "/scripts/pg-cluster"
    }

    static func create() async throws -> PostgresCluster {
        let directory = NSTemporaryDirectory() + "agentic-cluster-" + UUID().uuidString.prefix(8).lowercased()
        let port = try await run(["free-port"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let url = try await run(["init", directory, port]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard url.hasPrefix("postgres://") else { throw TestFailure("pg-cluster init printed \(url)") }
        return PostgresCluster(directory: directory, url: url)
    }

    func stop() async throws { _ = try await Self.run(["stop", directory]) }
    func start() async throws { _ = try await Self.run(["start", directory]) }
    func destroy() async { _ = try? await Self.run(["destroy", directory]) }

    @discardableResult
    static func run(_ arguments: [String]) async throws -> String {
        // Output goes to a file, not a pipe: the server pg_ctl starts outlives the script and would keep
        // a pipe open forever.
        let (status, output) = try await runCommand("/bin/bash", [script] + arguments, timeout: .seconds(90))
        guard status == 0 else { throw TestFailure("pg-cluster \(arguments.joined(separator: " ")) failed: \(output)") }
        return output
    }
}
