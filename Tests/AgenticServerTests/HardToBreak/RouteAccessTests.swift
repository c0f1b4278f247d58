import AgenticCore
import AgenticServer
import AgenticStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Authorization follows the route that runs. Every registered route is called through many
/// spellings of its path (`//`, `/./`, `x/../`, percent-encoded letters and slashes, a trailing
/// slash, other case, a `;` parameter) with no key and with every scope; whatever handler answers
/// must have enforced its own declared scope.
@Suite("Hard to break: access follows the route that runs", .timeLimit(.minutes(5)))
struct RouteAccessTests {
    @Test("every route, every spelling of its path, every scope")
    func everyRouteEverySpelling() async throws {
        let store = try await Backend.sqlite.makeStore()
        let tenant = TestApp.newTenant()
        var made: [Scope: String] = [:]
        for scope in Scope.allCases {
            let secret = KeyMaker.newSecret()
            try await store.createKey(KeyMaker.record(secret: secret, name: "walk-\(scope)", scope: scope, tenant: tenant))
            made[scope] = secret
        }
        let keys = made
        let (router, parts) = buildRouter(store: store, configuration: ServerConfiguration())
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestApp.serverLogger)
        let routes = parts.routes.all
        #expect(routes.count > 25, "the walk sees the whole route table")
        #expect(routes.contains { $0.path == "/api/v1/keys" && $0.access == .key(.admin) })

