/// What `complete` and `fail` answer: the finished (or retried) task, and — when the request asked
/// with `claim_next` — the tasks claimed next in the same transaction, so a busy worker needs one
/// request per task. Without `claim_next` the answer is the task alone.
public struct TaskOutcome: Sendable, JSONWritable {
    public var task: PlanTask
    /// `nil` when the request did not ask to claim; else what was claimed (maybe nothing).
    public var next: [PlanTask]?

    public init(task: PlanTask, next: [PlanTask]? = nil) {
        self.task = task
        self.next = next
    }

    /// `{"task": …, "next": […]}`.
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("task")
        task.write(to: &w)
        w.key("next")
        w.beginArray()
        for claimed in next ?? [] { claimed.write(to: &w) }
        w.endArray()
        w.endObject()
    }
}
