/// Resources with an optimistic-concurrency version (`ETag: "<version>"`).
public protocol Versioned {
    var version: Int64 { get }
}

extension Agent: Versioned {}
extension Goal: Versioned {}
extension Plan: Versioned {}
extension PlanTask: Versioned {}
