import AgenticCore
import Foundation

extension TransactionalStore {
    /// Hands up to `limit` ready tasks to `agent_id`, each with a lease. Safe under any number of
    /// concurrent claimers on any number of instances: a task goes to one claimer only.
    public func claimTasks(_ request: ClaimRequest, by caller: Caller) async throws -> [PlanTask] {
        try await withRateTokens(for: request, tenant: caller.tenant) { tokens in
            try await write { tx in
                let now = clock.now()
                var log = ChangeLog()
                let claimed = try await tx.claim(request, tenant: caller.tenant, at: now, log: &log, tokens: tokens)
                guard !claimed.isEmpty else { return [] }
                try await tx.commit(log, by: caller, at: now)
                return claimed
            }
        } claimed: { $0 }
    }

    /// Runs a claim with the rate tokens it may spend: taken before the claim's transaction, in a
    /// short statement of their own (so the bucket's row is never held through a claim), and what
    /// the claim did not use — all of them when it failed — put back after. Without a claim, or
    /// with no rate limit it could meet, `body` gets no tokens to spend and nothing is taken or put
    /// back: which types have limits is remembered for a second (`RateLimitDirectory`), so such a
    /// claim costs nothing extra. A limit set through another instance applies within that second.
    func withRateTokens<T: Sendable>(
        for request: ClaimRequest?, tenant: String, _ body: (RateTokens) async throws -> T, claimed: (T) -> [PlanTask]
    ) async throws -> T {
        guard let request else { return try await body(RateTokens()) }
        // Most claims meet no rate limit, and then cost neither a write nor (mostly) a read.
        let limited = try await rateLimitDirectory.types(tenant: tenant) {
            try await read { tx in try await tx.rateLimits(taskType: nil, tenant: tenant) }.map(\.taskType)
        }
        let wanted = request.taskTypes.map { types in limited.filter { types.contains($0) } } ?? limited
        guard !wanted.isEmpty else { return try await body(RateTokens()) }
        // Tokens are not worth a disk flush while the bucket's row is locked (see `relaxDurability`).
        let taken = try await write { tx in
            try await tx.relaxDurability()
            return try await tx.takeRateTokens(types: wanted, limit: request.limit, tenant: tenant, at: clock.now())
        }
        let tokens = RateTokens(taken: taken)
        guard !taken.isEmpty else { return try await body(tokens) }
        let putBack = { (unused: [String: Int]) in
            try await self.write { tx in
                try await tx.relaxDurability()
                try await tx.returnRateTokens(unused, tenant: tenant)
            }
        }
        let result: T
        do {
            result = try await body(tokens)
        } catch {
            try? await putBack(taken)
            throw error
        }
        let unused = tokens.unused(after: claimed(result))
        if !unused.isEmpty { try await putBack(unused) }
        return result
    }

    /// Extends the caller's lease (by `lease_seconds`, default 60, from now), never past the attempt's
    /// deadline (`timeout_seconds` after it started).
    public func heartbeat(_ id: UUID, _ request: HeartbeatRequest, by caller: Caller) async throws -> PlanTask {
        try await write { tx in
            let now = clock.now()
            var task = try await tx.leasedTask(id, agent: request.agentID, tenant: caller.tenant, at: now)
            task.extendLease(by: request.leaseSeconds ?? 60, at: now)
            task.bumpVersion(at: now)
            try await tx.updateTask(task)
            var log = ChangeLog()
            log.record(EventType.taskHeartbeat, task)
            try await tx.commit(log, by: caller, at: now)
            return task
        }
    }

    /// Gives the caller's task back unfinished: `pending` again at once, the attempt not counted
    /// (`task.released`). For a worker that stops before it is done.
    public func releaseTask(_ id: UUID, _ request: ReleaseRequest, by caller: Caller) async throws -> PlanTask {
        try await write { tx in
            let now = clock.now()
            var task = try await tx.leasedTask(id, agent: request.agentID, tenant: caller.tenant, at: now)
            try task.release(at: now)
            task.bumpVersion(at: now)
            try await tx.updateTask(task)
            var log = ChangeLog()
            log.record(EventType.taskReleased, task)
            try await tx.commit(log, by: caller, at: now)
            return task
        }
    }

