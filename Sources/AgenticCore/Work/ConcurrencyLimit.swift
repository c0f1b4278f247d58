/// At most `maxRunning` tasks whose `concurrency_key` is `key` run at once, in a tenant: claims hand
/// out no task of a key at its limit. `running` is counted from the tasks themselves when asked.
public struct ConcurrencyLimit: DescribedObject, Equatable, JSONWritable {
    /// Whose limit it is (not part of its JSON: a caller only ever sees its own tenant's).
    public var tenant = ""
    public var key = ""
    public var maxRunning: Int64 = 1
    public var running: Int64 = 0
    public var createdAt = Timestamp(microseconds: 0)
    public var updatedAt = Timestamp(microseconds: 0)

    public init() {}

    /// `key` comes from the path; `running` is counted from the tasks when read.
    public static let fields = ResourceDescription<ConcurrencyLimit>(
        table: "concurrency_limits",
        [
            .init("tenant", \.tenant, .text(max: Limits.maxIdentifierLength), .hidden),
            .init("key", \.key, .text(min: 1, max: Limits.maxIdentifierLength), .server),
            .init("max_running", \.maxRunning, .integer(maxRunningRange), .always, required: true),
            .init("running", \.running, FieldCodec<Int64>.integer(0...Int64.max).notStored, .server),
            .init("created_at", \.createdAt, .timestamp, .server),
            .init("updated_at", \.updatedAt, .timestamp, .server),
        ])

    public static let maxRunningRange: ClosedRange<Int64> = 1...1_000_000

    /// A key is what a task's `concurrency_key` may be: 1–100 characters.
    public static func checkKey(_ key: String) throws(AgenticError) {
        if case .failure(let problem) = Convert.string(min: 1, max: Limits.maxIdentifierLength)(.string(key)) {
            throw AgenticError.validation(field: "key", problem.message)
        }
    }

    /// The body of `PUT /limits/concurrency/{key}`: `{max_running}`.
    public static func readMaxRunning(_ body: JSONValue) throws(AgenticError) -> Int64 {
        try fields.create(body).value.maxRunning
    }

    /// Of `tasks` (claim candidates, best first), those a claim may take: per key with a limit, no
    /// more than its free slots (`free`, by key — compared by exact scalars, as the databases do);
    /// tasks without a limited key all pass. Also returns the keys left with no free slot.
    public static func admit(_ tasks: [PlanTask], free: [JSONKey: Int64]) -> (admitted: [PlanTask], full: Set<String>) {
        let (admitted, full) = Slots.admit(tasks, free: free) { task in task.concurrencyKey.map { JSONKey($0) } }
        return (admitted, Set(full.map(\.string)))
    }
}

/// Handing out limited slots to claim candidates, best first: what concurrency limits (by key) and
/// goals' `max_parallelism` (by goal) both do.
public enum Slots {
    /// Of `items`, those that fit: an item whose `key` has an entry in `free` takes one of its
    /// slots while any is left; an item with no key, or a key without an entry, always fits.
    /// Also returns the keys left with no free slot.
    public static func admit<Item, Key: Hashable>(
        _ items: [Item], free: [Key: Int64], key: (Item) -> Key?
    ) -> (admitted: [Item], full: Set<Key>) {
        var free = free
        let admitted = items.filter { item in
            guard let key = key(item), let slots = free[key] else { return true }
            guard slots > 0 else { return false }
            free[key] = slots - 1
            return true
        }
        return (admitted, Set(free.filter { $0.value <= 0 }.map(\.key)))
    }
}
