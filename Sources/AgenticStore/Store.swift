import AgenticCore
import Foundation

/// Who is making a change: the tenant it lands in and the key id recorded as the event actor.
public struct Caller: Sendable, Equatable {
    public var tenant: String
    public var keyID: String

    public init(tenant: String, keyID: String) {
        self.tenant = tenant
        self.keyID = keyID
    }

    /// The server's own work (lease expiry, start-up) in a tenant.
    public static func system(tenant: String) -> Caller { Caller(tenant: tenant, keyID: "system") }
}

/// Everything the server asks of a database, one protocol per concern. `SQLiteStore` and
/// `PostgresStore` implement it; the resource workflows are shared (see `TransactionalStore`), so
/// both behave identically and one contract suite tests both.
///
/// Every method either does all of its work or none of it. Missing or foreign-tenant resources are
/// `AgenticError` 404s; a database that cannot be reached is a 503 `database_unavailable`.
public protocol Store: ResourceStore, WorkQueueStore, EventLogStore, StatisticsStore, LimitStore, ScheduleStore, ApprovalStore, SettingsStore, WebhookStore, KeyStore, IdempotencyStore,
    StoreOperations {
    /// The time every rule of this store goes by (see `WallClock`); the gateway judges keys' expiry by it too.
    var clock: any WallClock { get }
}
