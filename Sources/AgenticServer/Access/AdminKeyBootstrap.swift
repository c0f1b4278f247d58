import AgenticCore
import AgenticStore
import Logging

/// Makes sure an operator can get in.
public enum AdminKeyBootstrap {
    public enum Outcome: Sendable, Equatable {
        /// `AGENTIC_ADMIN_KEY` was already a key.
        case existing
        /// `AGENTIC_ADMIN_KEY` became an admin key of the default tenant.
        case registered
        /// The database had no key at all: here is a new admin key, to print once.
        case generated(secret: String)
        /// Keys exist and no operator key was given: nothing to do.
        case none
    }

    /// - `adminKey` given (≥ 32 characters): ensures that key exists as an unlimited admin key of the
    ///   default tenant. A key revoked through the API stays revoked (and is reported).
    /// - no `adminKey`, empty key table: creates an admin key and returns it to be shown once.
    public static func run(store: any KeyStore, adminKey: String?, logger: Logger) async throws -> Outcome {
        if let adminKey {
            guard adminKey.count >= 32, adminKey.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw AgenticError(
                    code: .validationFailed, status: 400,
                    detail: "AGENTIC_ADMIN_KEY must be at least 32 visible ASCII characters")
            }
            if let existing = try await store.key(hash: KeyMaker.hash(adminKey)) {
                if existing.revokedAt != nil {
                    logger.error("AGENTIC_ADMIN_KEY names a revoked key; it stays revoked. Set a new AGENTIC_ADMIN_KEY.")
                }
                return .existing
            }
            try await store.createKey(
                KeyMaker.record(secret: adminKey, name: "operator", scope: .admin, tenant: ApiKey.defaultTenant, unlimited: true))
            logger.info("Registered AGENTIC_ADMIN_KEY as an admin key of the default tenant")
            return .registered
        }
        guard try await store.countKeys() == 0 else { return .none }
        let secret = KeyMaker.newSecret()
        try await store.createKey(
            KeyMaker.record(secret: secret, name: "generated-admin", scope: .admin, tenant: ApiKey.defaultTenant))
        return .generated(secret: secret)
    }
}
