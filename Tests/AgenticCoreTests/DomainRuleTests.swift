import AgenticCore
import Foundation
import Testing

@Suite("Domain rules")
struct DomainRuleTests {
    static func task(_ status: TaskStatus = .pending, attempts: Int64 = 0, maxAttempts: Int64 = 3) -> PlanTask {
        let now = Timestamp(microseconds: 1_000_000)
        var task = TaskDraft.make(planID: UUID(), now: now)
        task.status = status
        task.attempts = attempts
        task.maxAttempts = maxAttempts
        return task
    }

    @Test("only terminated is final for agents")
    func agentTransitions() {
        for from in AgentStatus.allCases {
            for to in AgentStatus.allCases {
                #expect(from.canMove(to: to) == (from != .terminated || to == .terminated), "\(from) → \(to)")
            }
        }
    }

    @Test("final task statuses are completed, failed, skipped and cancelled")
    func taskFinals() {
        #expect(Set(TaskStatus.terminalStatuses) == [.completed, .failed, .skipped, .cancelled])
        #expect(Set(TaskStatus.openStatuses) == [.pending, .running, .blocked, .awaitingApproval])
    }

    @Test("starting counts an attempt and takes a lease; finishing stamps completed_at and drops it")
    func taskMoves() throws {
        var task = Self.task()
        let now = Timestamp(microseconds: 5_000_000)
        try task.move(to: .running, at: now, leaseSeconds: 30)
        #expect(task.attempts == 1 && task.startedAt == now && task.leaseExpiresAt == now.adding(seconds: 30))
        #expect(task.isLeased(by: task.agentID ?? UUID(), at: now) == false, "no holder without an agent")
        let later = now.adding(seconds: 1)
        try task.move(to: .completed, at: later)
        #expect(task.completedAt == later && task.leaseExpiresAt == nil)
        #expect(throws: AgenticError.self) { try task.move(to: .pending, at: later) }
        #expect(throws: Never.self) { try task.move(to: .completed, at: later) }
    }

    @Test("a task cannot start or complete before its dependencies")
    func dependencyGate() {
        var task = Self.task()
        #expect {
            try task.move(to: .running, at: .now(), dependenciesCompleted: false)
        } throws: { ($0 as? AgenticError)?.code == .dependenciesNotMet }
        #expect(throws: Never.self) { try task.move(to: .cancelled, at: .now(), dependenciesCompleted: false) }
    }

    @Test("leases belong to their agent until they expire")
    func leases() throws {
        var task = Self.task()
        let agent = UUID()
        task.agentID = agent
        let now = Timestamp(microseconds: 10_000_000)
        try task.move(to: .running, at: now, leaseSeconds: 60)
        #expect(task.isLeased(by: agent, at: now.adding(seconds: 59)))
        #expect(!task.isLeased(by: agent, at: now.adding(seconds: 60)))
        #expect(!task.isLeased(by: UUID(), at: now))
    }

    @Test("a failure retries while attempts remain and it is retryable")
    func retries() {
        #expect(Self.task(.running, attempts: 1, maxAttempts: 3).statusAfterFailure(retryable: true) == .pending)
        #expect(Self.task(.running, attempts: 3, maxAttempts: 3).statusAfterFailure(retryable: true) == .failed)
        #expect(Self.task(.running, attempts: 1, maxAttempts: 3).statusAfterFailure(retryable: false) == .failed)
    }

    @Test("plans finish when no task is open")
    func planRollup() {
        #expect(Rollup.planStatus(for: TaskCounts([:])) == nil, "an empty plan does not finish")
        #expect(Rollup.planStatus(for: TaskCounts([.completed: 3, .running: 1])) == nil)
        #expect(Rollup.planStatus(for: TaskCounts([.completed: 3])) == .completed)
        #expect(Rollup.planStatus(for: TaskCounts([.completed: 2, .failed: 1, .skipped: 2])) == .failed)
        #expect(Rollup.planStatus(for: TaskCounts([.completed: 2, .cancelled: 1])) == .cancelled)
        #expect(Rollup.planStatus(for: TaskCounts([.skipped: 1, .cancelled: 1])) == .cancelled)
    }

    @Test("goals follow their plans and stay final")
    func goalRollup() {
        #expect(Rollup.goalStatus(current: .pending, plans: []) == nil)
        #expect(Rollup.goalStatus(current: .pending, plans: [.draft, .active]) == .active)
        #expect(Rollup.goalStatus(current: .active, plans: [.active]) == nil)
        #expect(Rollup.goalStatus(current: .active, plans: [.failed, .completed]) == .completed)
        #expect(Rollup.goalStatus(current: .active, plans: [.failed, .cancelled]) == .failed)
        #expect(Rollup.goalStatus(current: .active, plans: [.cancelled]) == .cancelled)
        #expect(Rollup.goalStatus(current: .active, plans: [.completed, .draft]) == nil, "a plan not yet run keeps the goal open")
        #expect(Rollup.goalStatus(current: .cancelled, plans: [.completed]) == nil)
    }

    @Test("default DIDs are DID-safe")
    func defaultDID() {
        let did = Agent.defaultDID(name: "Ünïcode  Agent / #1")
        #expect(did.hasPrefix("did:agent:n-code-agent-1:"), "\(did)")
        #expect(did.split(separator: ":").last?.count == 8)
        #expect(Agent.defaultDID(name: "!!!").hasPrefix("did:agent:agent:"))
    }

    @Test("cursors round-trip and reject junk")
    func cursors() {
        let cursor = Cursor(createdAt: Timestamp(microseconds: 123), id: UUID())
        #expect(Cursor(encoded: cursor.encoded) == cursor)
        #expect(cursor.encoded.wholeMatch(of: try! Regex(Cursor.pattern)) != nil, "\(cursor.encoded)")
        for junk in ["", "x", "bm90LWEtY3Vyc29y", "1_", "_0123456789abcdef0123456789abcdef", "1_0123456789ABCDEF0123456789ABCDEF",
                     "+1_0123456789abcdef0123456789abcdef", String(repeating: "A", count: 500)] {
            #expect(Cursor(encoded: junk) == nil)
        }
    }

    @Test("event type filters match exact names and prefixes")
    func eventFilters() throws {
        let filter = try EventTypeFilter.parse("task.,agent.created").get()
        #expect(filter.matches("task.claimed") && filter.matches("agent.created"))
        #expect(!filter.matches("agent.updated") && !filter.matches("plan.created"))
        #expect(EventTypeFilter().matches("anything"))
        #expect((try? EventTypeFilter.parse("bad type!").get()) == nil)
    }
}

extension TaskDraft {
    static func make(planID: UUID, now: Timestamp) -> PlanTask {
        (try! PlanTask.fields.draft(["plan_id": .string(planID.lowercased)])).make(tenant: "default", now: now)
    }
}
