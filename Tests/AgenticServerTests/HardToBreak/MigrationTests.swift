import AgenticCore
@testable import AgenticStore
import Foundation
import Logging
import PostgresNIO
import SQLiteNIO
import Testing

/// The second migration re-keys every resource by `(tenant, id)`. Data written under the first schema
/// must come through unchanged and keep working: parents, plans, dependency edges, idempotency records.
@Suite("Hard to break: migrations keep the data", .timeLimit(.minutes(3)))
struct MigrationTests {
    static let tenant = "migrated"
    static let agent = UUID()
    static let goal = UUID()
    static let subgoal = UUID()
    static let plan = UUID()
    static let first = UUID()
    static let second = UUID()
    static let micros: Int64 = 1_790_000_000_000_000

    @Test("data written under schema 1 is intact and usable under the latest schema", arguments: Backend.available)
    func version1To2(backend: Backend) async throws {
        let store: any Store
        let upgrade: @Sendable () async throws -> Void
        switch backend {
        case .sqlite:
            let sqlite = try await SQLiteStore.open(path: TestFiles.temporaryDirectory() + "/v1.sqlite")
            store = sqlite
            upgrade = {
                try await sqlite.migrate(upTo: 1)
                try await Self.writeVersion1(sqlite)
                try await sqlite.migrate()
            }
        case .postgres:
            let url = try await TestPostgres.freshDatabaseURL()
            guard case .postgres(let settings) = try DatabaseLocation(url: url) else { throw TestFailure("not a PostgreSQL URL") }
            let postgres = PostgresStore.open(settings, poolSize: 2, leaseDeadline: .seconds(30))
            store = postgres
            upgrade = {
                try await postgres.migrate(upTo: 1)
                try await Self.writeVersion1(postgres)
                try await postgres.migrate()
            }
        }
        try await closing(store) { store in
            try await upgrade()
            let caller = Caller(tenant: Self.tenant, keyID: "test")
            let agent = try await store.agent(Self.agent, tenant: Self.tenant)
            #expect(agent.name == "veteran" && agent.metadata == ["n": 1] && agent.version == 3)
            #expect(agent.createdAt == Timestamp(microseconds: Self.micros))
            #expect(try await store.goal(Self.subgoal, tenant: Self.tenant).parentGoalID == Self.goal)
            // Goals with a time limit got their expires_at: the deadline, or the earlier end of the longest run.
            #expect(try await store.goal(Self.goal, tenant: Self.tenant).expiresAt == Self.deadline)
            #expect(try await store.goal(Self.subgoal, tenant: Self.tenant).expiresAt == Timestamp(microseconds: Self.micros + 60_000_000))
            let limited = try await store.goal(Self.goal, tenant: Self.tenant)
            #expect(limited.parallelismCap == 5 && limited.restrictsAgentTypes)
            let open = try await store.goal(Self.subgoal, tenant: Self.tenant)
            #expect(open.parallelismCap == nil && !open.restrictsAgentTypes)
            #expect(try await store.plan(Self.plan, tenant: Self.tenant).taskCounts[.pending] == 2)
            // The /stats counters start from the rows already there.
            let counted = try await store.tenantStatistics(tenant: Self.tenant)
            #expect(counted.agents == [.active: 1] && counted.tasks == TaskCounts([.pending: 2]) && counted.readyTasks == 1)
            // The dependency edge survived: the second task is ready only once the first completed.
            let worker = try await store.createAgent(try Agent.fields.draft(["name": "w"]), by: caller)
            let claimed = try await store.claimTasks(ClaimRequest(agentID: worker.id, planID: Self.plan, limit: 10), by: caller)
            #expect(claimed.map(\.id) == [Self.first])
            _ = try await store.completeTask(Self.first, CompleteRequest(agentID: worker.id), by: caller)
            let next = try await store.claimTasks(ClaimRequest(agentID: worker.id, planID: Self.plan, limit: 10), by: caller)
            #expect(next.map(\.id) == [Self.second])
            // The idempotency record still replays.
            let now = Timestamp(microseconds: Self.micros + 1_000_000)
            let outcome = try await store.reserveIdempotencyKey(
                IdempotencyReservation(tenant: Self.tenant, key: "old", requestHash: "h", now: now, expiresAt: now.adding(seconds: 60)))
            #expect(outcome == .replay(StoredResponse(status: 201, headers: ["ETag": "\"1\""], body: Array("{}".utf8))))
            // And the agent's id is now free in another tenant.
            let elsewhere = try await store.createAgent(
                try Agent.fields.draft(["agent_id": .string(Self.agent.lowercased), "name": "namesake"]), by: Caller(tenant: "other", keyID: "t"))
            #expect(elsewhere.id == Self.agent)
            #expect(try await store.agent(Self.agent, tenant: Self.tenant).name == "veteran")
        }
    }

