import ArgumentParser

/// `agentic`: the server, its admin tool, a client and a load tester in one binary.
@main
struct Agentic: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agentic",
        abstract: "Control plane and system of record for AI-agent platforms.",
        subcommands: [ServeCommand.self, MigrateCommand.self, KeysCommand.self, ExportCommand.self, ImportCommand.self])
}
