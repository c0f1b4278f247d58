import Foundation

/// The body of `POST /tasks/{id}/approve`: an optional comment (the body itself may be left out).
public struct ApproveRequest: Sendable {
    public var comment: String?

    public static func read(_ body: JSONValue?) throws(AgenticError) -> ApproveRequest {
        guard let body else { return ApproveRequest() }
        var r = ObjectReader(body, known: ["comment"])
        let request = ApproveRequest(comment: r.read("comment", nullable: true, Convert.string(max: Limits.maxTextLength)).value)
        try r.check()
        return request
    }
}

/// The body of `POST /tasks/{id}/reject`: why, which the task's `error.reason` keeps.
public struct RejectRequest: Sendable {
    public var reason: String

    public static func read(_ body: JSONValue) throws(AgenticError) -> RejectRequest {
        var r = ObjectReader(body, known: ["reason"])
        let reason = r.read("reason", Convert.string(min: 1, max: Limits.maxTextLength)).value
        if reason == nil, r.object["reason"] == nil { r.fail("reason", "is required") }
        try r.check()
        return RejectRequest(reason: reason ?? "")
    }
}

/// The body of `POST /tasks/{id}/request-approval`: the lease holder's question, with data a
/// person needs to decide.
public struct ApprovalQuestion: Sendable {
    public var agentID: UUID
    public var question: String
    public var data: JSONObject?

    public static func read(_ body: JSONValue) throws(AgenticError) -> ApprovalQuestion {
        var r = ObjectReader(body, known: ["agent_id", "question", "data"])
        let agentID = WorkFields.requiredAgent(&r)
        let question = r.read("question", Convert.string(min: 1, max: Limits.maxTextLength)).value
        if question == nil, r.object["question"] == nil { r.fail("question", "is required") }
        let data = r.read("data", nullable: true, Convert.object).value
        try r.check()
        return ApprovalQuestion(agentID: agentID ?? UUID.unset, question: question ?? "", data: data)
    }
}
