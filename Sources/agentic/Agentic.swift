import ArgumentParser
import Foundation

/// `agentic`: the server, its admin tool, a client and a load tester in one binary.
@main
struct Agentic: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agentic",
        abstract: "Control plane and system of record for AI-agent platforms.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, KeysCommand.self, ExportCommand.self, ImportCommand.self,
            AgentsCommand.self, GoalsCommand.self, PlansCommand.self, TasksCommand.self, EventsCommand.self,
            LoadtestCommand.self, MCPCommand.self,
        ])

    /// As ArgumentParser's, except that a usage error exits with status 2 (its default is 64), so
    /// scripts can tell "you called it wrong" (2) from "it ran and failed" (1).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
