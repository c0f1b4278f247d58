import AgenticCore
import Foundation
import Logging

/// Where the data lives, from `--database-url` / `AGENTIC_DATABASE_URL`:
/// `sqlite:///absolute/path.sqlite`, `sqlite://relative/path.sqlite`, or
/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require`.
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

    /// The URL without its password, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard let components = URLComponents(string: url), components.password != nil else { return url }
        var copy = components
        copy.password = "***"
        return copy.string ?? "(url)"
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .postgres(let settings): return settings.description
        }
    }
}

/// PostgreSQL connection settings parsed from a URL.
public struct PostgresSettings: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int, username: String, password: String?, database: String, tls: TLSMode) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    public init(url: String) throws {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw DatabaseLocation.invalid(url, "is not a valid postgres:// URL")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user?.removingPercentEncoding ?? "postgres"
        self.password = components.password?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? username : path
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] where item.name == "sslmode" {
            switch item.value ?? "" {
            case "disable": tls = .disable
            case "allow", "prefer": tls = .prefer
            case "require", "verify-ca", "verify-full": tls = .require
            default: throw DatabaseLocation.invalid(url, "has an unknown sslmode `\(item.value ?? "")`")
            }
        }
        self.tls = tls
    }

    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)" }
}
