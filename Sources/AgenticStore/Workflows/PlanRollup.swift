import AgenticCore
import Foundation
import Synchronization

/// A plan whose tasks moved in a committed transaction, waiting to be rolled up: who moved them, so
/// the plan's own event names the same actor.
struct PendingRollup: Hashable, Sendable {
    var tenant: String
    var plan: UUID
    var actor: String
}

/// The plans one transaction's task changes may have finished, handed to the store at commit.
///
/// Why after the commit and not inside the transaction: deciding "no task of this plan is open any
/// more" inside each task's transaction needs every finishing task to lock the plan (or the last
/// few would each see the others still open and none would finish it) — and that one lock, held
/// through the commit, made every task of a busy plan wait for the previous one. Checked after the
/// commit instead, the last task to commit always sees every other one committed: its check finds
/// nothing open and rolls the plan up, locking it then (once per plan, not per task). Two checkers
/// that both see nothing open both lock the plan; the second finds it final and does nothing.
/// A crash between the commit and the roll-up leaves the plan open with nothing to do: the
/// maintenance sweep (`rollUpFinishedPlans`) finds such plans and finishes them.
public final class RollupQueue: Sendable {
    private let pending = Mutex<[PendingRollup]>([])

    public init() {}

    func add(_ plans: Set<UUID>, tenant: String, actor: String) {
        guard !plans.isEmpty else { return }
        pending.withLock { pending in
            for plan in plans.sorted(by: { $0.uuidString < $1.uuidString }) {
                pending.append(PendingRollup(tenant: tenant, plan: plan, actor: actor))
            }
        }
    }

    /// Empties the queue (a retried transaction starts afresh).
    func reset() -> RollupQueue {
        pending.withLock { $0.removeAll() }
        return self
    }

    /// What was queued, in order, without repeats; the queue is left empty.
    func take() -> [PendingRollup] {
        pending.withLock { pending in
            var seen = Set<PendingRollup>()
            defer { pending.removeAll() }
            return pending.filter { seen.insert($0).inserted }
        }
    }
}

extension TransactionalStore {
    /// Rolls up the plans a committed write touched: a plan none of whose tasks is open any more takes
    /// its final status (and its goal follows), in a transaction of its own. The check is one index
    /// probe; only a plan that looks finished is locked.
    ///
    /// A failure here (the database went away just after the commit) is not the request's: its
    /// change is committed. The plan stays open until the maintenance sweep rolls it up.
    func rollUp(_ queue: RollupQueue) async {
        await rollUp(queue.take())
    }

    func rollUp(_ pending: [PendingRollup]) async {
        for item in pending {
            do {
                let open = try await read { tx in try await tx.hasOpenTasks(plan: item.plan, tenant: item.tenant) }
                if open { continue }
                try await write { tx in
                    let now = clock.now()
                    var log = ChangeLog()
                    try await tx.settlePlans([item.plan], tenant: item.tenant, at: now, log: &log)
                    try await tx.commit(log, by: Caller(tenant: item.tenant, keyID: item.actor), at: now)
                }
            } catch {
                continue
            }
        }
    }

    /// The maintenance sweep's half of the roll-up: plans still open although none of their tasks is
    /// (their roll-up was lost to a crash or an outage right after the commit), finished now.
    /// Returns how many plans it looked at.
    public func rollUpFinishedPlans(limit: Int) async throws -> Int {
        let stale = try await read { tx in try await tx.finishedOpenPlans(limit: limit) }
        await rollUp(stale.map { PendingRollup(tenant: $0.tenant, plan: $0.plan, actor: "system") })
        return stale.count
    }
}
