import AgenticCore
import Foundation
import Testing

@Suite("Request validation")
struct ValidationTests {
    func fields(_ body: () throws -> Void) -> [String] {
        do {
            try body()
            return []
        } catch let error as AgenticError {
            return error.fieldErrors.map(\.field)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test("aliases are accepted, but not twice")
    func aliases() throws {
        #expect(try Goal.fields.draft(["description": "d"]).goalText == "d")
        #expect(try PlanTask.fields.draft(["plan_id": .string(UUID().lowercased), "input_data": ["a": 1]]).inputs == ["a": 1])
        #expect(fields { _ = try PlanTask.fields.draft(["plan_id": .string(UUID().lowercased), "inputs": [:], "input_data": [:]]) } == ["input_data"])
    }

    @Test("a PATCH that names nothing is a 400, one with only unknown fields a 422")
    func emptyPatch() {
        #expect {
            try Agent.fields.patch([:])
        } throws: { ($0 as? AgenticError)?.status == 400 }
        #expect {
            try Agent.fields.patch(["nope": 1])
        } throws: { ($0 as? AgenticError)?.status == 422 }
    }

    @Test("numbers must be whole and in range")
    func numbers() {
        #expect(fields { _ = try Goal.fields.draft(["goal_text": "g", "priority": 2.5]) } == ["priority"])
        #expect(fields { _ = try Goal.fields.draft(["goal_text": "g", "priority": -1]) } == ["priority"])
        #expect(fields { _ = try Goal.fields.draft(["goal_text": "g", "priority": "5"]) } == ["priority"])
        #expect(fields { _ = try ClaimRequest.read(["agent_id": .string(UUID().lowercased), "lease_seconds": 3601, "limit": 0]) }
            == ["lease_seconds", "limit"])
        // A whole number written as a float is an integer, as JSON Schema says, up to 2^53 — where a
        // token limit's documented maximum lies; beyond it a double no longer says which integer was meant.
        let budget = { (tokens: Double) in
            fields { _ = try Goal.fields.draft(["goal_text": "g", "constraints": ["max_token_budget": .double(tokens)]]) }
        }
        #expect(budget(11113.0).isEmpty && budget(9_007_199_254_740_991.0).isEmpty)
        #expect(budget(9_007_199_254_740_994.0) == ["constraints.max_token_budget"] && budget(1e300) == ["constraints.max_token_budget"])
        #expect((try? JSONParser.parse("9007199254740991.0"))?.intValue == 9_007_199_254_740_991)
    }

    @Test("the body must be an object")
    func bodyShape() {
        #expect(fields { _ = try Agent.fields.draft([1, 2]) } == ["(body)"])
    }

    @Test("fail accepts a message string as the error")
    func failMessage() throws {
        let request = try FailRequest.read(["agent_id": .string(UUID().lowercased), "error": "timeout"])
        #expect(request.error == ["message": "timeout"] && request.retryable)
    }

    @Test("key requests validate tenant, scope, expiry and rate limit")
    func keys() {
        let now = Timestamp.now()
        #expect(fields { _ = try KeyDraft.read(["name": "k", "scope": "root", "tenant": "Bad Tenant", "expires_at": "2001-01-01T00:00:00Z", "rate_limit": ["requests_per_second": 0]], now: now) }
            == ["scope", "tenant", "expires_at", "rate_limit.requests_per_second"])
    }
}
