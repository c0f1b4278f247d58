import AgenticCore
import Foundation

/// Export and import, written once over `SnapshotTransaction`.
extension TransactionalStore where Transaction: SnapshotTransaction {
    /// Writes a consistent snapshot of every tenant's data, one NDJSON line per record.
    public func export(source: String, to sink: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> SnapshotSummary {
        try await consistentRead { tx in
            var summary = SnapshotSummary()
            try await sink(SnapshotRecord.header(source: source).line)
            let tenants = try await tx.snapshotTenants()
            for tenant in tenants {
                try await sink(SnapshotRecord.tenant(name: tenant.name, createdAt: tenant.createdAt).line)
                summary.tenants += 1
            }
            for key in try await tx.snapshotKeys() {
                try await sink(SnapshotRecord.key(key).line)
                summary.keys += 1
            }
            summary.agents = try await Self.pages({ try await tx.snapshotAgents(after: $0, limit: $1) }, { RowPosition(tenant: $0.tenant, id: $0.id) }) {
                try await sink(SnapshotRecord.agent($0).line)
            }
            summary.goals = try await Self.pages({ try await tx.snapshotGoals(after: $0, limit: $1) }, { RowPosition(tenant: $0.tenant, id: $0.id) }) {
                try await sink(SnapshotRecord.goal($0).line)
            }
            summary.plans = try await Self.pages({ try await tx.snapshotPlans(after: $0, limit: $1) }, { RowPosition(tenant: $0.tenant, id: $0.id) }) {
                try await sink(SnapshotRecord.plan($0).line)
            }
            summary.tasks = try await Self.pages({ try await tx.snapshotTasks(after: $0, limit: $1) }, { RowPosition(tenant: $0.tenant, id: $0.id) }) {
                try await sink(SnapshotRecord.task($0).line)
            }
            summary.schedules = try await Self.pages(
                { try await tx.snapshotSchedules(after: $0, limit: $1) }, { RowPosition(tenant: $0.tenant, id: $0.id) }
            ) { try await sink(SnapshotRecord.schedule($0).line) }
            for limit in try await tx.rateLimits(taskType: nil, tenant: nil) {
                try await sink(SnapshotRecord.rateLimit(limit).line)
                summary.rateLimits += 1
            }
            for limit in try await tx.concurrencyLimits(key: nil, tenant: nil) {
                try await sink(SnapshotRecord.concurrencyLimit(limit).line)
                summary.concurrencyLimits += 1
            }
            // Settings and allow-lists only where an admin set them (else they are the defaults).
            for tenant in tenants.map(\.name) {
                let settings = try await tx.tenantSettings(tenant: tenant)
                if settings.updatedAt != nil {
                    try await sink(SnapshotRecord.settings(settings, tenant: tenant).line)
                    summary.settings += 1
                }
                let hosts = try await tx.webhookAllowedHosts(tenant: tenant)
                if hosts.updatedAt != nil {
                    try await sink(SnapshotRecord.allowedHosts(hosts, tenant: tenant).line)
                    summary.allowLists += 1
                }
                for webhook in try await tx.webhooks(tenant: tenant) {
                    try await sink(SnapshotRecord.webhook(webhook).line)
                    summary.webhooks += 1
                }
            }
            summary.deliveries = try await Self.pages(
                { try await tx.snapshotDeliveries(after: $0, limit: $1) }, { RowPosition(tenant: $0.tenant, id: $0.id) }
            ) { try await sink(SnapshotRecord.delivery($0).line) }
            var after: Int64 = 0
            while true {
                let events = try await tx.snapshotEvents(after: after, limit: 1000)
                for event in events { try await sink(SnapshotRecord.event(event).line) }
                summary.events += events.count
                guard let last = events.last, events.count == 1000 else { break }
                after = last.id
            }
            try await sink(SnapshotRecord.end(summary).line)
            return summary
        }
    }

    private static func pages<Item>(
        _ fetch: (RowPosition?, Int) async throws -> [Item], _ position: (Item) -> RowPosition,
        _ emit: (Item) async throws -> Void
    ) async throws -> Int {
        var after: RowPosition?
        var count = 0
        while true {
            let page = try await fetch(after, 1000)
            for item in page { try await emit(item) }
            count += page.count
            guard let last = page.last, page.count == 1000 else { return count }
            after = position(last)
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
                switch record {
                case .header:
                    throw AgenticError(code: .validationFailed, status: 422, detail: "Snapshot line \(number): a second header")
                case .tenant(let name, let createdAt):
                    try await tx.ensureTenant(name: name, createdAt: createdAt)
                    summary.tenants += 1
                case .key(let key):
                    try await tx.insertKey(key)
                    summary.keys += 1
                case .agent(var agent):
                    agent.refreshLimits()
                    try await tx.insertAgent(agent)
                    try await tx.restoreUsage(of: agent)
                    summary.agents += 1
                case .goal(var goal):
                    if let parent = goal.parentGoalID { parents.append((goal.id, goal.tenant, parent)) }
                    goal.parentGoalID = nil
                    goal.refreshDerived()
                    try await tx.insertGoal(goal)
                    try await tx.restoreUsage(of: goal)
                    summary.goals += 1
                case .plan(let plan):
                    try await tx.insertPlan(plan)
                    try await tx.restoreUsage(of: plan)
                    summary.plans += 1
                case .task(let task):
                    try await tx.importTask(task)
                    summary.tasks += 1
                case .schedule(let schedule):
                    try await tx.importRow(schedule)
                    summary.schedules += 1
                case .settings(let settings, let tenant):
                    try await tx.putTenantSettings(settings, tenant: tenant)
                    summary.settings += 1
                case .rateLimit(let limit):
                    try await tx.importRateLimit(limit)
                    summary.rateLimits += 1
                case .concurrencyLimit(let limit):
                    try await tx.importRow(limit)
                    summary.concurrencyLimits += 1
                case .allowedHosts(let hosts, let tenant):
                    try await tx.putWebhookAllowedHosts(hosts, tenant: tenant)
                    summary.allowLists += 1
                case .webhook(let webhook):
                    try await tx.importRow(webhook)
                    summary.webhooks += 1
                case .delivery(let delivery):
                    // A delivery claimed at export time is due again: its claim went with the old database.
                    try await tx.importRow(delivery)
                    summary.deliveries += 1
                case .event(let event):
                    try await tx.importEvent(event)
                    summary.events += 1
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
