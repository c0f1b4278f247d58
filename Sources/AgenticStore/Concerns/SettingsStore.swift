import AgenticCore

/// A tenant's own defaults, set by its admins (`TenantSettings`).
public protocol SettingsStore: Sendable {
    /// The tenant's settings (the defaults when never set).
    func settings(tenant: String) async throws -> TenantSettings
    /// Applies a PATCH body to the tenant's settings and logs `settings.updated`; returns them.
    func updateSettings(_ body: JSONValue, by caller: Caller) async throws -> TenantSettings
}
