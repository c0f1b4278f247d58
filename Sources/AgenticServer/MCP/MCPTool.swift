import AgenticCore
import AgenticStore
import Foundation
import MCP

/// What a tool or resource works with: the store the HTTP routes use and the authenticated key of
/// the `/mcp` request that called it.
struct MCPCall: Sendable {
    let store: any Store
    let principal: Principal

    var caller: Caller { principal.caller }
    var tenant: String { principal.tenant }
}

/// One MCP tool. Like a route, it declares the scope it needs where it is registered; the endpoint
/// refuses a key without it before `run` is called, so a tool never re-derives who may call it.
public struct MCPTool: Sendable {
    public let name: String
    public let scope: Scope
    let description: String
    /// The JSON Schema of the arguments (an object).
    let inputSchema: Value
    /// Runs the tool with its arguments (a JSON object) and answers a JSON object.
    let run: @Sendable (JSONValue, MCPCall) async throws -> [UInt8]

    init(
        _ name: String, scope: Scope, _ description: String, schema: Value,
        run: @escaping @Sendable (JSONValue, MCPCall) async throws -> [UInt8]
    ) {
        self.name = name
        self.scope = scope
        self.description = description
        self.inputSchema = schema
        self.run = run
    }

    /// The tool as `tools/list` shows it: its scope is part of the description, so an agent knows
    /// before calling what its key must allow.
    var listed: Tool {
        Tool(
            name: name, description: "\(description) Needs a `\(scope.rawValue)` key.", inputSchema: inputSchema,
            annotations: .init(readOnlyHint: scope == .read))
    }
}

/// JSON Schema shorthands for the tools' arguments.
enum Schema {
    static func object(_ properties: [String: Value], required: [String] = []) -> Value {
        .object(["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })])
    }
    static func string(_ description: String) -> Value { .object(["type": "string", "description": .string(description)]) }
    static func uuid(_ description: String) -> Value {
        .object(["type": "string", "format": "uuid", "description": .string(description)])
    }
    static func integer(_ description: String) -> Value { .object(["type": "integer", "description": .string(description)]) }
    static func boolean(_ description: String) -> Value { .object(["type": "boolean", "description": .string(description)]) }
    static func anyObject(_ description: String) -> Value { .object(["type": "object", "description": .string(description)]) }
    static func array(_ items: Value, _ description: String) -> Value {
        .object(["type": "array", "items": items, "description": .string(description)])
    }
}

/// Converting between the SDK's `Value` and Agentic's strict `JSONValue` through JSON text, so the
/// tools read their arguments with the same readers (and the same limits) as the HTTP bodies.
enum MCPJSON {
    static func json(_ arguments: [String: Value]?) throws -> JSONValue {
        let bytes = try JSONEncoder().encode(arguments ?? [:])
        do {
            return try JSONParser.parse(Array(bytes))
        } catch {
            throw AgenticError(code: .malformedJSON, status: 400, detail: "The arguments are not valid JSON: \(error)")
        }
    }

    static func value(_ bytes: [UInt8]) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Data(bytes))
    }

    /// The object without `member`, and `member`'s value (a tool's path parameter, like `task_id`).
    static func split(_ arguments: JSONValue, _ member: String) -> (rest: JSONValue, value: JSONValue?) {
        guard case .object(var object) = arguments else { return (arguments, nil) }
        let value = object.removeValue(forKey: JSONKey(member))
        return (.object(object), value)
    }

    /// A tool on one task: its `task_id`, and the other arguments as the route's request body.
    static func task(_ arguments: JSONValue) throws(AgenticError) -> (id: UUID, body: JSONValue) {
        let (body, id) = split(arguments, "task_id")
        return (try uuid(id, "task_id"), body)
    }

    /// A required UUID argument, named when missing or malformed as a request field would be.
    static func uuid(_ value: JSONValue?, _ name: String) throws(AgenticError) -> UUID {
        guard let value, !value.isNull else { throw AgenticError.validation(field: name, "is required") }
        guard let text = value.stringValue, let id = UUID(uuidString: text) else {
            throw AgenticError.validation(field: name, "must be a UUID")
        }
        return id
    }

    /// `{"data": [...]}` for a list of resources, as the HTTP list routes answer.
    static func list(_ items: [some JSONWritable]) -> [UInt8] {
        JSONResponse.listBytes(items)
    }

    /// A completion or failure as its route answers it: the task, or `{task, next}` with `claim_next`.
    static func outcome(_ outcome: TaskOutcome) -> [UInt8] {
        outcome.next == nil ? outcome.task.jsonBytes() : outcome.jsonBytes()
    }

    /// An error as a tool answers it: the fields of the HTTP problem document an agent acts on.
    static func problem(_ error: AgenticError) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        error.writeMembers(to: &w)
        w.endObject()
        return w.bytes
    }
}
