import AgenticStore
import Foundation
import Logging
import PostgresNIO

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

    /// A new cluster on a free port. A port found free can be taken before the server binds it (the
    /// servers the tests start listen on ports the system picks from the same range), so a start
    /// that fails is tried again on another port, twice.
    static func create() async throws -> PostgresCluster {
        var attempt = 0
        while true {
            attempt += 1
            let directory = NSTemporaryDirectory() + "agentic-cluster-" + UUID().uuidString.prefix(8).lowercased()
            let port = try await run(["free-port"]).trimmingCharacters(in: .whitespacesAndNewlines)
            do {
                let url = try await run(["init", directory, port]).trimmingCharacters(in: .whitespacesAndNewlines)
                guard url.hasPrefix("postgres://") else { throw TestFailure("pg-cluster init printed \(url)") }
                return PostgresCluster(directory: directory, url: url)
            } catch where attempt < 3 {
                _ = try? await run(["destroy", directory])
            }
        }
    }

    /// A new empty database in this cluster.
    func freshDatabaseURL() async throws -> String {
        try await TestPostgres.freshDatabaseURL(in: url)
    }

    /// A hot standby of this cluster (streaming from it), started on a port of its own.
    func standby() async throws -> PostgresCluster {
        let directory = NSTemporaryDirectory() + "agentic-cluster-" + UUID().uuidString.prefix(8).lowercased()
        let port = try await Self.run(["free-port"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let url: String
        do {
            url = try await Self.run(["standby", directory, port, self.directory]).trimmingCharacters(in: .whitespacesAndNewlines)
            guard url.hasPrefix("postgres://") else { throw TestFailure("pg-cluster standby printed \(url)") }
        } catch {
            _ = try? await Self.run(["destroy", directory])
            throw error
        }
        return PostgresCluster(directory: directory, url: url)
    }

    /// `host:port` of the cluster, for a multi-host URL.
    var hostAndPort: String {
        let afterAt = url.split(separator: "@", maxSplits: 1).last ?? ""
        return String(afterAt.prefix { $0 != "/" })
    }

    /// Runs statements on the cluster's `agentic` database over a connection of their own.
    func execute(_ statements: String...) async throws {
        let settings = try PostgresSettings(url: url)
        let logger = Logger(label: "test")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: settings.host, port: settings.port, username: settings.username, password: nil,
                                 database: settings.database, tls: .disable),
            id: 1, logger: logger)
        do {
            for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// The single integer a query answers (`SELECT count(*) …`).
    func count(_ query: String) async throws -> Int {
        let settings = try PostgresSettings(url: url)
        let logger = Logger(label: "test")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: settings.host, port: settings.port, username: settings.username, password: nil,
                                 database: settings.database, tls: .disable),
            id: 1, logger: logger)
        let result: Result<Int, any Error>
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: query), logger: logger).collect()
            result = .success(Int(try rows.first?.decode(Int64.self) ?? 0))
        } catch {
            result = .failure(error)
        }
        try? await connection.close()
        return try result.get()
    }

    func promote() async throws { _ = try await Self.run(["promote", directory]) }
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