        try await closing(store) { store in
            try await app.test(.live) { client in
                let admin = TestAPI(client: client, key: keys[.admin], store: store, tenant: tenant)
                // Real resources, so a request that wrongly got through would really act.
                let agent = try await admin.id(.agent, ["name": "walker"])
                let goal = try await admin.id(.goal, ["goal_text": "walk"])
                let plan = try await admin.id(.plan, ["goal_id": .string(goal)])
                let task = try await admin.id(.task, ["plan_id": .string(plan)])
                // A key of its own for the revocation route: revoking it harms no other request.
                let throwaway = KeyMaker.record(secret: KeyMaker.newSecret(), name: "throwaway", scope: .read, tenant: tenant)
                try await store.createKey(throwaway)
                let keyID = throwaway.id.lowercased
                let ids = ["agents": agent, "goals": goal, "plans": plan, "tasks": task, "keys": keyID]

                var checked = 0
                for route in routes {
                    let path = Self.concrete(route.path, ids: ids)
                    let methods = route.method == "GET" ? ["GET", "HEAD"] : [route.method]
                    for method in methods {
                        for spelling in Self.spellings(of: path) {
                            for scope in [nil] + Scope.allCases {
                                let matched = Self.matchedRoute(spelling, method: method, in: parts.routes)
                                if matched?.path == "/api/v1/events/stream", case .key(let needed) = matched?.access,
                                    let scope, scope.allows(needed)
                                {
                                    continue  // an authorized stream never ends; its refusals are still checked
                                }
                                let reply = try await TestAPI(client: client, key: scope.flatMap { keys[$0] }, store: store, tenant: tenant)
                                    .call(HTTPRequest.Method(method)!, spelling, json: method == "POST" || method == "PATCH" ? [:] : nil)
                                try Self.judge(reply, method: method, spelling: spelling, scope: scope, routes: parts.routes)
                                checked += 1
                            }
                        }
                    }
                }
                #expect(checked > 2_000)
                // The canonical spellings really reach their handlers with a sufficient key.
                let fresh = try await admin.id(.agent, ["name": "fresh"])  // the walk deleted the first one
                #expect(try await admin.with(key: keys[.read]).get("/api/v1/agents/\(fresh)").status == 200)
                #expect(try await admin.with(key: keys[.write]).post("/api/v1/agents", ["name": "w"]).status == 201)
                #expect(try await admin.get("/api/v1/keys").status == 200)
                // And the original escalation is refused.
                let escalation = try await admin.with(key: keys[.write]).post("/api/v1//keys", ["name": "x", "scope": "admin"])
                #expect(escalation.status == 403)
                let listing = try await admin.with(key: keys[.read]).get("/api/v1//keys?tenant=*")
                #expect(listing.status == 403)
            }
        }
    }

    @Test("every MCP tool and resource read, every scope")
    func everyMCPToolEveryScope() async throws {
        let store = try await Backend.sqlite.makeStore()
        let tenant = TestApp.newTenant()
        var made: [Scope: String] = [:]
        for scope in Scope.allCases {
            let secret = KeyMaker.newSecret()
            try await store.createKey(KeyMaker.record(secret: secret, name: "mcp-\(scope)", scope: scope, tenant: tenant))
            made[scope] = secret
        }
        let keys = made
        let (router, parts) = buildRouter(store: store, configuration: ServerConfiguration())
        #expect(parts.routes.all.contains { $0.path == "/mcp" && $0.method == "POST" && $0.access == .key(.read) })
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestApp.serverLogger)
        let tools = MCPToolbox.tools
        #expect(tools.count >= 9)
        #expect(tools.contains { $0.scope == .read } && tools.contains { $0.scope == .write })

        try await closing(store) { store in
            try await app.test(.live) { client in
                let admin = TestAPI(client: client, key: keys[.admin], store: store, tenant: tenant)
                let agent = try await admin.id(.agent, ["name": "mcp-walker"])
                let goal = try await admin.id(.goal, ["goal_text": "walk"])
                let plan = try await admin.id(.plan, ["goal_id": .string(goal)])
                let task = try await admin.id(.task, ["plan_id": .string(plan)])
                // Arguments that name real resources, so a call that wrongly got through would act.
                let arguments: JSONValue = [
                    "agent_id": .string(agent), "plan_id": .string(plan), "task_id": .string(task), "name": "x", "goal_text": "x",
                    "wait_seconds": 0,
                ]
                func rpc(_ method: String, _ params: JSONValue, key: String?) async throws -> Reply {
                    try await admin.with(key: key).post(
                        "/mcp", ["jsonrpc": "2.0", "id": 1, "method": .string(method), "params": params],
                        headers: [.accept: "application/json, text/event-stream"])
                }
                var checked = 0
                for tool in tools {
                    for scope in [nil] + Scope.allCases {
                        let reply = try await rpc("tools/call", ["name": .string(tool.name), "arguments": arguments], key: scope.flatMap { keys[$0] })
                        let context = "\(tool.name) with \(scope.map(\.rawValue) ?? "no key") → \(reply.status) \(reply.text.prefix(200))"
                        guard let scope else {
                            #expect(reply.status == 401, "\(context)")
                            continue
                        }
                        #expect(reply.status == 200, "\(context)")
                        let result = reply.json["result"]
                        let code = result?["structuredContent"]?["code"]?.stringValue
                        if scope.allows(tool.scope) {
                            #expect(code != "forbidden" && code != "unauthorized", "\(context)")
                        } else {
                            #expect(result?["isError"] == .bool(true) && code == "forbidden", "\(context)")
                            let detail = result?["structuredContent"]?["detail"]?.stringValue ?? ""
                            #expect(detail.hasSuffix("needs `\(tool.scope.rawValue)`"), "\(context)")
                        }
                        checked += 1
                    }
                }
                #expect(checked == tools.count * Scope.allCases.count)
                // Listing tools and reading a resource: any key, none without one.
                for scope in [nil] + Scope.allCases {
                    let key = scope.flatMap { keys[$0] }
                    let listing = try await rpc("tools/list", [:], key: key)
                    let read = try await rpc("resources/read", ["uri": .string("agentic://plans/\(plan)")], key: key)
                    if scope == nil {
                        #expect(listing.status == 401 && read.status == 401)
                    } else {
                        #expect(listing.json["result"]?["tools"]?.arrayValue?.count == tools.count, "\(listing.text.prefix(200))")
                        #expect(read.json["result"]?["contents"]?.arrayValue?.count == 1, "\(read.text.prefix(200))")
                    }
                }
            }
        }
    }

    /// The route the router would run for a spelling, found the way the router finds it (empty
    /// segments dropped, a constant segment winning over a parameter), or nil.
    static func matchedRoute(_ spelling: String, method: String, in routes: RouteBook) -> RouteBook.Entry? {
        let path = String(spelling.split(separator: "?", maxSplits: 1).first ?? "")
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let wanted = method == "HEAD" ? "GET" : method
        var best: (constants: Int, entry: RouteBook.Entry)?
        for entry in routes.all where entry.method == wanted {
            let template = entry.path.split(separator: "/", omittingEmptySubsequences: true)
            guard template.count == segments.count, zip(template, segments).allSatisfy({ $0.hasPrefix(":") || $0 == $1 }) else {
                continue
            }
            let constants = template.filter { !$0.hasPrefix(":") }.count
            if best == nil || constants > best!.constants { best = (constants, entry) }
        }
        return best?.entry
    }

    /// The answer to one spelling with one key must be one a correct gateway gives.
    static func judge(_ reply: Reply, method: String, spelling: String, scope: Scope?, routes: RouteBook) throws {
        let context = "\(method) \(spelling) with \(scope.map(\.rawValue) ?? "no key") → \(reply.status) \(reply.text.prefix(160))"
        #expect(reply.status < 500, "\(context)")
        guard let route = matchedRoute(spelling, method: method, in: routes) else {
            // No handler runs: an unknown path, or a known path with another method.
            #expect([404, 405].contains(reply.status), "\(context)")
            return
        }
        switch route.access {
        case .open:
            #expect(reply.status != 401 && reply.status != 403, "\(context)")
        case .key(let needed):
            guard let scope else {
                #expect(reply.status == 401, "\(context)")
                return
            }
            if scope.allows(needed) {
                #expect(reply.status != 401 && reply.status != 403, "\(context)")
            } else {
                // The handler that runs needs more: refused before it runs, naming its own scope.
                #expect(reply.status == 403, "\(context)")
                if method != "HEAD" {
                    #expect(reply.json["detail"]?.stringValue?.hasSuffix("needs `\(needed.rawValue)`") == true, "\(context)")
                }
            }
        }
    }

    /// The path with its parameters filled from real ids (the segment before each names the kind).
    static func concrete(_ template: String, ids: [String: String]) -> String {
        var segments: [String] = []
        for part in template.split(separator: "/") {
            if part.hasPrefix(":") {
                segments.append(ids[segments.last ?? ""] ?? UUID().lowercased)
            } else {
                segments.append(String(part))
            }
        }
        return "/" + segments.joined(separator: "/")
    }

    /// Ways an attacker might spell the same path.
    static func spellings(of path: String) -> [String] {
        let segments = path.split(separator: "/").map(String.init)
        var result: Set<String> = [path, path + "/", "/" + path, path.uppercased(), path + ";x=1", path + "?unused=1"]
        for index in segments.indices {
            var doubled = segments
            doubled[index] = "/" + doubled[index]
            result.insert("/" + doubled.joined(separator: "/"))
            var dotted = segments
            dotted.insert(".", at: index)
            result.insert("/" + dotted.joined(separator: "/"))
            var climbing = segments
            climbing.insert(contentsOf: ["x", ".."], at: index)
            result.insert("/" + climbing.joined(separator: "/"))
            if let first = segments[index].unicodeScalars.first, first.properties.isAlphabetic {
                var encoded = segments
                encoded[index] = String(format: "%%%02X", first.value) + segments[index].dropFirst()
                result.insert("/" + encoded.joined(separator: "/"))
                var lower = segments
                lower[index] = String(format: "%%%02x", first.value) + segments[index].dropFirst()
                result.insert("/" + lower.joined(separator: "/"))
            }
            var cased = segments
            cased[index] = segments[index].capitalized
            result.insert("/" + cased.joined(separator: "/"))
            if index > 0 {
                let joined = segments[index - 1] + "%2F" + segments[index]
                var slashed = segments
                slashed.replaceSubrange((index - 1)...index, with: [joined])
                result.insert("/" + slashed.joined(separator: "/"))
            }
        }
        return result.sorted()
    }
}
