import AgenticCore

/// The requests the seed platform's own client sends, in the few places they differ from the
/// native ones, turned into native requests: its layers keep working unchanged while they move over.
/// Everything else about them is as strict as any request (unknown fields are 422).
enum SeedForms {
    /// A task body on `/plans/tasks`: `task_type: null` means the default type, and a PATCH may
    /// carry `completed_at`, which the server stamps itself (accepted and ignored).
    @Sendable static func task(_ body: JSONValue, patch: Bool) -> JSONValue {
        guard case .object(var members) = body else { return body }
        if members[JSONKey("task_type")] == .null { members[JSONKey("task_type")] = nil }
        // Only a well-formed time (or null) is ignored: anything else stays, to be refused as read-only.
        if patch, let stamp = members[JSONKey("completed_at")], stamp.isNull || stamp.stringValue.flatMap(Timestamp.init(rfc3339:)) != nil {
            members[JSONKey("completed_at")] = nil
        }
        return .object(members)
    }
}
