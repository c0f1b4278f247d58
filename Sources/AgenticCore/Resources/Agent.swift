import Foundation

/// A registered agent: who does the work.
public struct Agent: Sendable, Equatable, JSONWritable {
    public var id: UUID
    public var tenant: String
    public var did: String
    public var name: String
    public var agentType: String
    public var status: AgentStatus
    public var configuration: JSONObject
    public var metadata: JSONObject
    public var resourceLimits: JSONObject
    public var version: Int64
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: UUID, tenant: String, did: String, name: String, agentType: String, status: AgentStatus,
        configuration: JSONObject, metadata: JSONObject, resourceLimits: JSONObject,
        version: Int64, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.tenant = tenant
        self.did = did
        self.name = name
        self.agentType = agentType
        self.status = status
        self.configuration = configuration
        self.metadata = metadata
        self.resourceLimits = resourceLimits
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("agent_id"); w.uuid(id)
        w.key("did"); w.string(did)
        w.key("name"); w.string(name)
        w.key("agent_type"); w.string(agentType)
        w.key("status"); w.string(status.rawValue)
        w.key("configuration"); w.object(configuration)
        w.key("metadata"); w.object(metadata)
        w.key("resource_limits"); w.object(resourceLimits)
        w.key("version"); w.int(version)
        w.key("created_at"); w.timestamp(createdAt)
        w.key("updated_at"); w.timestamp(updatedAt)
        w.endObject()
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
