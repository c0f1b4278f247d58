import AgenticClient
import AgenticCore
import ArgumentParser
import Foundation
import MCP
import NIOHTTP1

/// `agentic mcp --url --api-key`: an MCP server on stdin/stdout for clients that start their
/// servers as processes (desktop assistants, IDEs), backed by a running Agentic.
///
/// It relays every JSON-RPC message to the server's `POST /mcp` with the key, and writes back what
/// that answers: the tools, their scopes and every rule are the server's own, so the two transports
/// cannot drift apart, and nothing is decided here.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Serve the Model Context Protocol over stdio, relayed to a running Agentic's /mcp.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        // `wait_for_events` holds a request up to 30 s.
        let client = AgenticClient(url: options.url, apiKey: options.apiKey ?? "", timeout: .seconds(60))
        let transport = StdioTransport()
        try await transport.connect()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for try await message in await transport.receive() {
                // Each message on its own, so a long wait does not hold up the next call.
                group.addTask {
                    if let reply = await Self.relay(message, client: client) { try? await transport.send(reply) }
                }
            }
            try await group.waitForAll()
        }
        await transport.disconnect()
    }

    /// The server's answer to one message, or nil when none is due (a notification).
    static func relay(_ message: Data, client: AgenticClient) async -> Data? {
        guard let json = try? JSONParser.parse(Array(message)) else {
            return error(id: .null, code: -32700, "Parse error: not JSON")
        }
        let id = json["id"]
        do {
            let response = try await client.send(
                .POST, "/mcp", json: json,
                headers: [("Accept", "application/json, text/event-stream")])
            if response.status == 202 || response.body.isEmpty { return nil }
            // The server's JSON-RPC answer (a result, or an error such as a refused request).
            if let answer = try? response.json(), answer["jsonrpc"] != nil { return Data(response.body) }
            // Refused before MCP ran: a bad key (401), rate limit (429), … as a JSON-RPC error.
            guard let id else { return nil }
            let detail = (try? response.json())?["detail"]?.stringValue ?? "HTTP \(response.status)"
            return error(id: id, code: -32001, "Agentic answered \(response.status): \(detail)")
        } catch {
            guard let id else { return nil }
            return Self.error(id: id, code: -32603, "Agentic at \(client.baseURL) could not be reached: \(error)")
        }
    }

    static func error(id: JSONValue, code: Int64, _ message: String) -> Data {
        let reply: JSONValue = ["jsonrpc": "2.0", "id": id, "error": ["code": .int(code), "message": .string(message)]]
        return Data(reply.description.utf8)
    }
}
