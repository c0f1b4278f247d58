import Foundation

/// A spending limit: tokens (input and output together) and money. Reached — the usage is at or
/// past either — claims stop handing out the work it covers.
public struct Budget: Sendable, Equatable {
    public var maxTokens: Int64?
    public var maxCostUSD: Double?

    public init(maxTokens: Int64? = nil, maxCostUSD: Double? = nil) {
        self.maxTokens = maxTokens
        self.maxCostUSD = maxCostUSD
    }

    public var isLimited: Bool { maxTokens != nil || maxCostUSD != nil }

    public func isExhausted(by usage: Usage) -> Bool {
        if let maxTokens, usage.totalTokens >= maxTokens { return true }
        if let maxCostUSD, usage.costUSD >= maxCostUSD { return true }
        return false
    }
}

/// The members of a plan's `resource_budget` the server enforces; other members stay free-form.
public struct PlanBudget: DescribedObject, Equatable, ExactEquatable {
    public var maxTokens: Int64?
    public var maxCostUSD: Double?

    public init() {}

    public static let fields = ResourceDescription<PlanBudget>([
        .init("max_tokens", \.maxTokens, .optional(.integer(0...Usage.maxTokens)), .always),
        .init("max_cost_usd", \.maxCostUSD, .optional(.number(0...Usage.maxCostUSD)), .always),
    ])

    /// The budget a stored `resource_budget` sets (members that are not numbers set none).
    public static func budget(of object: JSONObject) -> Budget {
        Budget(maxTokens: object[JSONKey("max_tokens")]?.intValue, maxCostUSD: object[JSONKey("max_cost_usd")]?.doubleValue)
    }
}

/// The members of an agent's `resource_limits` the server enforces; other members stay free-form.
public struct AgentLimits: DescribedObject, Equatable, ExactEquatable {
    public var maxTokens: Int64?
    public var maxCostUSD: Double?
    /// At most this many tasks held at once: a claim hands out no more.
    public var maxConcurrentTasks: Int64?

    public init() {}

    public static let fields = ResourceDescription<AgentLimits>([
        .init("max_tokens", \.maxTokens, .optional(.integer(0...Usage.maxTokens)), .always),
        .init("max_cost_usd", \.maxCostUSD, .optional(.number(0...Usage.maxCostUSD)), .always),
        .init("max_concurrent_tasks", \.maxConcurrentTasks, .optional(.integer(1...10_000)), .always),
    ])

    public static func budget(of object: JSONObject) -> Budget {
        PlanBudget.budget(of: object)
    }

    public static func maxConcurrentTasks(of object: JSONObject) -> Int64? {
        object[JSONKey("max_concurrent_tasks")]?.intValue
    }
}

/// What a resource's budget is, and whether its usage has reached it. Claims pass over the work of a
/// goal, plan or agent whose `budget_exhausted` is set; the flag follows the usage as completions
/// and failures report it, and the budget as an admin changes it.
public protocol Budgeted {
    var usage: Usage { get set }
    var budgetExhausted: Bool { get set }
    var budget: Budget { get }
    /// `<kind>.budget_exhausted`.
    static var budgetExhaustedEvent: String { get }
}

extension Budgeted {
    /// Sets `budget_exhausted` from the budget and `usage`; true when it changed.
    public mutating func refreshBudget() -> Bool {
        let exhausted = budget.isExhausted(by: usage)
        guard exhausted != budgetExhausted else { return false }
        budgetExhausted = exhausted
        return true
    }
}

extension Goal: Budgeted {
    public var budget: Budget { Budget(maxTokens: constraints.maxTokenBudget, maxCostUSD: constraints.costLimitUSD) }
    public static let budgetExhaustedEvent = "goal.budget_exhausted"
}

extension Plan: Budgeted {
    public var budget: Budget { PlanBudget.budget(of: resourceBudget) }
    public static let budgetExhaustedEvent = "plan.budget_exhausted"
}

extension Agent: Budgeted {
    public var budget: Budget { AgentLimits.budget(of: resourceLimits) }
    public static let budgetExhaustedEvent = "agent.budget_exhausted"

    /// Keeps `maxConcurrentTasks` in step with `resource_limits`.
    public mutating func refreshLimits() {
        maxConcurrentTasks = AgentLimits.maxConcurrentTasks(of: resourceLimits).flatMap { (1...10_000).contains($0) ? $0 : nil }
    }
}
