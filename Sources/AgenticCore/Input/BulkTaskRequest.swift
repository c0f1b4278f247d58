import Foundation

/// The body of `POST /tasks/bulk`: cancel or retry every task a filter matches, at most
/// `maxTasks` per request (`truncated` says when more matched: send it again).
public struct BulkTaskRequest: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable, ExactEquatable {
        case cancel, retry
    }

    public var action: Action
    public var planID: UUID?
    public var status: TaskStatus?
    public var taskType: String?
    public var agentID: UUID?

    public init(action: Action, planID: UUID? = nil, status: TaskStatus? = nil, taskType: String? = nil, agentID: UUID? = nil) {
        self.action = action
        self.planID = planID
        self.status = status
        self.taskType = taskType
        self.agentID = agentID
    }

    /// The most tasks one request acts on.
    public static let maxTasks = 10_000

    /// Whether `task` is one the filter names (the store narrows by plan, status and agent; the
    /// task type is matched here).
    public func matches(_ task: PlanTask) -> Bool {
        taskType.map { task.taskType.isExactly($0) } ?? true
    }

    /// The filter as a list query (newest first), for the store to page through.
    public func listQuery(limit: Int, cursor: Cursor?) -> ListQuery {
        ListQuery(limit: limit, cursor: cursor, status: status?.rawValue, agentID: agentID, planID: planID)
    }

    public static func read(_ body: JSONValue) throws(AgenticError) -> BulkTaskRequest {
        var r = ObjectReader(body, known: ["action", "filter"])
        let action = r.read("action", Convert.enumeration(Action.self)).value
        if r.object["action"] == nil { r.fail("action", "is required: `cancel` or `retry`") }
        var request = BulkTaskRequest(action: action ?? .cancel)
        if let filter = r.object[JSONKey("filter")], !filter.isNull {
            var f = ObjectReader(filter, known: ["plan_id", "status", "task_type", "agent_id"], prefix: "filter.")
            request.planID = f.read("plan_id", nullable: true, Convert.uuid).value
            request.status = f.read("status", nullable: true, Convert.enumeration(TaskStatus.self)).value
            request.taskType = f.read("task_type", nullable: true, Convert.identifier()).value
            request.agentID = f.read("agent_id", nullable: true, Convert.uuid).value
            r.append(f.errors)
        }
        // Every task of the tenant at once is too easy to ask for by mistake.
        if request.planID == nil, request.status == nil, request.taskType == nil, request.agentID == nil, r.errors.isEmpty {
            r.fail("filter", "name at least one of plan_id, status, task_type, agent_id")
        }
        try r.check()
        return request
    }
}

/// What `POST /tasks/bulk` did: how many tasks matched, how many it changed, and why some were left
/// as they were (the first few problems, such as a retry whose dependency failed).
public struct BulkTaskOutcome: Sendable, Equatable, JSONWritable {
    public var action: BulkTaskRequest.Action
    public var matched = 0
    public var changed = 0
    public var truncated = false
    public var problems: [(task: UUID, error: AgenticError)] = []

    /// How many problems the answer lists.
    public static let maxProblems = 20

    public init(action: BulkTaskRequest.Action) {
        self.action = action
    }

    public static func == (a: BulkTaskOutcome, b: BulkTaskOutcome) -> Bool {
        a.action == b.action && a.matched == b.matched && a.changed == b.changed && a.truncated == b.truncated
            && a.problems.map(\.task) == b.problems.map(\.task)
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("action")
        w.string(action.rawValue)
        w.key("matched")
        w.int(Int64(matched))
        w.key("changed")
        w.int(Int64(changed))
        w.key("unchanged")
        w.int(Int64(matched - changed))
        w.key("truncated")
        w.bool(truncated)
        w.key("problems")
        w.beginArray()
        for (task, error) in problems.prefix(Self.maxProblems) {
            w.beginObject()
            w.key("task_id")
            w.string(task.lowercased)
            w.key("code")
            w.string(error.code.rawValue)
            w.key("detail")
            w.string(error.detail)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}
