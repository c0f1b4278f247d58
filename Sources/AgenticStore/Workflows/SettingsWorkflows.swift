import AgenticCore
import Foundation

extension TransactionalStore {
    public func settings(tenant: String) async throws -> TenantSettings {
        try await read { tx in try await tx.tenantSettings(tenant: tenant) }
    }

    /// Read, changed and written in one transaction; two admins changing different settings at once
    /// are serialised by the row (PostgreSQL) or the single writer (SQLite), so neither change is lost.
    public func updateSettings(_ body: JSONValue, by caller: Caller) async throws -> TenantSettings {
        try await write { tx in
            let now = clock.now()
            try await tx.serialize(.settings(tenant: caller.tenant))
            var settings = try TenantSettings.patch(body, onto: try await tx.tenantSettings(tenant: caller.tenant))
            settings.updatedAt = now
            try await tx.putTenantSettings(settings, tenant: caller.tenant)
            var log = ChangeLog()
            log.record(EventType.settingsUpdated, data: settings)
            try await tx.commit(log, by: caller, at: now)
            return settings
        }
    }
}
