import AgenticServer
import Foundation
import Testing
import Yams

@Suite("OpenAPI document", .timeLimit(.minutes(3)))
struct OpenAPIDocumentTests {
    static var document: [String: Any] { (try? Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any]) ?? [:] }

    @Test("is OpenAPI 3.1 and served at /openapi.yaml without a key")
    func served() async throws {
        #expect(Self.document["openapi"] as? String == "3.1.0")
        try await TestApp.withAPI(.sqlite) { api in
            let reply = try await api.with(key: nil).get("/openapi.yaml")
            #expect(reply.status == 200 && reply.header("Content-Type")?.hasPrefix("application/yaml") == true)
            #expect(reply.text == OpenAPIDocument.yaml)
        }
    }

    @Test("documents exactly the routes the server serves")
    func matchesRouter() async throws {
        let paths = try #require(Self.document["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, item) in paths {
            for method in item.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let parts = try await closing(try await Backend.sqlite.makeStore()) { store in
            buildRouter(store: store, configuration: ServerConfiguration()).1
        }
        let served = Set(parts.routes.all.map { entry in
            let template = entry.path.split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(entry.method) \(template)"
        })
        #expect(documented == served, "undocumented: \(served.subtracting(documented).sorted()); not served: \(documented.subtracting(served).sorted())")
    }

    @Test("every /api operation (and /mcp) is authenticated and documents 401 and 403; every reference resolves")
    func operations() throws {
        let paths = try #require(Self.document["paths"] as? [String: [String: Any]])
        let components = try #require(Self.document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        for (path, item) in paths {
            for (method, value) in item {
                guard let operation = value as? [String: Any], let responses = operation["responses"] as? [String: Any] else { continue }
                #expect(operation["operationId"] is String, "\(method) \(path)")
                // `/mcp` takes a key like the API (its tools check their own scopes on top).
                if path.hasPrefix("/api/") || path == "/mcp" {
                    #expect(operation["security"] == nil, "\(method) \(path) must use the global key requirement")
                    #expect(responses["401"] != nil && responses["403"] != nil, "\(method) \(path)")
                } else {
                    #expect((operation["security"] as? [Any])?.isEmpty == true, "\(method) \(path) needs no key")
                }
            }
        }
        let references = OpenAPIDocument.yaml.matches(of: /#\/components\/schemas\/([A-Za-z]+)/).map { String($0.output.1) }
        #expect(!references.isEmpty)
        for name in Set(references) { #expect(schemas[name] != nil, "missing schema \(name)") }
    }
}
