import AgenticCore
import Foundation

/// Export and import, written once over `SnapshotTransaction`.
extension TransactionalStore where Transaction: SnapshotTransaction {
    /// Writes a consistent snapshot of every tenant's data, one NDJSON line per record.
    public func export(source: String, to sink: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> SnapshotSummary {
        try await consistentRead { tx in
            var summary = SnapshotSummary()
            func emit(_ record: SnapshotRecord) async throws {
                try await sink(record.line)
                summary.count(record)
            }
            try await emit(.header(source: source))
            let tenants = try await tx.snapshotTenants()
            for tenant in tenants { try await emit(.tenant(name: tenant.name, createdAt: tenant.createdAt)) }
            for key in try await tx.snapshotKeys() { try await emit(.key(key)) }
            try await Self.pages({ try await tx.snapshotAgents(after: $0, limit: $1) }) {
                try await emit(.agent($0))
            }
            try await Self.pages({ try await tx.snapshotGoals(after: $0, limit: $1) }) {
                try await emit(.goal($0))
            }
            try await Self.pages({ try await tx.snapshotPlans(after: $0, limit: $1) }) {
                try await emit(.plan($0))
            }
            try await Self.pages({ try await tx.snapshotTasks(after: $0, limit: $1) }) {
                try await emit(.task($0))
            }
            try await Self.pages({ try await tx.snapshotSchedules(after: $0, limit: $1) }) {
                try await emit(.schedule($0))
            }
            for limit in try await tx.rateLimits(taskType: nil, tenant: nil) { try await emit(.rateLimit(limit)) }
            for limit in try await tx.concurrencyLimits(key: nil, tenant: nil) { try await emit(.concurrencyLimit(limit)) }
            // Settings and allow-lists only where an admin set them (else they are the defaults).
            for tenant in tenants.map(\.name) {
                let settings = try await tx.tenantSettings(tenant: tenant)
                if settings.updatedAt != nil { try await emit(.settings(settings, tenant: tenant)) }
                let hosts = try await tx.webhookAllowedHosts(tenant: tenant)
                if hosts.updatedAt != nil { try await emit(.allowedHosts(hosts, tenant: tenant)) }
                for webhook in try await tx.webhooks(tenant: tenant) { try await emit(.webhook(webhook)) }
            }
            try await Self.pages({ try await tx.snapshotDeliveries(after: $0, limit: $1) }) {
                try await emit(.delivery($0))
            }
            var after: Int64 = 0
            while true {
                let events = try await tx.snapshotEvents(after: after, limit: 1000)
                for event in events { try await emit(.event(event)) }
                guard let last = events.last, events.count == 1000 else { break }
                after = last.id
            }
            try await emit(.end(summary))
            return summary
        }
    }

    /// Every row `fetch` pages through, a thousand at a time, in (tenant, id) order.
    private static func pages<Item: StoredObject>(
        _ fetch: (RowPosition?, Int) async throws -> [Item], _ emit: (Item) async throws -> Void
    ) async throws {
        var after: RowPosition?
        while true {
            let page = try await fetch(after, 1000)
            for item in page { try await emit(item) }
            guard let last = page.last, page.count == 1000 else { return }
            after = RowPosition(tenant: last.tenant, id: last.id)
        }
    }

    /// Loads a snapshot into this database in one transaction: all of it or, on any error, nothing.
    /// The database must be empty (freshly migrated).
    public func importSnapshot(_ nextLine: @escaping @Sendable () async throws -> [UInt8]?) async throws -> SnapshotSummary {
        try await write { tx in
            guard try await tx.isEmpty() else {
                throw AgenticError.conflict(.importTargetNotEmpty, "The target database already holds data; import needs an empty one")
            }
            var summary = SnapshotSummary()
            var parents: [(goal: UUID, tenant: String, parent: UUID)] = []
            var number = 0
            var sawHeader = false
            var trailer: SnapshotSummary?
            while let line = try await nextLine() {
                number += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { continue }
                guard trailer == nil else {
                    throw AgenticError(code: .validationFailed, status: 422, detail: "Snapshot line \(number): data after the end record")
                }
                let record = try SnapshotRecord(line: line, number: number)
                if !sawHeader {
                    guard case .header = record else {
                        throw AgenticError(code: .validationFailed, status: 422, detail: "Snapshot line 1 is not an agentic snapshot header")
                    }
                    sawHeader = true
                    continue
                }
                summary.count(record)
                switch record {
                case .header:
                    throw AgenticError(code: .validationFailed, status: 422, detail: "Snapshot line \(number): a second header")
                case .tenant(let name, let createdAt):
                    try await tx.ensureTenant(name: name, createdAt: createdAt)
                case .key(let key):
                    try await tx.insertKey(key)
                case .agent(var agent):
                    agent.refreshLimits()
                    try await tx.insertAgent(agent)
                    try await tx.restoreUsage(of: agent)
                case .goal(var goal):
                    if let parent = goal.parentGoalID { parents.append((goal.id, goal.tenant, parent)) }
                    goal.parentGoalID = nil
                    goal.refreshDerived()
                    try await tx.insertGoal(goal)
                    try await tx.restoreUsage(of: goal)
                case .plan(let plan):
                    try await tx.insertPlan(plan)
                    try await tx.restoreUsage(of: plan)
                case .task(let task):
                    try await tx.importTask(task)
                case .schedule(let schedule):
                    try await tx.importRow(schedule)
                case .settings(let settings, let tenant):
                    try await tx.putTenantSettings(settings, tenant: tenant)
                case .rateLimit(let limit):
                    try await tx.importRateLimit(limit)
                case .concurrencyLimit(let limit):
                    try await tx.importRow(limit)
                case .allowedHosts(let hosts, let tenant):
                    try await tx.putWebhookAllowedHosts(hosts, tenant: tenant)
                case .webhook(let webhook):
                    try await tx.importRow(webhook)
                case .delivery(let delivery):
                    // A delivery claimed at export time is due again: its claim went with the old database.
                    try await tx.importRow(delivery)
                case .event(let event):
                    try await tx.importEvent(event)
                case .end(let expected):
                    trailer = expected
                }
            }
            guard let trailer else {
                throw AgenticError(
                    code: .validationFailed, status: 422, detail: "The snapshot has no end record; it is truncated, so nothing was imported")
            }
            guard trailer == summary else {
                throw AgenticError(
                    code: .validationFailed, status: 422,
                    detail: "The snapshot's end record counts \(trailer) but the file holds \(summary); nothing was imported")
            }
            for link in parents { try await tx.setParent(ofGoal: link.goal, tenant: link.tenant, to: link.parent) }
            try await tx.rebuildDependencies()
            return summary
        }
    }
}
