import AgenticCore
import HTTPTypes
import Hummingbird
import Synchronization

/// Who may call a route. Declared where the route is registered and enforced by the route's own
/// middleware, so access follows the route that runs — never the spelling of the path that reached
/// it (`/api/v1//keys` runs the keys route, and so needs `admin`).
public enum RouteAccess: Sendable, Hashable, CustomStringConvertible {
    /// No key needed: health, metrics, the OpenAPI document.
    case open
    /// A key whose scope includes this one.
    case key(Scope)

    public var description: String {
        switch self {
        case .open: return "open"
        case .key(let scope): return scope.rawValue
        }
    }
}

/// Every route the application serves, by method, path template and access. The problem middleware
/// asks it whether an unmatched request named a real path with the wrong method (405 rather than
/// 404); the tests compare it with the OpenAPI document and walk it to prove access is enforced.
public final class RouteBook: Sendable {
    public struct Entry: Sendable, Hashable {
        public var method: String
        public var path: String
        public var access: RouteAccess
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    public var all: [Entry] { entries.withLock { $0 } }

    func add(_ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess) {
        entries.withLock { $0.append(Entry(method: method.rawValue, path: path, access: access)) }
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

/// Registers routes on the router and in the book at once, each in the route group of its access:
/// a keyed group authenticates, checks the scope, applies the key's rate limit and the
/// `Idempotency-Key`, in that order, before the handler runs.
struct RouteRegistrar {
    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> any ResponseGenerator

    /// The routes of one access level.
    struct Routes {
        let access: RouteAccess
        let group: RouterGroup<AppRequestContext>
        let book: RouteBook

        func on(_ method: HTTPRequest.Method, _ path: String, use handler: @escaping Handler) {
            group.on(RouterPath(path), method: method) { request, context in
                try await handler(request, context).response(from: request, context: context)
            }
            book.add(method, path, access)
        }

        func get(_ path: String, use handler: @escaping Handler) { on(.get, path, use: handler) }
        func post(_ path: String, use handler: @escaping Handler) { on(.post, path, use: handler) }
        func patch(_ path: String, use handler: @escaping Handler) { on(.patch, path, use: handler) }
        func delete(_ path: String, use handler: @escaping Handler) { on(.delete, path, use: handler) }
    }

    let open: Routes
    let read: Routes
    let write: Routes
    let approve: Routes
    let admin: Routes

    init(
        router: Router<AppRequestContext>, book: RouteBook,
        keyed: @escaping (Scope, RouterGroup<AppRequestContext>) -> RouterGroup<AppRequestContext>
    ) {
        func routes(_ access: RouteAccess) -> Routes {
            let group = router.group()
            switch access {
            case .open: return Routes(access: access, group: group, book: book)
            case .key(let scope): return Routes(access: access, group: keyed(scope, group), book: book)
            }
        }
        open = routes(.open)
        read = routes(.key(.read))
        write = routes(.key(.write))
        approve = routes(.key(.approve))
        admin = routes(.key(.admin))
    }
}
