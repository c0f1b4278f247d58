import AgenticCore

/// Where a store's workflows read the time: when a lease ends, a delay passes, a retry may start.
/// Every server uses the system's clock. Tests of those rules open a store with a clock of their own
/// (one they move by hand, defined in the tests): there is no setting, flag or request that gives a
/// running server another clock.
public protocol WallClock: Sendable {
    func now() -> Timestamp
}

public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Timestamp { .now() }
}
