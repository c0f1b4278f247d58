import Foundation

/// A registered agent: who does the work.
public struct Agent: DescribedResource, Equatable {
    public var id = UUID.unset
    public var tenant = ""
    public var did = ""
    public var name = ""
    public var agentType = "general"
    public var status = AgentStatus.created
    public var configuration: JSONObject = [:]
    public var metadata: JSONObject = [:]
    /// Free-form, except `max_tokens`, `max_cost_usd` and `max_concurrent_tasks`, which are enforced.
    public var resourceLimits: JSONObject = [:]
    /// What its work cost so far, summed from what workers reported (read from the usage totals).
    public var usage = Usage()
    /// Its budget is used up: claims hand out none of its work until the budget is raised.
    public var budgetExhausted = false
    /// `resource_limits.max_concurrent_tasks`, kept in a column of its own for the claim to read
    /// (`refreshLimits`); never shown on its own.
    public var maxConcurrentTasks: Int64?
    public var version: Int64 = 1
    public var createdAt = Timestamp(microseconds: 0)
    public var updatedAt = Timestamp(microseconds: 0)

    public init() {}

    public static let fields = ResourceDescription<Agent>(
        table: "agents", id: "agent_id",
        [
            .init("did", \.did, .did, .always),
            .init("name", \.name, .text(min: 1, max: Limits.maxNameLength), .always, required: true),
            .init("agent_type", \.agentType, .identifier, .always),
            .init("status", \.status, .enumeration(AgentStatus.self), .always),
            .init("configuration", \.configuration, .object, .always),
            .init("metadata", \.metadata, .object, .always),
            .init(
                "resource_limits", \.resourceLimits, .object(enforcing: AgentLimits.self, schema: "AgentLimits"), .always,
                patchScope: .admin),
            .init("usage", \.usage, .nested(Usage.self, schema: "Usage"), .server, derived: .usageTotals),
            .init("budget_exhausted", \.budgetExhausted, .boolean, .server),
            .init("max_concurrent_tasks", \.maxConcurrentTasks, .optional(.integer(1...10_000)), .hidden),
        ])

    /// A new agent's enforced limits are read from its `resource_limits`; a budget of zero is used
    /// up from the start.
    public mutating func prepareNew(at now: Timestamp) {
        refreshLimits()
        _ = refreshBudget()
    }

    /// An agent without a DID gets one made from its name.
    public static func checkDraft(_ agent: inout Agent, given: Set<String>, reader: inout ObjectReader) {
        if !given.contains("did") { agent.did = defaultDID(name: agent.name) }
    }

    /// The default DID: `did:agent:<name>:<8 hex>`, with the name reduced to DID-safe characters.
    public static func defaultDID(name: String) -> String {
        var slug = ""
        for scalar in name.lowercased().unicodeScalars {
            if slug.count >= 64 { break }
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") || scalar == "." || scalar == "_" {
                slug.unicodeScalars.append(scalar)
            } else if !slug.hasSuffix("-") {
                slug.append("-")
            }
        }
        slug = slug.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        if slug.isEmpty { slug = "agent" }
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        return "did:agent:\(slug):\(String(repeating: "0", count: 8 - suffix.count))\(suffix)"
    }
}

public typealias AgentDraft = ResourceDraft<Agent>
public typealias AgentPatch = ResourcePatch<Agent>
