/// Lifecycle statuses and the moves allowed between them. Setting a status to its current value is
/// always allowed (a no-op); these rules are the single source both stores and the server use.
public protocol LifecycleStatus: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == String {
    /// Statuses nothing may leave.
    var isTerminal: Bool { get }
}

extension LifecycleStatus {
    /// Whether a resource in `self` may move to `next`.
    public func canMove(to next: Self) -> Bool {
        self == next || !isTerminal
    }

    public static var terminalStatuses: [Self] { allCases.filter(\.isTerminal) }
    public static var openStatuses: [Self] { allCases.filter { !$0.isTerminal } }
}

/// `created active idle busy suspended terminated error`; only `terminated` is final.
public enum AgentStatus: String, LifecycleStatus {
    case created, active, idle, busy, suspended, terminated, error
    public var isTerminal: Bool { self == .terminated }

    /// A terminated agent claims no more work.
    public var canTakeWork: Bool { self != .terminated }
}

/// `pending active completed failed cancelled`.
public enum GoalStatus: String, LifecycleStatus {
    case pending, active, completed, failed, cancelled
    public var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }

    /// A final goal takes no new plans.
    public var acceptsPlans: Bool { !isTerminal }
}

/// `draft active completed failed cancelled`.
public enum PlanStatus: String, LifecycleStatus {
    case draft, active, completed, failed, cancelled
    public var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }

    /// A final plan takes no new tasks, and its tasks are never handed out.
    public var acceptsTasks: Bool { !isTerminal }
}

/// `pending running completed failed blocked skipped cancelled awaiting_approval`.
public enum TaskStatus: String, LifecycleStatus {
    case pending, running, completed, failed, blocked, skipped, cancelled
    /// Waits for a person's decision (`approve`, `reject`) before it may be claimed.
    case awaitingApproval = "awaiting_approval"
    public var isTerminal: Bool { self == .completed || self == .failed || self == .skipped || self == .cancelled }

    /// Whether a task in `self` may move to `next`. `awaiting_approval` is entered only by asking
    /// (created so, or `request-approval`) and left only by a decision or a cancellation: no PATCH
    /// can skip the approval.
    public func canMove(to next: TaskStatus) -> Bool {
        if self == next { return true }
        if isTerminal { return false }
        if self == .awaitingApproval { return next == .cancelled }
        return next != .awaitingApproval
    }

    /// Entering these needs every dependency `completed` first.
    public var needsDependenciesCompleted: Bool { self == .running || self == .completed }

    /// A task's `depends_on` may change only while it waits.
    public var dependenciesCanChange: Bool { self == .pending || self == .blocked || self == .awaitingApproval }

    /// Ended without completing: its dependents can never run (they are skipped), and it may be
    /// retried (`POST /tasks/{id}/retry`).
    public var endedWithoutCompleting: Bool { self == .failed || self == .skipped || self == .cancelled }
}

extension AgenticError {
    public static func invalidTransition<S: LifecycleStatus>(_ kind: ResourceKind, from: S, to: S) -> AgenticError {
        .conflict(
            .invalidTransition,
            "\(kind.singular) status cannot change from `\(from.rawValue)` to `\(to.rawValue)`: "
                + (from.isTerminal
                    ? "`\(from.rawValue)` is final"
                    : "`awaiting_approval` is entered only by asking for approval and left only by approve, reject or cancel"))
    }
}
