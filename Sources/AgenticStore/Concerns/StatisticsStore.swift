import AgenticCore

/// Counts for screens (`GET /stats`), kept by the database as the work happens (the `counters`
/// table, maintained by triggers) so answering costs index probes, never a scan.
public protocol StatisticsStore: Sendable {
    func tenantStatistics(tenant: String) async throws -> TenantStatistics
    /// Folds each connection's counter rows into one and drops activity older than an hour (the
    /// maintenance sweep, once a minute).
    func compactCounters() async throws
}