    /// Rows as schema 1 held them, written with plain SQL (today's statements name columns schema 1 lacks).
    static let version1Rows: [String] = {
        let t = "'\(tenant)'"
        let at = "\(micros)"
        return [
            "INSERT INTO tenants (name, created_at) VALUES (\(t), AT)",
            """
            INSERT INTO agents VALUES ('\(agent.lowercased)', \(t), 'did:agent:veteran:00000001', 'veteran', 'general', 'active',
                '{}', '{"n":1}', '{}', 3, AT, AT)
            """,
            """
            INSERT INTO goals VALUES ('\(goal.lowercased)', \(t), '\(agent.lowercased)', 'did:agent:veteran:00000001', 'g',
                'compound', 'pending', 5, 'DEADLINE', '[]', NULL, '{}', NULL, 1, AT, AT)
            """,
            """
            INSERT INTO goals VALUES ('\(subgoal.lowercased)', \(t), NULL, NULL, 'sub', 'compound', 'pending', 5, 'BOTH', '[]',
                '\(goal.lowercased)', '{}', NULL, 1, AT, AT)
            """,
            """
            INSERT INTO plans VALUES ('\(plan.lowercased)', \(t), '\(goal.lowercased)', NULL, 'p', 'draft', '{}', '{}', NULL, NULL, 1,
                AT, AT)
            """,
            """
            INSERT INTO tasks VALUES ('\(first.lowercased)', \(t), '\(plan.lowercased)', NULL, 'first', '', 'atomic', 'pending', '{}',
                '{}', DEPS_NONE, 0, 5, 300, 3, 0, NULL, NULL, NULL, NULL, NULL, 1, AT, AT)
            """,
            """
            INSERT INTO tasks VALUES ('\(second.lowercased)', \(t), '\(plan.lowercased)', NULL, 'second', '', 'atomic', 'pending', '{}',
                '{}', DEPS_FIRST, 1, 5, 300, 3, 0, NULL, NULL, NULL, NULL, NULL, 1, AT + 1, AT + 1)
            """,
            "INSERT INTO task_dependencies (task_id, depends_on) VALUES ('\(second.lowercased)', '\(first.lowercased)')",
            """
            INSERT INTO idempotency_keys VALUES (\(t), 'old', 'h', 'done', 201, HEADERS, BODY, AT, AT + 86400000000)
            """,
        ].map { $0.replacingOccurrences(of: "AT", with: at) }
    }()

    static let constraints = GoalConstraints().jsonString
    /// Constraints with a time limit: the goal's `expires_at` is derived from them on the way up.
    static let deadline = Timestamp(rfc3339: "2027-01-01T00:00:00.5Z")!
    static let timed: (deadline: String, both: String) = {
        var onlyDeadline = GoalConstraints()
        onlyDeadline.deadline = deadline
        var both = onlyDeadline
        // Claim limits too: their columns are derived on the way up.
        onlyDeadline.maxParallelism = 5
        onlyDeadline.allowedAgentTypes = ["general"]
        both.maxExecutionTimeSec = 60
        return (onlyDeadline.jsonString, both.jsonString)
    }()

    static func writeVersion1(_ store: SQLiteStore) async throws {
        try await store.write { tx in
            for row in version1Rows {
                let sql = row.replacingOccurrences(of: "CONSTRAINTS", with: constraints)
                    .replacingOccurrences(of: "DEADLINE", with: timed.deadline).replacingOccurrences(of: "BOTH", with: timed.both)
                    .replacingOccurrences(of: "DEPS_NONE", with: "'[]'")
                    .replacingOccurrences(of: "DEPS_FIRST", with: "'[\"\(first.lowercased)\"]'")
                    .replacingOccurrences(of: "HEADERS", with: "'{\"ETag\":\"\\\"1\\\"\"}'")
                    .replacingOccurrences(of: "BODY", with: "x'7b7d'")
                try await tx.run(sql)
            }
        }
    }

    static func writeVersion1(_ store: PostgresStore) async throws {
        try await store.transaction { tx in
            for row in version1Rows {
                let sql = row.replacingOccurrences(of: "CONSTRAINTS", with: constraints)
                    .replacingOccurrences(of: "DEADLINE", with: timed.deadline).replacingOccurrences(of: "BOTH", with: timed.both)
                    .replacingOccurrences(of: "DEPS_NONE", with: "ARRAY[]::uuid[]")
                    .replacingOccurrences(of: "DEPS_FIRST", with: "ARRAY['\(first.lowercased)']::uuid[]")
                    .replacingOccurrences(of: "HEADERS", with: "'{\"ETag\":\"\\\"1\\\"\"}'")
                    .replacingOccurrences(of: "BODY", with: "'\\x7b7d'::bytea")
                    .replacing(/(\d{16}) \+ (\d+)/) { "\(Int64($0.1)! + Int64($0.2)!)" }
                    .replacing(/\b(\d{16})\b/) { "to_timestamp(\(Double(Int64($0.1)!) / 1_000_000))" }
                try await tx.run(PostgresQuery(unsafeSQL: sql))
            }
        }
    }
}
