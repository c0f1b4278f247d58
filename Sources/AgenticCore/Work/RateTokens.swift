/// The rate tokens one claim took before its transaction, by task type (only rate-limited types),
/// and what it has spent of them: one per task of such a type it hands out.
public struct RateTokens: Sendable, Equatable {
    public private(set) var taken: [String: Int]
    public private(set) var spent: [String: Int] = [:]

    public init(taken: [String: Int] = [:]) {
        self.taken = taken
    }

    /// Rate-limited types with no token left to spend: the claim passes their tasks over.
    public var exhausted: [String] {
        taken.filter { $0.value - spent[$0.key, default: 0] <= 0 }.map(\.key).sorted()
    }

    /// Of `items` (candidates, best first), those the tokens cover — a task of a type without a
    /// rate limit always, one of a limited type while its tokens last — spending one per task.
    public mutating func spend<Item>(on items: [Item], taskType: (Item) -> String) -> [Item] {
        var left: [String: Int64] = [:]
        for (type, count) in taken { left[type] = Int64(count - spent[type, default: 0]) }
        let (covered, _) = Slots.admit(items, free: left) { taskType($0) }
        for item in covered where taken[taskType(item)] != nil { spent[taskType(item), default: 0] += 1 }
        return covered
    }

    /// What to put back once the claim is over: the tokens taken beyond the tasks it handed out.
    public func unused(after claimed: [PlanTask]) -> [String: Int] {
        var unused = taken
        for task in claimed where unused[task.taskType] != nil { unused[task.taskType]! -= 1 }
        return unused.filter { $0.value > 0 }
    }
}
