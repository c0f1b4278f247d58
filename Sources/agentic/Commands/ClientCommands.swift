import AgenticClient
import AgenticCore
import ArgumentParser
import Foundation

/// Where a client command sends its requests.
struct ClientOptions: ParsableArguments {
    @Option(help: "Server address (env AGENTIC_URL)") var url: String = Env.string("AGENTIC_URL", default: "http://127.0.0.1:8080")
    @Option(help: "API key (env AGENTIC_API_KEY)") var apiKey: String? = Env.string("AGENTIC_API_KEY")

    func validate() throws {
        guard apiKey != nil else { throw ValidationError("--api-key (or AGENTIC_API_KEY) is required") }
    }

    var client: AgenticClient { AgenticClient(url: url, apiKey: apiKey ?? "") }
}

/// Runs a client call: prints what it answers as JSON, or the problem on stderr (exit status 1).
func runClient(_ body: () async throws -> String) async throws {
    do {
        print(try await body())
    } catch let problem as AgenticProblem {
        FileHandle.standardError.write(Data("error: \(problem)\n".utf8))
        throw ExitCode(1)
    }
}

func parseObject(_ text: String, option: String) throws -> JSONObject {
    guard case .object(let object) = try? JSONParser.parse(Array(text.utf8)) else {
        throw ValidationError("\(option) must be a JSON object, e.g. '{\"name\": \"x\"}'")
    }
    return object
}

func parseID(_ text: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw ValidationError("\(text) is not a UUID") }
    return id
}

func render(_ items: [some JSONWritable]) -> String {
    "[" + items.map(\.jsonString).joined(separator: ",\n") + "]"
}

/// `agentic agents|goals|plans|tasks list|get|create|update|delete[|cancel]`, one definition for all four.
protocol ResourceCommandFamily {
    associatedtype Resource: ClientResource & JSONWritable
}

struct ResourceCommands<Resource: ClientResource & JSONWritable>: Sendable {
    struct List: AsyncParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: "List, newest first (one page).") }
        @OptionGroup var options: ClientOptions
        @Option(help: "Page size, 1–200") var limit: Int?
        @Option(help: "Cursor from the previous page") var cursor: String?
        @Option(parsing: .upToNextOption, help: "Filters as NAME=VALUE (status=active, plan_id=…)") var filter: [String] = []

        func run() async throws {
            var filters: [String: String] = [:]
            for item in filter {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--filter takes NAME=VALUE") }
                filters[parts[0]] = parts[1]
            }
            let listOptions = ListOptions(limit: limit, cursor: cursor, filters: filters)
            try await runClient {
                let page = try await options.client.list(Resource.self, listOptions)
                return "{\"data\": \(render(page.items)), \"next_cursor\": \(page.nextCursor.map { "\"\($0)\"" } ?? "null")}"
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: "Show one by id.") }
        @OptionGroup var options: ClientOptions
        @Argument var id: String
        func run() async throws {
            let id = try parseID(id)
            try await runClient { try await options.client.get(Resource.self, id).jsonString }
        }
    }

    struct Create: AsyncParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: "Create from a JSON object of its fields.") }
        @OptionGroup var options: ClientOptions
        @Option(help: "The fields as a JSON object") var data: String
        @Option(help: "Idempotency-Key: a retry with the same key is answered once") var idempotencyKey: String?
        func run() async throws {
            let fields = try parseObject(data, option: "--data")
            try await runClient { try await options.client.create(Resource.self, fields, idempotencyKey: idempotencyKey).jsonString }
        }
    }

    struct Update: AsyncParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: "Change the fields named in a JSON object.") }
        @OptionGroup var options: ClientOptions
        @Argument var id: String
        @Option(help: "The fields to change as a JSON object") var data: String
        @Option(help: "Only if the version is still this (If-Match)") var ifMatch: Int64?
        func run() async throws {
            let id = try parseID(id)
            let fields = try parseObject(data, option: "--data")
            try await runClient { try await options.client.update(Resource.self, id, fields, ifMatch: ifMatch).jsonString }
        }
    }

    struct Delete: AsyncParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: "Delete by id.") }
        @OptionGroup var options: ClientOptions
        @Argument var id: String
        func run() async throws {
            let id = try parseID(id)
            try await runClient {
                try await options.client.delete(Resource.self, id)
                return "{\"deleted\": \"\(id.lowercased)\"}"
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: "Cancel it and everything below it.") }
        @OptionGroup var options: ClientOptions
        @Argument var id: String
        func run() async throws {
            let id = try parseID(id)
            try await runClient { try await options.client.cancel(Resource.self, id).jsonString }
        }
    }
}

