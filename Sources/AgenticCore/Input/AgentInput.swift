import Foundation

/// The body of `POST /agents`.
public struct AgentDraft: Sendable {
    public var id: UUID?
    public var did: String?
    public var name: String
    public var agentType: String
    public var status: AgentStatus
    public var configuration: JSONObject
    public var metadata: JSONObject
    public var resourceLimits: JSONObject

    static let fields: Set<String> = [
        "agent_id", "did", "name", "agent_type", "status", "configuration", "metadata", "resource_limits",
    ]

    public static func read(_ body: JSONValue) throws(AgenticError) -> AgentDraft {
        var r = ObjectReader(body, known: fields, readOnly: CommonFields.serverSet)
        let id = r.read("agent_id", Convert.uuid).value
        let did = r.read("did", CommonFields.did).value
        let name = r.read("name", CommonFields.name)
        if !name.isPresent, r.object["name"] == nil { r.fail("name", "is required") }
        let draft = AgentDraft(
            id: id, did: did, name: name.value ?? "",
            agentType: r.read("agent_type", CommonFields.identifier).value(or: "general"),
            status: r.read("status", Convert.enumeration(AgentStatus.self)).value(or: .created),
            configuration: r.read("configuration", Convert.object).value(or: [:]),
            metadata: r.read("metadata", Convert.object).value(or: [:]),
            resourceLimits: r.read("resource_limits", Convert.object).value(or: [:]))
        try r.check()
        return draft
    }

    public func make(tenant: String, now: Timestamp) -> Agent {
        Agent(
            id: id ?? UUID(), tenant: tenant, did: did ?? Agent.defaultDID(name: name), name: name,
            agentType: agentType, status: status, configuration: configuration, metadata: metadata,
            resourceLimits: resourceLimits, version: 1, createdAt: now, updatedAt: now)
    }
}

/// The body of `PATCH /agents/{id}`.
public struct AgentPatch: Sendable {
    public var did: String?
    public var name: String?
    public var agentType: String?
    public var status: AgentStatus?
    public var configuration: JSONObject?
    public var metadata: JSONObject?
    public var resourceLimits: JSONObject?

    static let fields: Set<String> = ["did", "name", "agent_type", "status", "configuration", "metadata", "resource_limits"]

    public static func read(_ body: JSONValue) throws(AgenticError) -> AgentPatch {
        var r = ObjectReader(body, known: fields, readOnly: CommonFields.serverSet.union(["agent_id"]))
        try CommonFields.requireSomeField(r)
        let patch = AgentPatch(
            did: r.read("did", CommonFields.did).value,
            name: r.read("name", CommonFields.name).value,
            agentType: r.read("agent_type", CommonFields.identifier).value,
            status: r.read("status", Convert.enumeration(AgentStatus.self)).value,
            configuration: r.read("configuration", Convert.object).value,
            metadata: r.read("metadata", Convert.object).value,
            resourceLimits: r.read("resource_limits", Convert.object).value)
        try r.check()
        return patch
    }

    /// Applies the patch; returns whether anything changed (an unchanged resource keeps its version).
    public func apply(to agent: inout Agent, at now: Timestamp) throws(AgenticError) -> Bool {
        if let status, !agent.status.canMove(to: status) {
            throw .invalidTransition(.agent, from: agent.status, to: status)
        }
        var changed = false
        assign(&agent.did, did, &changed)
        assign(&agent.name, name, &changed)
        assign(&agent.agentType, agentType, &changed)
        assign(&agent.status, status, &changed)
        assign(&agent.configuration, configuration, &changed)
        assign(&agent.metadata, metadata, &changed)
        assign(&agent.resourceLimits, resourceLimits, &changed)
        if changed {
            agent.version += 1
            agent.updatedAt = now
        }
        return changed
    }
}
