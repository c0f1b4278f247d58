import AgenticStore
import Foundation
import Logging
import PostgresNIO

/// Fresh databases in the test cluster, for tests that need an empty one (import, migrations).
enum TestPostgres {
    /// A new empty database in the cluster of `url` (the shared test cluster unless given).
    static func freshDatabaseURL(in given: String? = nil) async throws -> String {
        guard let url = given ?? Backend.postgresURL else { throw TestFailure("AGENTIC_TEST_POSTGRES_URL is not set") }
        let settings = try PostgresSettings(url: url)
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: settings.host, port: settings.port, username: settings.username,
                                 password: settings.password, database: settings.database, tls: .disable),
            id: 1, logger: Logger(label: "test"))
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test"))
        try await connection.close()
        return "postgres://\(settings.username)@\(settings.host):\(settings.port)/\(name)?sslmode=disable"
    }
}