struct AgentsCommand: AsyncParsableCommand {
    typealias C = ResourceCommands<Agent>
    static let configuration = CommandConfiguration(
        commandName: "agents", abstract: "Agents, through the API (--url, --api-key).",
        subcommands: [C.List.self, C.Get.self, C.Create.self, C.Update.self, C.Delete.self])
}

struct GoalsCommand: AsyncParsableCommand {
    typealias C = ResourceCommands<Goal>
    static let configuration = CommandConfiguration(
        commandName: "goals", abstract: "Goals, through the API (--url, --api-key).",
        subcommands: [C.List.self, C.Get.self, C.Create.self, C.Update.self, C.Delete.self, C.Cancel.self])
}

struct PlansCommand: AsyncParsableCommand {
    typealias C = ResourceCommands<Plan>
    static let configuration = CommandConfiguration(
        commandName: "plans", abstract: "Plans, through the API (--url, --api-key).",
        subcommands: [C.List.self, C.Get.self, C.Create.self, C.Update.self, C.Delete.self, C.Cancel.self])
}

struct TasksCommand: AsyncParsableCommand {
    typealias C = ResourceCommands<PlanTask>
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "Tasks and the work queue, through the API (--url, --api-key).",
        subcommands: [C.List.self, C.Get.self, C.Create.self, C.Update.self, C.Delete.self, C.Cancel.self,
                      Claim.self, Heartbeat.self, Complete.self, Fail.self])

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Claim ready tasks for an agent (prints [] when none is ready).")
        @OptionGroup var options: ClientOptions
        @Option(help: "The worker agent's id") var agent: String
        @Option(help: "Only these task types (comma list)") var taskTypes: String?
        @Option(help: "Only from this plan") var plan: String?
        @Option(help: "Lease length in seconds, 1–3600") var leaseSeconds: Int = 60
        @Option(help: "How many, 1–100") var limit: Int = 1
        func run() async throws {
            let agent = try parseID(agent)
            let plan = try plan.map(parseID)
            let types = taskTypes.map { $0.split(separator: ",").map(String.init) }
            try await runClient {
                render(try await options.client.claim(agent: agent, taskTypes: types, plan: plan, leaseSeconds: leaseSeconds, limit: limit))
            }
        }
    }

    struct Heartbeat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extend the lease on a task.")
        @OptionGroup var options: ClientOptions
        @Argument var id: String
        @Option(help: "The worker agent's id") var agent: String
        @Option(help: "New lease length from now, in seconds") var leaseSeconds: Int?
        func run() async throws {
            let (id, agent) = (try parseID(id), try parseID(agent))
            try await runClient { try await options.client.heartbeat(task: id, agent: agent, leaseSeconds: leaseSeconds).jsonString }
        }
    }

    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Complete a task you hold, with its outputs.")
        @OptionGroup var options: ClientOptions
        @Argument var id: String
        @Option(help: "The worker agent's id") var agent: String
        @Option(help: "Outputs as a JSON object") var outputs: String = "{}"
        func run() async throws {
            let (id, agent) = (try parseID(id), try parseID(agent))
            let outputs = try parseObject(outputs, option: "--outputs")
            try await runClient { try await options.client.complete(task: id, agent: agent, outputs: outputs).jsonString }
        }
    }

    struct Fail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report a failed attempt at a task you hold.")
        @OptionGroup var options: ClientOptions
        @Argument var id: String
        @Option(help: "The worker agent's id") var agent: String
        @Option(help: "What went wrong, as a JSON object") var error: String = "{}"
        @Flag(help: "Do not retry, even with attempts left") var final = false
        func run() async throws {
            let (id, agent) = (try parseID(id), try parseID(agent))
            let error = try parseObject(error, option: "--error")
            try await runClient { try await options.client.fail(task: id, agent: agent, error: error, retryable: !final).jsonString }
        }
    }
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Read the event log, through the API (--url, --api-key).")
    @OptionGroup var options: ClientOptions
    @Option(help: "Only events after this id") var after: Int64 = 0
    @Option(help: "Types or prefixes ending in '.', comma list (task.,plan.completed)") var types: String?
    @Option(help: "At most this many, 1–1000") var limit: Int = 100
    @Option(help: "Long-poll up to this many seconds (≤ 30)") var wait: Int = 0
    func run() async throws {
        let types = types.map { $0.split(separator: ",").map(String.init) } ?? []
        try await runClient {
            let page = try await options.client.events(after: after, types: types, limit: limit, wait: wait)
            return "{\"data\": \(render(page.events)), \"next_after\": \(page.nextAfter)}"
        }
    }
}
