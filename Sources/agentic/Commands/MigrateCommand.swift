import AgenticStore
import ArgumentParser
import Logging

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending database migrations and exit (never drops data).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = Logger(label: "agentic")
        try await database.withStore(logger: logger) { store in
            let readiness = await store.readiness()
            print("\(store.description): schema version \(readiness.schemaVersion.map(String.init) ?? "none") (latest \(readiness.expectedSchemaVersion))")
        }
    }
}
