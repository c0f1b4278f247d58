import Foundation

/// The body of `POST /tasks/claim`.
public struct ClaimRequest: Sendable {
    public var agentID: UUID
    public var taskTypes: [String]?
    public var planID: UUID?
    public var leaseSeconds: Int64
    public var limit: Int

    public init(agentID: UUID, taskTypes: [String]? = nil, planID: UUID? = nil, leaseSeconds: Int64 = 60, limit: Int = 1) {
        self.agentID = agentID
        self.taskTypes = taskTypes
        self.planID = planID
        self.leaseSeconds = leaseSeconds
        self.limit = limit
    }

    static let leaseSeconds = Convert.int(1...3600)

    public static func read(_ body: JSONValue) throws(AgenticError) -> ClaimRequest {
        var r = ObjectReader(body, known: selection.union(["agent_id"]))
        let agentID = WorkFields.requiredAgent(&r)
        let request = readSelection(&r, agentID: agentID ?? UUID.unset)
        try r.check()
        return request
    }

    /// What to claim, without the claimer: the members of a claim body but `agent_id`.
    static let selection: Set<String> = ["task_types", "plan_id", "lease_seconds", "limit"]

    static func readSelection(_ r: inout ObjectReader, agentID: UUID) -> ClaimRequest {
        ClaimRequest(
            agentID: agentID,
            taskTypes: r.read(
                "task_types", nullable: true,
                Convert.stringArray(maxItems: Limits.maxListItems, maxLength: Limits.maxIdentifierLength, identifiers: true)
            ).value,
            planID: r.read("plan_id", nullable: true, Convert.uuid).value,
            leaseSeconds: r.read("lease_seconds", leaseSeconds).value(or: 60),
            limit: Int(r.read("limit", Convert.int(1...100)).value(or: 1)))
    }

    /// `claim_next` of a complete or fail body: the next claim, for the same agent, in the same
    /// request (and transaction). Problems are named below it (`claim_next.limit`).
    static func readNext(_ r: inout ObjectReader, agentID: UUID?) -> ClaimRequest? {
        guard let value = r.object[JSONKey("claim_next")] else { return nil }
        if value.isNull { return nil }
        var next = ObjectReader(value, known: selection, prefix: "claim_next.")
        let request = readSelection(&next, agentID: agentID ?? UUID.unset)
        r.append(next.errors)
        return request
    }
}

/// The body of `POST /tasks/{id}/heartbeat`.
public struct HeartbeatRequest: Sendable {
    public var agentID: UUID
    public var leaseSeconds: Int64?

    public init(agentID: UUID, leaseSeconds: Int64? = nil) {
        self.agentID = agentID
        self.leaseSeconds = leaseSeconds
    }

    public static func read(_ body: JSONValue) throws(AgenticError) -> HeartbeatRequest {
        var r = ObjectReader(body, known: ["agent_id", "lease_seconds"])
        let agentID = WorkFields.requiredAgent(&r)
        let request = HeartbeatRequest(
            agentID: agentID ?? UUID(), leaseSeconds: r.read("lease_seconds", ClaimRequest.leaseSeconds).value)
        try r.check()
        return request
    }
}

/// The body of `POST /tasks/{id}/release`: the lease holder gives the task back unfinished.
public struct ReleaseRequest: Sendable {
    public var agentID: UUID

    public init(agentID: UUID) {
        self.agentID = agentID
    }

    public static func read(_ body: JSONValue) throws(AgenticError) -> ReleaseRequest {
        var r = ObjectReader(body, known: ["agent_id"])
        let agentID = WorkFields.requiredAgent(&r)
        try r.check()
        return ReleaseRequest(agentID: agentID ?? UUID())
    }
}

/// The body of `POST /tasks/{id}/complete`.
public struct CompleteRequest: Sendable {
    public var agentID: UUID
    public var outputs: JSONObject?
    /// What the attempt cost (`usage`).
    public var usage: Usage?
    /// Claim the next tasks in the same request (`claim_next`).
    public var claimNext: ClaimRequest?

    public init(agentID: UUID, outputs: JSONObject? = nil, usage: Usage? = nil, claimNext: ClaimRequest? = nil) {
        self.agentID = agentID
        self.outputs = outputs
        self.usage = usage
        self.claimNext = claimNext
    }

    public static func read(_ body: JSONValue) throws(AgenticError) -> CompleteRequest {
        var r = ObjectReader(body, known: ["agent_id", "outputs", "output_data", "usage", "claim_next"])
        let agentID = WorkFields.requiredAgent(&r)
        let request = CompleteRequest(
            agentID: agentID ?? UUID.unset, outputs: r.read(oneOf: ["outputs", "output_data"], Convert.object).value,
            usage: Usage.read(&r), claimNext: ClaimRequest.readNext(&r, agentID: agentID))
        try r.check()
        return request
    }
}

/// The body of `POST /tasks/{id}/fail`. `error` may be an object or a message string; `retryable`
/// defaults to true, so a task with attempts left goes back to the queue.
public struct FailRequest: Sendable {
    public var agentID: UUID
    public var error: JSONObject
    public var retryable: Bool
    /// What the attempt cost (`usage`).
    public var usage: Usage?
    /// Claim the next tasks in the same request (`claim_next`).
    public var claimNext: ClaimRequest?

    public init(agentID: UUID, error: JSONObject = [:], retryable: Bool = true, usage: Usage? = nil, claimNext: ClaimRequest? = nil) {
        self.agentID = agentID
        self.error = error
        self.retryable = retryable
        self.usage = usage
        self.claimNext = claimNext
    }

    public static func read(_ body: JSONValue) throws(AgenticError) -> FailRequest {
        var r = ObjectReader(body, known: ["agent_id", "error", "retryable", "usage", "claim_next"])
        let agentID = WorkFields.requiredAgent(&r)
        let error = r.read("error", nullable: true) { value -> Result<JSONObject, Problem> in
            if case .string(let message) = value {
                if let problem = Convert.textProblem(message) { return .failure(problem) }
                guard ExactText.length(message) <= Limits.maxTextLength else {
                    return .failure(Problem("must be at most \(Limits.maxTextLength) characters"))
                }
                return .success(["message": .string(message)])
            }
            return Convert.object(value)
        }
        let request = FailRequest(
            agentID: agentID ?? UUID.unset, error: error.value ?? [:],
            retryable: r.read("retryable", Convert.bool).value(or: true), usage: Usage.read(&r),
            claimNext: ClaimRequest.readNext(&r, agentID: agentID))
        try r.check()
        return request
    }
}

/// The optional body of the `cancel` calls.
public struct CancelRequest: Sendable {
    public var reason: String?

    public init(reason: String? = nil) {
        self.reason = reason
    }

    public static func read(_ body: JSONValue?) throws(AgenticError) -> CancelRequest {
        guard let body else { return CancelRequest() }
        var r = ObjectReader(body, known: ["reason"])
        let request = CancelRequest(reason: r.read("reason", nullable: true, CommonFields.text).value)
        try r.check()
        return request
    }
}

enum WorkFields {
    static func requiredAgent(_ r: inout ObjectReader) -> UUID? {
        let agentID = r.read("agent_id", Convert.uuid).value
        if r.object["agent_id"] == nil { r.fail("agent_id", "is required") }
        return agentID
    }
}
