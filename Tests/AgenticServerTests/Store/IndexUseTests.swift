import AgenticCore
@testable import AgenticStore
import Foundation
import PostgresNIO
import Testing

/// The reads issue 14 promises never scan a table — name search, a resource's events, the oldest
/// ready task — checked on PostgreSQL's plans with sequential scans priced out: if no index can
/// serve a statement, the planner still picks a `Seq Scan`, and this fails. (SQLite's statements
/// name their index with `INDEXED BY`, which fails outright when the index cannot serve.)
@Suite("PostgreSQL: the screens' reads use indexes", .enabled(if: Backend.postgresURL != nil))
struct IndexUseTests {
    static func plan(_ store: PostgresStore, _ query: PostgresQuery) async throws -> String {
        try await store.consistentRead { tx in
            try await tx.run("SET LOCAL enable_seqscan = off")
            let explained = PostgresQuery(unsafeSQL: "EXPLAIN " + query.sql, binds: query.binds)
            return try await tx.rows(explained).map { try $0.get("QUERY PLAN", as: String.self) }.joined(separator: "\n")
        }
    }

    @Test("name prefixes, a resource's events and the oldest ready task are index scans")
    func indexes() async throws {
        try await TestApp.withAPI(.postgres) { api in
            let store = try #require(api.store as? PostgresStore)
            let tenant = api.tenant
            var byName = ListQuery()
            byName.namePrefix = "res"
            let queries: [(String, PostgresQuery, String)] = [
                ("agents by name", PostgresListing.agents.query(byName, tenant: tenant), "agents_by_name"),
                ("goals by text", PostgresListing.goals.query(byName, tenant: tenant), "goals_by_name"),
                ("plans by name", PostgresListing.plans.query(byName, tenant: tenant), "plans_by_name"),
                ("events of a resource", PostgresStore.eventsQuery(after: 0, filter: EventFilter(resourceID: UUID()), limit: 100, tenant: tenant),
                 "events_by_resource"),
                ("a task's history", PostgresTransaction.historyQuery(UUID(), after: 0, limit: 100, tenant: tenant), "events_by_resource"),
                ("the oldest ready task", PostgresStore.oldestReadyQuery(tenant: tenant), "tasks_ready"),
            ]
            for (name, query, index) in queries {
                let plan = try await Self.plan(store, query)
                // Which index serves depends on the statistics (a tiny table may be read through its
                // tenant index); that one does is what must hold.
                #expect(!plan.contains("Seq Scan") && plan.contains("Index"), "\(name) (meant for \(index)):\n\(plan)")
            }
        }
    }
}
