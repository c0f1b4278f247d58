import Foundation

// Decoding the JSON of the types that are not described resources (those read back through
// `DescribedResource.init(json:)`), for the Swift client and snapshot import.

extension Event {
    public init(json: JSONValue, tenant: String = ApiKey.defaultTenant) throws(JSONShapeError) {
        let f = try JSONFields(json)
        guard let data = f.object["data"] else { throw JSONShapeError(path: "data", message: "is missing") }
        self.init(
            id: try f.int("event_id"), tenant: tenant, type: try f.string("type"), resourceID: try f.optionalUUID("resource_id"),
            data: Array(data.description.utf8), actor: try f.string("actor"), createdAt: try f.timestamp("created_at"))
    }
}
