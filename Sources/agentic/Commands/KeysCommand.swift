import AgenticCore
import AgenticStore
import ArgumentParser
import Foundation
import Logging

/// `agentic keys create|list|revoke`, straight on the database (for operators; no server needed).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys directly in the database.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (shown only this once).")

        @Option(help: "A name to recognise the key by") var name: String
        @Option(help: "admin, write or read") var scope: String = "write"
        @Option(help: "Tenant (created when new)") var tenant: String = ApiKey.defaultTenant
        @Option(help: "Expiry, RFC 3339 (e.g. 2027-01-01T00:00:00Z)") var expiresAt: String?
        @Option(help: "Rate limit as RPS:BURST (default: the server's)") var rateLimit: String?
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard Scope(rawValue: scope) != nil else { throw ValidationError("--scope must be admin, write or read") }
            guard ApiKey.isValidTenant(tenant) else { throw ValidationError("--tenant must be lowercase letters, digits or -") }
            if let expiresAt, Timestamp(rfc3339: expiresAt) == nil { throw ValidationError("--expires-at must be RFC 3339") }
            guard (1...Limits.maxNameLength).contains(ExactText.length(name)) else { throw ValidationError("--name must be 1–200 characters") }
        }

        func run() async throws {
            var limit: RateLimit?
            if let rateLimit {
                guard let parsed = RateLimit(flag: rateLimit) else {
                    throw ValidationError("--rate-limit must be RPS:BURST (0.001 to 1000000 requests per second, burst 1 to 10000000)")
                }
                limit = parsed
            }
            let secret = KeyMaker.newSecret()
            let key = KeyMaker.record(
                secret: secret, name: name, scope: Scope(rawValue: scope)!, tenant: tenant,
                expiresAt: expiresAt.flatMap(Timestamp.init(rfc3339:)), rateLimit: limit)
            try await database.withStore(logger: Logger(label: "agentic")) { store in try await store.createKey(key) }
            print("key_id: \(key.id.lowercased)")
            print("tenant: \(key.tenant)  scope: \(key.scope.rawValue)")
            print("key:    \(secret)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")

        @Option(help: "Only this tenant") var tenant: String?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let keys = try await database.withStore(logger: Logger(label: "agentic")) { store in
                try await store.listKeys(tenant: tenant)
            }
            print("KEY ID                                TENANT           SCOPE  PREFIX    STATE    NAME")
            for key in keys {
                let state = key.unusableReason(at: .now()) ?? "active"
                print(
                    [key.id.lowercased, pad(key.tenant, 16), pad(key.scope.rawValue, 6), pad(key.prefix, 9), pad(state, 8), key.name]
                        .joined(separator: " "))
            }
        }

        private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key; it stops working within a second everywhere.")

        @Argument(help: "The key id") var keyID: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard let id = UUID(uuidString: keyID) else { throw ValidationError("\(keyID) is not a key id") }
            let revoked = try await database.withStore(logger: Logger(label: "agentic")) { store in
                try await store.revokeKey(id, tenant: nil, at: .now())
            }
            if revoked {
                print("revoked \(id.lowercased)")
            } else {
                throw ValidationError("no live key \(id.lowercased)")
            }
        }
    }
}
