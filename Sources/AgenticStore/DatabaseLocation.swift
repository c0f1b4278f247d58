import AgenticCore
import Foundation
import Logging

/// Where the data lives, from `--database-url` / `AGENTIC_DATABASE_URL`:
/// `sqlite:///absolute/path.sqlite`, `sqlite://relative/path.sqlite`, or
/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require` — with several hosts
/// as libpq spells them, `postgres://user@h1:5432,h2:5432/database?target_session_attrs=read-write`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresSettings)

    /// The embedded default: a file under `./agentic-data/`.
    public static let defaultURL = "sqlite://agentic-data/agentic.sqlite"

    public init(url: String) throws {
        if url.hasPrefix("sqlite://") || url.hasPrefix("sqlite:") {
            var path = url.hasPrefix("sqlite://") ? String(url.dropFirst("sqlite://".count)) : String(url.dropFirst("sqlite:".count))
            if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
            guard !path.isEmpty else { throw Self.invalid(url, "names no file") }
            self = .sqlite(path: path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(try PostgresSettings(url: url))
        } else {
            throw Self.invalid(url, "must start with sqlite:// or postgres://")
        }
    }

    static func invalid(_ url: String, _ why: String) -> AgenticError {
        AgenticError(code: .validationFailed, status: 400, detail: "Database URL \(redacted(url)) \(why)")
    }

    /// The URL without its password, for messages and logs. Read by hand, not with `URLComponents`:
    /// a multi-host URL is not a URL to Foundation, and its password must not leak either.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        // Up to the query, not the path: an unescaped `/` in a password must not hide it.
        let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<end].lastIndex(of: "@"),
              let colon = rest[..<at].firstIndex(of: ":") else { return url }
        return String(url[..<rest.index(after: colon)]) + "***" + String(url[at...])
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .postgres(let settings): return settings.description
        }
    }
}

