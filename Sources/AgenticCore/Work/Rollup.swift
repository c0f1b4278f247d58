/// How plans follow their tasks and goals follow their plans — the rules that make every plan reach a
/// final status instead of hanging in `active`.
public enum Rollup {
    /// Whether a plan may be moved to `completed` by hand: every one of its tasks completed.
    public static func canComplete(_ counts: TaskCounts) -> Bool { counts[.completed] == counts.total }

    /// The final status a plan takes once none of its tasks is open, or nil while some still are (or
    /// when it has no tasks): `completed` when every task completed, `failed` when any failed, else
    /// `cancelled` (tasks cancelled or skipped).
    public static func planStatus(for counts: TaskCounts) -> PlanStatus? {
        guard counts.total > 0, counts.open == 0 else { return nil }
        if counts[.completed] == counts.total { return .completed }
        if counts[.failed] > 0 { return .failed }
        return .cancelled
    }

    /// The status a goal in `current` takes given its plans' statuses, or nil for no change.
    ///
    /// A final goal stays final. A goal becomes `active` once any plan is active. When every plan has
    /// finished, the goal is `completed` if any plan completed (a later plan may succeed where an earlier
    /// one failed), else `failed` if any failed, else `cancelled`.
    public static func goalStatus(current: GoalStatus, plans: [PlanStatus]) -> GoalStatus? {
        guard !current.isTerminal, !plans.isEmpty else { return nil }
        if plans.allSatisfy(\.isTerminal) {
            if plans.contains(.completed) { return .completed }
            if plans.contains(.failed) { return .failed }
            return .cancelled
        }
        if current == .pending, plans.contains(.active) { return .active }
        return nil
    }
}
