import AgenticCore
import Foundation
import SQLiteNIO
import Synchronization

/// The `/stats` counters of the embedded store. Its triggers call `agentic_count(kind, tenant,
/// old_status, new_status, old_ready, new_ready)` for every row of `tasks` and `agents` that appears,
/// goes or changes status (or readiness); the function notes the changes here, and they are written
/// to `counters` with one statement just before the transaction commits.
///
/// Why not write them from the triggers: SQLite compiles a statement's triggers into it, and
/// SQLiteNIO prepares every statement afresh, so each trigger statement was compiled again on every
/// task update — 40–60 µs each, a quarter of the embedded store's throughput. A function call costs
/// a few microseconds. A request whose savepoint is rolled back drops its own changes (`mark`,
/// `rollBack(to:)`); a transaction that does not commit drops them all.
final class SQLiteCounters: Sendable {
    private struct Change {
        var tenant: String
        var name: String
        var bucket: Int64
        var delta: Int64
    }

    private let changes = Mutex<[Change]>([])

    /// The function the triggers call, to install on the writer (`indirect`: callable from triggers).
    var function: SQLiteCustomFunction {
        SQLiteCustomFunction("agentic_count", argumentCount: 6, pure: false, indirect: true) { [self] args in
            self.note(args)
            return nil as Int?
        }
    }

    /// Where the changes of the request about to run start.
    var mark: Int { changes.withLock { $0.count } }

    func rollBack(to mark: Int) {
        changes.withLock { $0.removeSubrange(min(mark, $0.count)...) }
    }

    func discardAll() {
        changes.withLock { $0.removeAll(keepingCapacity: true) }
    }

    private func note(_ args: [SQLiteData]) {
        guard args.count == 6, let kind = args[0].string, let tenant = args[1].string else { return }
        let old = args[2].string
        let new = args[3].string
        var noted: [Change] = []
        if old != new {
            if let old { noted.append(Change(tenant: tenant, name: "\(kind).\(old)", bucket: 0, delta: -1)) }
            if let new { noted.append(Change(tenant: tenant, name: "\(kind).\(new)", bucket: 0, delta: 1)) }
        }
        let ready = (args[5].integer ?? 0) - (args[4].integer ?? 0)
        if ready != 0 { noted.append(Change(tenant: tenant, name: "task.ready", bucket: 0, delta: Int64(ready))) }
        if kind == "task", let old, let new, let activity = Self.activity(from: old, to: new) {
            let bucket = Int64(Date().timeIntervalSince1970) / TenantStatistics.bucketSeconds
            noted.append(Change(tenant: tenant, name: activity, bucket: bucket, delta: 1))
        }
        guard !noted.isEmpty else { return }
        changes.withLock { $0 += noted }
    }

    /// The attempt a status change starts or ends, as the activity counters name it.
    static func activity(from old: String, to new: String) -> String? {
        guard old != new else { return nil }
        if new == TaskStatus.running.rawValue { return "claims" }
        guard old == TaskStatus.running.rawValue else { return nil }
        if new == TaskStatus.completed.rawValue { return "completions" }
        if new == TaskStatus.pending.rawValue || new == TaskStatus.failed.rawValue { return "failures" }
        return nil
    }

    /// Writes what was noted (summed per counter) inside the open transaction, and forgets it.
    func flush(on connection: SQLiteConnection) async throws {
        let noted = changes.withLock { changes in
            defer { changes.removeAll(keepingCapacity: true) }
            return changes
        }
        guard !noted.isEmpty else { return }
        var sums: [String: (Change, Int64)] = [:]
        for change in noted {
            let key = "\(change.tenant)\u{0}\(change.name)\u{0}\(change.bucket)"
            sums[key, default: (change, 0)].1 += change.delta
        }
        var w = JSONWriter(capacity: 64 * sums.count)
        w.beginArray()
        for (change, delta) in sums.values where delta != 0 {
            w.beginArray()
            w.string(change.tenant)
            w.string(change.name)
            w.int(change.bucket)
            w.int(delta)
            w.endArray()
        }
        w.endArray()
        _ = try await connection.query(
            """
            INSERT INTO counters (tenant, name, bucket, slot, n)
            SELECT value ->> 0, value ->> 1, value ->> 2, 0, value ->> 3 FROM json_each(?1) WHERE true
            ON CONFLICT (tenant, name, bucket, slot) DO UPDATE SET n = n + excluded.n
            """, [.text(String(decoding: w.bytes, as: UTF8.self))])
    }
}