    /// Completes the caller's task with its outputs; dependents may become ready, the plan may finish.
    public func completeTask(_ id: UUID, _ request: CompleteRequest, by caller: Caller) async throws -> TaskOutcome {
        try await withRateTokens(for: request.claimNext, tenant: caller.tenant) { tokens in
          try await write { tx in
            let now = clock.now()
            var task = try await tx.leasedTask(id, agent: request.agentID, tenant: caller.tenant, at: now)
            if let outputs = request.outputs { task.outputs = outputs }
            try task.move(to: .completed, at: now)
            var log = ChangeLog()
            if let usage = request.usage { try await tx.recordUsage(usage, task: &task, agent: request.agentID, at: now, log: &log) }
            task.bumpVersion(at: now)
            try await tx.updateTask(task)
            log.events.insert(EventDraft(EventType.taskCompleted, task), at: 0)
            try await tx.settle(moved: [task], tenant: caller.tenant, at: now, log: &log)
            var next: [PlanTask]?
            if let claimNext = request.claimNext {
                next = try await tx.claim(claimNext, tenant: caller.tenant, at: now, log: &log, tokens: tokens)
            }
            try await tx.commit(log, by: caller, at: now)
            return TaskOutcome(task: task, next: next)
          }
        } claimed: { $0.next ?? [] }
    }

    /// Records a failed attempt: back to `pending` while retryable attempts remain, else `failed`
    /// (and its dependents are skipped).
    public func failTask(_ id: UUID, _ request: FailRequest, by caller: Caller) async throws -> TaskOutcome {
        try await withRateTokens(for: request.claimNext, tenant: caller.tenant) { tokens in
          try await write { tx in
            let now = clock.now()
            var task = try await tx.leasedTask(id, agent: request.agentID, tenant: caller.tenant, at: now)
            task.error = request.error
            let next = task.statusAfterFailure(retryable: request.retryable)
            try task.move(to: next, at: now)
            if next == .pending {
                let fallback = task.retryPolicy == nil ? try await tx.tenantSettings(tenant: caller.tenant).defaultRetryPolicy : nil
                task.scheduleRetry(at: now, random: .random(in: 0..<1), fallback: fallback)
            }
            var log = ChangeLog()
            if let usage = request.usage { try await tx.recordUsage(usage, task: &task, agent: request.agentID, at: now, log: &log) }
            task.bumpVersion(at: now)
            try await tx.updateTask(task)
            if task.isDeferred(at: now) { try await tx.setDeferred(id, tenant: caller.tenant, true) }
            log.events.insert(EventDraft(next == .failed ? EventType.taskFailed : EventType.taskRetried, task), at: 0)
            if next == .failed { try await tx.settle(moved: [task], tenant: caller.tenant, at: now, log: &log) }
            var claimed: [PlanTask]?
            if let claimNext = request.claimNext {
                claimed = try await tx.claim(claimNext, tenant: caller.tenant, at: now, log: &log, tokens: tokens)
            }
            try await tx.commit(log, by: caller, at: now)
            return TaskOutcome(task: task, next: claimed)
          }
        } claimed: { $0.next ?? [] }
    }

    /// Records a step the lease holder reports: a `task.progress` event, and nothing else — no new
    /// version, no new ETag. The task is locked while the report goes in, so its lease cannot end
    /// first (a report never lands after the task's end) and one task's reports are counted one
    /// at a time on every instance: at most `ProgressRequest.perSecond` in any second, else 429.
    /// The lease is checked first, so nobody but the holder can use up the holder's allowance.
    public func reportProgress(_ id: UUID, _ request: ProgressRequest, by caller: Caller) async throws -> Event {
        try await write { tx in
            let now = clock.now()
            _ = try await tx.leasedTask(id, agent: request.agentID, tenant: caller.tenant, at: now)
            let recent = try await tx.latestEventTimes(
                about: id, type: EventType.taskProgress, limit: ProgressRequest.perSecond, tenant: caller.tenant)
            if let wait = ProgressRequest.wait(after: recent, now: now) {
                throw AgenticError(
                    code: .rateLimited, status: 429,
                    detail: "At most \(ProgressRequest.perSecond) progress reports per second per task; retry after \(wait) s",
                    retryAfterSeconds: wait)
            }
            let draft = EventDraft(type: EventType.taskProgress, resourceID: id, data: request.eventData(task: id))
            return try await tx.appendEvent(draft, tenant: caller.tenant, actor: caller.keyID, at: now)
        }
    }

