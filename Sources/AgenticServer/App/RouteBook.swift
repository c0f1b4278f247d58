import HTTPTypes
import Hummingbird
import Synchronization

/// Every route the application serves, by method and path template. The problem middleware asks it
/// whether an unmatched request named a real path with the wrong method (405 rather than 404); the
/// tests compare it with the OpenAPI document.
public final class RouteBook: Sendable {
    public struct Entry: Sendable, Hashable {
        public var method: String
        public var path: String
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    public var all: [Entry] { entries.withLock { $0 } }

    func add(_ method: HTTPRequest.Method, _ path: String) {
        entries.withLock { $0.append(Entry(method: method.rawValue, path: path)) }
    }

    /// Methods served at a concrete path (`/api/v1/agents/123`), HEAD included where GET is.
    ///
    /// Like the router, a constant segment wins over a parameter: `/tasks/claim` is the claim route
    /// only, not `/tasks/:id` with the id `claim`.
    public func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var best = -1
        var methods = Set<String>()
        for entry in all {
            let template = entry.path.split(separator: "/", omittingEmptySubsequences: true)
            guard template.count == segments.count,
                zip(template, segments).allSatisfy({ $0.hasPrefix(":") || $0 == $1 })
            else { continue }
            let constants = template.filter { !$0.hasPrefix(":") }.count
            if constants > best {
                best = constants
                methods = []
            }
            guard constants == best else { continue }
            methods.insert(entry.method)
            if entry.method == "GET" { methods.insert("HEAD") }
        }
        return methods.sorted()
    }
}

/// Registers routes on the router and in the book at once.
struct RouteRegistrar {
    let router: Router<AppRequestContext>
    let book: RouteBook

    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response

    func on(_ method: HTTPRequest.Method, _ path: String, use handler: @escaping Handler) {
        router.on(RouterPath(path), method: method) { request, context in try await handler(request, context) }
        book.add(method, path)
    }

    func get(_ path: String, use handler: @escaping Handler) { on(.get, path, use: handler) }
    func post(_ path: String, use handler: @escaping Handler) { on(.post, path, use: handler) }
    func patch(_ path: String, use handler: @escaping Handler) { on(.patch, path, use: handler) }
    func delete(_ path: String, use handler: @escaping Handler) { on(.delete, path, use: handler) }
}
