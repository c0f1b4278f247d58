import Foundation

/// Equality as "did this value change?": text compares by exact Unicode scalars (`ExactText`),
/// everything else by `==`. A PATCH from one spelling of "café" to another is a change, not a no-op.
public protocol ExactEquatable {
    func isExactly(_ other: Self) -> Bool
}

extension ExactEquatable where Self: Equatable {
    public func isExactly(_ other: Self) -> Bool { self == other }
}

extension String: ExactEquatable {
    public func isExactly(_ other: String) -> Bool { ExactText.equal(self, other) }
}

extension Array: ExactEquatable where Element: ExactEquatable {
    public func isExactly(_ other: [Element]) -> Bool {
        count == other.count && zip(self, other).allSatisfy { $0.isExactly($1) }
    }
}

extension Optional: ExactEquatable where Wrapped: ExactEquatable {
    public func isExactly(_ other: Wrapped?) -> Bool {
        switch (self, other) {
        case (nil, nil): return true
        case let (a?, b?): return a.isExactly(b)
        default: return false
        }
    }
}

// `JSONValue`'s own `==` is already exact.
extension Dictionary: ExactEquatable where Key == JSONKey, Value == JSONValue {}
extension JSONValue: ExactEquatable {}
extension Int64: ExactEquatable {}
extension Double: ExactEquatable {}
extension Bool: ExactEquatable {}
extension UUID: ExactEquatable {}
extension Timestamp: ExactEquatable {}
extension AgentStatus: ExactEquatable {}
extension GoalStatus: ExactEquatable {}
extension PlanStatus: ExactEquatable {}
extension TaskStatus: ExactEquatable {}
extension Scope: ExactEquatable {}
extension WebhookDelivery.State: ExactEquatable {}

extension GoalConstraints: ExactEquatable {
    /// Holds free text (`forbidden_tools`), so it compares by its canonical JSON bytes.
    public func isExactly(_ other: GoalConstraints) -> Bool { jsonBytes() == other.jsonBytes() }
}