    /// Cancels the task (its dependents are skipped). A task already final is returned unchanged.
    public func cancelTask(_ id: UUID, by caller: Caller) async throws -> PlanTask {
        try await cancel(id, by: caller).task
    }

    /// `cancelTask`, also saying whether the task changed (it had not ended yet).
    func cancel(_ id: UUID, by caller: Caller) async throws -> (task: PlanTask, changed: Bool) {
        try await write { tx in
            let now = clock.now()
            guard var task = try await tx.task(id, tenant: caller.tenant, lock: .update) else {
                throw AgenticError.notFound(.task, id.lowercased)
            }
            guard !task.status.isTerminal else { return (task, false) }
            try task.move(to: .cancelled, at: now)
            task.bumpVersion(at: now)
            try await tx.updateTask(task)
            var log = ChangeLog()
            log.record(EventType.taskCancelled, task)
            try await tx.settle(moved: [task], tenant: caller.tenant, at: now, log: &log)
            try await tx.commit(log, by: caller, at: now)
            return (task, true)
        }
    }

    /// The sweeper's step: tasks whose lease ran out go back to `pending` (after their retry policy's
    /// backoff, or the tenant's default policy's), or to `failed` when their attempts are used up. An attempt that reached its deadline
    /// (`timeout_seconds` after it started) is `task.timed_out`, one whose worker stopped
    /// heartbeating `task.lease_expired`. Each tenant's events are recorded with actor `system`.
    public func expireLeases(limit: Int) async throws -> Int {
        try await write { tx in
            let now = clock.now()
            let expired = try await tx.expiredLeases(at: now, limit: limit)
            guard !expired.isEmpty else { return 0 }
            var logs: [String: ChangeLog] = [:]
            var failed: [String: [PlanTask]] = [:]
            var settings: [String: TenantSettings] = [:]
            for var task in expired {
                let timedOut = task.timedOut(at: now)
                let next = task.statusAfterFailure(retryable: true)
                try task.move(to: next, at: now)
                if next == .failed {
                    task.error = timedOut
                        ? ["reason": "timed_out", "message": "the attempt ran past timeout_seconds and no attempts are left"]
                        : ["reason": "lease_expired", "message": "the lease expired and no attempts are left"]
                    failed[task.tenant, default: []].append(task)
                } else {
                    if task.retryPolicy == nil, settings[task.tenant] == nil {
                        settings[task.tenant] = try await tx.tenantSettings(tenant: task.tenant)
                    }
                    task.scheduleRetry(at: now, random: .random(in: 0..<1), fallback: settings[task.tenant]?.defaultRetryPolicy)
                }
                task.bumpVersion(at: now)
                try await tx.updateTask(task)
                if task.isDeferred(at: now) { try await tx.setDeferred(task.id, tenant: task.tenant, true) }
                logs[task.tenant, default: ChangeLog()].record(timedOut ? EventType.taskTimedOut : EventType.taskLeaseExpired, task)
            }
            for tenant in logs.keys.sorted() {
                var log = logs[tenant]!
                try await tx.settle(moved: failed[tenant] ?? [], tenant: tenant, at: now, log: &log)
                try await tx.commit(log, by: .system(tenant: tenant), at: now)
            }
            return expired.count
        }
    }
}