/// PostgreSQL connection settings parsed from a URL: one host or several, tried in order.
public struct PostgresSettings: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    /// libpq's `target_session_attrs`, as far as a writer can use it: which of the hosts the pool
    /// takes. `read-only`, `standby` and `prefer-standby` are refused — Agentic writes.
    public enum TargetSessionAttrs: String, Sendable, Equatable, CaseIterable {
        /// The first host that accepts a connection (libpq's default).
        case any
        /// The first host whose sessions may write (`SHOW transaction_read_only` is `off`).
        case readWrite = "read-write"
        /// The first host that is not a standby (`pg_is_in_recovery()` is false).
        case primary
    }

    /// One server of the list.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public var endpoints: [Endpoint]
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    public var targetSessionAttrs: TargetSessionAttrs

    /// The first host of the list (the only one, in a single-host URL).
    public var host: String { endpoints[0].host }
    public var port: Int { endpoints[0].port }

    /// True when there is nothing to choose: one host, whatever it is.
    public var isSingleFixedHost: Bool { endpoints.count == 1 && targetSessionAttrs == .any }

    public init(host: String, port: Int, username: String, password: String?, database: String, tls: TLSMode) {
        self.init(
            endpoints: [Endpoint(host: host, port: port)], username: username, password: password, database: database, tls: tls,
            targetSessionAttrs: .any)
    }

    public init(
        endpoints: [Endpoint], username: String, password: String?, database: String, tls: TLSMode, targetSessionAttrs: TargetSessionAttrs
    ) {
        precondition(!endpoints.isEmpty, "a PostgreSQL location names at least one host")
        self.endpoints = endpoints
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.targetSessionAttrs = targetSessionAttrs
    }

    /// Reads `postgres[ql]://[user[:password]@]host[:port][,host[:port]…][/database][?param=value&…]`,
    /// where a host is a name, an IPv4 address or a bracketed IPv6 address (`[::1]:5432`) and a
    /// missing port is 5432. Parameters: `sslmode`, `target_session_attrs`; others are ignored.
    public init(url: String) throws {
        func invalid(_ why: String) -> AgenticError { DatabaseLocation.invalid(url, why) }
        guard let scheme = url.range(of: "://"), ["postgres", "postgresql"].contains(url[..<scheme.lowerBound]) else {
            throw invalid("is not a valid postgres:// URL")
        }
        var rest = Substring(url[scheme.upperBound...])
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var user: String?
        var password: String?
        // The last `@` before the query ends the user part, even past a `/`: an unescaped `/` in a
        // password must not turn the password into hosts (and into an error message).
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let colon = userInfo.firstIndex(of: ":")
            guard let name = Self.decoded(userInfo[..<(colon ?? userInfo.endIndex)]) else { throw invalid("has a badly escaped user name") }
            user = name.isEmpty ? nil : name
            if let colon {
                guard let secret = Self.decoded(userInfo[userInfo.index(after: colon)...]) else { throw invalid("has a badly escaped password") }
                password = secret
            }
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        let hostList = rest
        var endpoints: [Endpoint] = []
        for entry in hostList.split(separator: ",", omittingEmptySubsequences: false) {
            endpoints.append(try Self.endpoint(entry, invalid: invalid))
        }
        self.endpoints = endpoints
        self.username = user ?? "postgres"
        self.password = password
        guard let database = Self.decoded(path) else { throw invalid("has a badly escaped database name") }
        self.database = database.isEmpty ? username : database
        var tls = TLSMode.prefer
        var attrs = TargetSessionAttrs.any
        for item in query.split(separator: "&") {
            let equals = item.firstIndex(of: "=")
            let name = Self.decoded(item[..<(equals ?? item.endIndex)]) ?? ""
            let value = equals.flatMap { Self.decoded(item[item.index(after: $0)...]) } ?? ""
            switch name {
            case "sslmode":
                switch value {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw invalid("has an unknown sslmode `\(value)`")
                }
            case "target_session_attrs":
                guard let known = TargetSessionAttrs(rawValue: value) else {
                    throw invalid(
                        "has target_session_attrs `\(value)`: Agentic writes, so it takes only "
                            + TargetSessionAttrs.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "))
                }
                attrs = known
            default:
                break
            }
        }
        self.tls = tls
        self.targetSessionAttrs = attrs
    }

    /// One entry of the host list: `name`, `name:port`, `[v6]` or `[v6]:port`.
    private static func endpoint(_ entry: Substring, invalid: (String) -> AgenticError) throws -> Endpoint {
        var host: Substring
        var port: Substring?
        if entry.hasPrefix("[") {
            guard let close = entry.firstIndex(of: "]") else { throw invalid("has an IPv6 host without its closing `]`") }
            host = entry[entry.index(after: entry.startIndex)..<close]
            let after = entry[entry.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("has something other than `:port` after `[\(host)]`") }
                port = after.dropFirst()
            }
            guard host.contains(":") else { throw invalid("has `[\(host)]`, which is not an IPv6 address") }
        } else {
            let colon = entry.firstIndex(of: ":")
            host = entry[..<(colon ?? entry.endIndex)]
            port = colon.map { entry[entry.index(after: $0)...] }
        }
        guard !host.isEmpty else { throw invalid(entry.isEmpty ? "has an empty host in its host list" : "names no host in `\(entry)`") }
        guard let decodedHost = decoded(host), !decodedHost.contains(where: { $0 == "," || $0 == "/" || $0 == "@" || $0.isWhitespace }) else {
            throw invalid("has a malformed host `\(host)`")
        }
        guard let port else { return Endpoint(host: decodedHost, port: 5432) }
        guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), (1...65535).contains(number) else {
            throw invalid("has a bad port `\(port)` for host \(decodedHost) (1–65535)")
        }
        return Endpoint(host: decodedHost, port: number)
    }

    private static func decoded(_ text: Substring) -> String? {
        String(text).removingPercentEncoding
    }

    /// The URL without its password (for logs).
    public var description: String {
        var text = "postgres://\(username)@\(endpoints.map(\.description).joined(separator: ","))/\(database)?sslmode=\(tls.rawValue)"
        if targetSessionAttrs != .any || endpoints.count > 1 { text += "&target_session_attrs=\(targetSessionAttrs.rawValue)" }
        return text
    }
}
