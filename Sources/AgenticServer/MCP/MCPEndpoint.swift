import AgenticCore
import AgenticStore
import Foundation
import HTTPTypes
import Hummingbird
import MCP

/// `POST /mcp`: the Model Context Protocol over Streamable HTTP, stateless.
///
/// Each request gets its own SDK `Server` on its own `StatelessHTTPServerTransport`, built around
/// the request's authenticated key and thrown away when it has answered: no session lives in this
/// instance, so any instance behind a balancer answers any request, and JSON-RPC ids of different
/// clients never meet in one transport. The route itself needs a `read` key (it lists tools and
/// reads resources); each tool needs its own declared scope on top (see `MCPToolbox`).
struct MCPEndpoint: Sendable {
    let store: any Store

    static let path = "/mcp"

    func register(_ routes: RouteRegistrar) {
        routes.read.post(Self.path) { request, context in
            try await handle(request, context: context)
        }
    }

    func handle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let call = MCPCall(store: store, principal: try context.principal)
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        var data = Data(body.readableBytesView)
        if let refusal = Self.refuseUnroutable(&data) { return Self.response(refusal) }

        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        // No `Accept`, or a wildcard, accepts JSON (RFC 9110 §12.5.1); the SDK asks for it by name.
        let accept = request.headers[.accept] ?? ""
        if accept.isEmpty || accept.contains("*/*") || accept.contains("application/*") {
            headers["accept"] = "application/json"
        }
        // Not the SDK's default pipeline: its origin check allows only localhost hosts, and every
        // request here already carries a key that a page from elsewhere cannot have.
        let transport = StatelessHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: [
                AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
            ]))
        let server = await Self.server(for: call)
        // The work runs in the SDK server's own tasks; an `Idempotency-Key` on the HTTP request
        // replays the whole response instead of being recorded inside a tool's transaction.
        return try await IdempotencyClaim.$current.withValue(nil) {
            try await server.start(transport: transport)
            let answer = await transport.handleRequest(MCP.HTTPRequest(method: "POST", headers: headers, body: data, path: Self.path))
            await server.stop()
            return Self.response(answer)
        }
    }

    /// Refuses, as an invalid request, a message that is not a JSON-RPC 2.0 message the SDK can
    /// route back: an `id` that is not a string or an integer (a fraction, `null`, a bool) would
    /// never be matched to its answer and leave the request waiting; a `jsonrpc` other than "2.0",
    /// a `method` that is not a string or `params` that are neither object nor array would be
    /// accepted as a notification. Text that is not JSON, and batches, the transport refuses itself.
    /// An integer id written as a fraction (`7.0`) is rewritten as the integer (`7`) it is.
    static func refuseUnroutable(_ data: inout Data) -> MCP.HTTPResponse? {
        guard case .object(var message)? = try? JSONParser.parse(Array(data)) else { return nil }
        func refuse(_ why: String) -> MCP.HTTPResponse { .error(statusCode: 400, .invalidRequest(why)) }
        guard message[JSONKey("jsonrpc")] == .string("2.0") else { return refuse("`jsonrpc` must be \"2.0\"") }
        // Integers are JSON's safe ones (±(2^53 − 1)), as the OpenAPI document says: what every
        // client, JavaScript's too, gets back exactly.
        let safe = 9_007_199_254_740_991.0
        switch message[JSONKey("id")] {
        case nil, .string?: break
        case .int(let number)? where abs(Double(number)) <= safe: break
        case .double(let number)? where number.rounded() == number && abs(number) <= safe:
            message[JSONKey("id")] = .int(Int64(number))
            data = Data(JSONValue.object(message).description.utf8)
        default: return refuse("A request's `id` must be a string or an integer of at most 2^53 − 1 either way")
        }
        switch message[JSONKey("method")] {
        case .string?: break
        case nil where message[JSONKey("result")] != nil || message[JSONKey("error")] != nil: break
        default: return refuse("A request or notification's `method` must be a string")
        }
        switch message[JSONKey("params")] {
        case nil, .object?, .array?: break
        default: return refuse("`params` must be an object or an array")
        }
        return nil
    }

    static func response(_ answer: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        let bytes = answer.bodyData ?? Data()
        if !bytes.isEmpty, fields[.contentType] == nil { fields[.contentType] = "application/json" }
        return Response(
            status: .init(code: answer.statusCode), headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A server that knows the caller: tools, their scopes, and the resources.
    static func server(for call: MCPCall) async -> MCP.Server {
        let server = MCP.Server(
            name: "agentic", version: "1",
            instructions: """
                Agentic is the control plane for AI agents: register as an agent, create a goal with a plan of tasks, \
                claim tasks, report progress, complete or fail them, and wait for events.
                """,
            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: MCPToolbox.tools.map(\.listed))
        }
        await server.withMethodHandler(CallTool.self) { params in
            guard let tool = MCPToolbox.tool(named: params.name) else {
                throw MCPError.invalidParams("No tool is named \(params.name); see tools/list")
            }
            return await run(tool, params.arguments, call)
        }
        await server.withMethodHandler(ListResources.self) { _ in
            try Self.checked(MCPResources.scope, call)
            return ListResources.Result(resources: try await MCPResources.list(call))
        }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            ListResourceTemplates.Result(templates: MCPResources.templates)
        }
        await server.withMethodHandler(ReadResource.self) { params in
            try Self.checked(MCPResources.scope, call)
            do {
                let bytes = try await MCPResources.read(params.uri, call)
                return ReadResource.Result(contents: [.text(String(decoding: bytes, as: UTF8.self), uri: params.uri, mimeType: "application/json")])
            } catch let error as AgenticError where error.status == 404 {
                // MCP's own code for a missing resource.
                throw MCPError.serverError(code: -32002, message: error.detail)
            }
        }
        return server
    }

    /// Runs a tool for the caller: refused unless the key has the tool's scope, as a route would be.
    /// What the store refuses becomes an error result the agent can read (`isError`), the problem's
    /// `code`, `status`, `detail` and `errors` in it.
    static func run(_ tool: MCPTool, _ arguments: [String: Value]?, _ call: MCPCall) async -> CallTool.Result {
        do {
            try checked(tool.scope, call, what: "tool")
            let output = try await tool.run(try MCPJSON.json(arguments), call)
            let structured: Value? = try MCPJSON.value(output)
            return CallTool.Result(
                content: [.text(text: String(decoding: output, as: UTF8.self), annotations: nil, _meta: nil)],
                structuredContent: structured)
        } catch {
            let problem =
                error as? AgenticError
                ?? AgenticError(code: .internalError, status: 500, detail: "The tool failed: \(error)")
            let bytes = MCPJSON.problem(problem)
            let structured: Value? = try? MCPJSON.value(bytes)
            return CallTool.Result(
                content: [.text(text: String(decoding: bytes, as: UTF8.self), annotations: nil, _meta: nil)],
                structuredContent: structured, isError: true)
        }
    }

    /// The same refusal (and words) as a route's: 403 naming the scope needed.
    static func checked(_ scope: Scope, _ call: MCPCall, what: String = "request") throws(AgenticError) {
        guard call.principal.scope.allows(scope) else {
            throw AgenticError(
                code: .forbidden, status: 403,
                detail: "This key has scope `\(call.principal.scope.rawValue)`; this \(what) needs `\(scope.rawValue)`")
        }
    }
}