extension TransactionalStore {
    /// The sweeper's step for `schedule_to_start_seconds`: a ready task no worker claimed in time
    /// fails (`task.expired`, actor `system`) and its dependents are skipped.
    public func expireUnstartedTasks(limit: Int) async throws -> Int {
        try await write { tx in
            let now = clock.now()
            let due = try await tx.unstartedPastDeadline(at: now, limit: limit)
            var logs: [String: ChangeLog] = [:]
            var failed: [String: [PlanTask]] = [:]
            for var task in due {
                try task.expireUnstarted(at: now)
                task.bumpVersion(at: now)
                try await tx.updateTask(task)
                logs[task.tenant, default: ChangeLog()].record(EventType.taskExpired, task)
                failed[task.tenant, default: []].append(task)
            }
            for tenant in logs.keys.sorted() {
                var log = logs[tenant]!
                try await tx.settle(moved: failed[tenant] ?? [], tenant: tenant, at: now, log: &log)
                try await tx.commit(log, by: .system(tenant: tenant), at: now)
            }
            return due.count
        }
    }

    /// The sweeper's other step: delayed tasks and retries whose `not_before` has come become ready.
    public func releaseDueTasks(limit: Int) async throws -> Int {
        try await write { tx in try await tx.releaseDueTasks(at: clock.now(), limit: limit) }
    }
}

extension StoreTransaction {
    /// Hands up to `request.limit` ready tasks to its agent, each with a lease, recording the events
    /// in `log` (the caller commits).
    ///
    /// The worker is checked by the same statement that finds the work; only when it found none is
    /// the worker looked at again, to say why (422 unknown agent, 409 terminated) or to answer none.
    func claim(
        _ request: ClaimRequest, tenant: String, at now: Timestamp, log: inout ChangeLog, tokens: RateTokens
    ) async throws -> [PlanTask] {
        // Rate-limited types the claim got no token for are passed over from the start.
        var full = ClaimExclusions(taskTypes: tokens.exhausted)
        var request = request
        var found = try await claimable(request, tenant: tenant, excluding: full)
        guard !found.isEmpty else {
            try await requireWorker(request.agentID, tenant: tenant)
            return []
        }
        // An agent's `max_concurrent_tasks`: its claims take turns, each counting what it holds.
        if let cap = found.first?.agentCap {
            try await serialize(.agentClaims(tenant: tenant, agent: request.agentID))
            let held = try await tasks(leasedBy: request.agentID, tenant: tenant, lock: .none).count
            let room = max(0, Int(cap) - held)
            guard room > 0 else { return [] }
            request.limit = min(request.limit, room)
            found = Array(found.prefix(room))
        }
        var claimed: [PlanTask] = []
        var batch = found
        var tokens = tokens
        // Candidates of a full concurrency key or of a goal at its `max_parallelism` are passed
        // over; then the claim looks again past the full ones (a few times at most), so a full
        // key's or goal's backlog at the head of the queue never starves other work. A claim that
        // meets no limit makes one statement, as before.
        for attempt in 0..<4 {
            let admission = try await admitUnderLimits(batch, tenant: tenant, tokens: &tokens)
            for var task in admission.admitted {
                task.agentID = request.agentID
                try task.move(to: .running, at: now, leaseSeconds: request.leaseSeconds)
                task.bumpVersion(at: now)
                try await updateTask(task)
                log.record(EventType.taskClaimed, task)
                claimed.append(task)
            }
            full.formUnion(admission.full)
            // Another look only when some were passed over and more are wanted; the claimed tasks
            // are `running` by now, so it cannot find them again.
            guard attempt < 3, admission.admitted.count < batch.count, claimed.count < request.limit else { break }
            var rest = request
            rest.limit = request.limit - claimed.count
            batch = try await claimable(rest, tenant: tenant, excluding: full)
            guard !batch.isEmpty else { break }
            found += batch
        }
        // Only a plan still `draft` moves (and is locked); a busy plan's claims leave it alone.
        let claimedIDs = Set(claimed.map(\.id))
        let drafts = found.filter { $0.planStatus == .draft && claimedIDs.contains($0.task.id) }.map(\.task.planID)
        try await activate(Set(drafts), tenant: tenant, at: now, log: &log)
        return claimed
    }

