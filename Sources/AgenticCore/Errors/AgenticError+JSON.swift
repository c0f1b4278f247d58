/// The one way an error is written out: the problem document's answer, a tool error of the MCP
/// server and the data of `schedule.failed` all carry these members, so a client reads one shape.
extension AgenticError {
    /// Writes `code`, `status`, `detail` and, when there are any, `errors: [{field, message}]` into
    /// the object `w` is writing (the caller opens and closes it, and may add members of its own).
    public func writeMembers(to w: inout JSONWriter) {
        w.key("code"); w.string(code.rawValue)
        w.key("status"); w.int(Int64(status))
        w.key("detail"); w.string(detail)
        guard !fieldErrors.isEmpty else { return }
        w.key("errors")
        w.beginArray()
        for error in fieldErrors {
            w.beginObject()
            w.key("field"); w.string(error.field)
            w.key("message"); w.string(error.message)
            w.endObject()
        }
        w.endArray()
    }
}
