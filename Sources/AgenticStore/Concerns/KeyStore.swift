import AgenticCore
import Foundation

/// API keys, by the hash of their secret.
public protocol KeyStore: Sendable {
    func createKey(_ key: ApiKey) async throws
    func key(hash: String) async throws -> ApiKey?
    func listKeys(tenant: String?) async throws -> [ApiKey]
    /// Revokes a key of `tenant` (any tenant when nil); false when there is no such live key.
    func revokeKey(_ id: UUID, tenant: String?, at: Timestamp) async throws -> Bool
    func countKeys() async throws -> Int
}