    /// Of the candidates, those the limits let run: the concurrency limits of their keys, their
    /// goals' `max_parallelism`, then the rate tokens of their types (spent only on what the other
    /// limits let through). Each concurrency limit and goal is locked (keys in key order, then goals
    /// in id order) before its running tasks are counted, so two claims under one limit count each
    /// other's and never pass it together. Candidates under no limit cost nothing. Also returns
    /// what it found full, for the claim's second look.
    func admitUnderLimits(
        _ candidates: [ClaimableTask], tenant: String, tokens: inout RateTokens
    ) async throws -> (admitted: [PlanTask], full: ClaimExclusions) {
        let byKeys = try await admitUnderConcurrencyLimits(candidates.map(\.task), tenant: tenant)
        let admittedIDs = Set(byKeys.admitted.map(\.id))
        let remaining = candidates.filter { admittedIDs.contains($0.task.id) }
        var full = ClaimExclusions(keys: byKeys.full.sorted())
        var byGoals = remaining
        let capped = Set(remaining.filter { $0.goalCap != nil }.map(\.goalID)).sorted { $0.uuidString < $1.uuidString }
        if !capped.isEmpty {
            // Locked, the goals say their cap as it is now (an admin may have just changed it).
            let goals = try await self.goals(capped, tenant: tenant, lock: .update)
            let running = try await runningCounts(ofGoals: capped, tenant: tenant)
            var free: [UUID: Int64] = [:]
            for goal in goals {
                if let cap = goal.constraints.maxParallelism { free[goal.id] = cap - running[goal.id, default: 0] }
            }
            let admission = Slots.admit(remaining, free: free) { $0.goalID }
            byGoals = admission.admitted
            full.goals = admission.full.sorted { $0.uuidString < $1.uuidString }
        }
        let admitted = tokens.spend(on: byGoals) { $0.task.taskType }
        full.taskTypes = tokens.exhausted
        return (admitted.map(\.task), full)
    }

    /// Of the candidates, those the concurrency limits of their keys let run: the limits are locked
    /// (in key order), then the keys' running tasks counted, so two claims of one key count each
    /// other's and never pass the limit together. Candidates without a limited key cost nothing.
    /// Also returns the keys found full, for the claim's second look.
    func admitUnderConcurrencyLimits(_ candidates: [PlanTask], tenant: String) async throws -> (admitted: [PlanTask], full: Set<String>) {
        let named: [JSONKey] = candidates.compactMap { task in task.concurrencyKey.map { JSONKey($0) } }
        let keys: [String] = Set(named).sorted().map { $0.string }
        guard !keys.isEmpty else { return (candidates, []) }
        let limits = try await lockConcurrencyLimits(keys, tenant: tenant)
        guard !limits.isEmpty else { return (candidates, []) }
        let running = try await runningCounts(limits.keys.map { $0.string }, tenant: tenant)
        var free: [JSONKey: Int64] = [:]
        for (key, maxRunning) in limits { free[key] = maxRunning - running[key, default: 0] }
        return ConcurrencyLimit.admit(candidates, free: free)
    }

    /// The task, locked, if `agent` holds its lease now; else 404 (unknown) or 409 `lease_lost`.
    func leasedTask(_ id: UUID, agent: UUID, tenant: String, at now: Timestamp) async throws -> PlanTask {
        guard let task = try await task(id, tenant: tenant, lock: .update) else {
            throw AgenticError.notFound(.task, id.lowercased)
        }
        guard task.isLeased(by: agent, at: now) else {
            let why: String
            if task.status != .running {
                why = "the task is `\(task.status.rawValue)`"
            } else if task.agentID != agent {
                why = "another agent holds the lease"
            } else {
                why = "the lease expired"
            }
            throw AgenticError.conflict(.leaseLost, "Agent \(agent.lowercased) does not hold the lease on task \(id.lowercased): \(why)")
        }
        return task
    }

    /// A claimer must be an agent of the tenant that can take work. Read `FOR SHARE`: the agent cannot
    /// be terminated or deleted until the claim has committed.
    func requireWorker(_ agentID: UUID, tenant: String) async throws {
        guard let agent = try await agent(agentID, tenant: tenant, lock: .share) else {
            throw AgenticError.validation(field: "agent_id", "does not name an agent")
        }
        if !agent.status.canTakeWork {
            throw AgenticError.conflict(.invalidTransition, "Agent \(agentID.lowercased) is terminated and cannot take work")
        }
    }
}
