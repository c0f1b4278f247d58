import AgenticClient
import AgenticCore
import Foundation
import Testing

@Suite("Swift client and CLI client commands", .timeLimit(.minutes(3)))
struct ClientTests {
    static func client(_ api: TestAPI) throws -> AgenticClient {
        AgenticClient(url: "http://127.0.0.1:\(try #require(api.client.port))", apiKey: try #require(api.key))
    }

    @Test("a worker completes and claims the next task in one call")
    func completeAndClaim() async throws {
        try await TestApp.withLiveAPI(.sqlite) { api in
            let client = try Self.client(api)
            let worker = try await client.create(Agent.self, ["name": "one-call worker"])
            let goal = try await client.create(Goal.self, ["goal_text": "g"])
            let plan = try await client.create(Plan.self, ["goal_id": .string(goal.id.lowercased)])
            let first = try await client.create(PlanTask.self, ["plan_id": .string(plan.id.lowercased), "priority": 9])
            let second = try await client.create(PlanTask.self, ["plan_id": .string(plan.id.lowercased), "priority": 1])
            #expect(try await client.claim(agent: worker.id).map(\.id) == [first.id])
            let step = try await client.completeAndClaim(task: first.id, agent: worker.id, outputs: ["n": 1], plan: plan.id)
            #expect(step.task.id == first.id && step.task.status == .completed && step.task.outputs == ["n": 1])
            #expect(step.next.map(\.id) == [second.id] && step.next.first?.agentID == worker.id)
            let last = try await client.completeAndClaim(task: second.id, agent: worker.id)
            #expect(last.task.status == .completed && last.next.isEmpty)
        }
    }

    @Test("the client's types read every member the server writes: decoding and writing again gives the same JSON")
    func clientTypesCoverTheWire() async throws {
        try await TestApp.withAPI(.sqlite) { api in
            let agent = try await api.create(.agent, ["name": "wire", "metadata": ["k": [1, 2]]])
            let goal = try await api.create(.goal, ["goal_text": "g", "constraints": ["deadline": "2030-01-01T00:00:00Z", "cost_limit_usd": 1.5]])
            let plan = try await api.create(.plan, ["goal_id": goal["goal_id"]!])
            let task = try await api.create(.task, ["plan_id": plan["plan_id"]!, "concurrency_key": "k", "error": ["e": true]])
            func same<T: JSONWritable>(_ json: JSONValue, _ decode: (JSONValue) throws -> T) throws {
                let again = try JSONParser.parse(try decode(json).jsonBytes())
                #expect(again == json, "\(T.self): \(json) became \(again)")
            }
            try same(agent) { try Agent(json: $0) }
            try same(goal) { try Goal(json: $0) }
            try same(try await api.get("/api/v1/plans/\(plan["plan_id"]!.stringValue!)").json) { try Plan(json: $0) }
            try same(task) { try PlanTask(json: $0) }
            let events = try await api.get("/api/v1/events").items
            #expect(events.count >= 4)
            for event in events { try same(event) { try Event(json: $0) } }
        }
    }

    @Test("resources round-trip as typed values; problems arrive as typed errors", arguments: Backend.available)
    func typedResources(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let client = try Self.client(api)
            let agent = try await client.create(Agent.self, ["name": "typed", "agent_type": "researcher"])
            #expect(agent.name == "typed" && agent.agentType == "researcher" && agent.status == .created && agent.version == 1)
            #expect(try await client.get(Agent.self, agent.id) == agent)
            let patched = try await client.update(Agent.self, agent.id, ["status": "active"], ifMatch: 1)
            #expect(patched.status == .active && patched.version == 2)

            let stale = await #expect(throws: AgenticProblem.self) { try await client.update(Agent.self, agent.id, ["status": "idle"], ifMatch: 1) }
            #expect(stale?.status == 412 && stale?.requestID != nil)
            let invalid = await #expect(throws: AgenticProblem.self) { try await client.create(Agent.self, ["name": "", "status": "sleeping"]) }
            #expect(invalid?.status == 422 && Set(invalid?.errors.map(\.field) ?? []) == ["name", "status"])
            let missing = await #expect(throws: AgenticProblem.self) { try await client.get(Goal.self, UUID()) }
            #expect(missing?.isNotFound == true)

            let goal = try await client.create(Goal.self, ["description": "typed goal", "agent_id": .string(agent.id.lowercased)])
            #expect(goal.goalText == "typed goal" && goal.agentID == agent.id)
            let plan = try await client.create(Plan.self, ["goal_id": .string(goal.id.lowercased)])
            let first = try await client.create(PlanTask.self, ["plan_id": .string(plan.id.lowercased), "name": "first"])
            let second = try await client.create(PlanTask.self, ["plan_id": .string(plan.id.lowercased), "depends_on": [.string(first.id.lowercased)]])
            #expect(second.dependsOn == [first.id])

            var seen: [UUID] = []
            var cursor: String?
            repeat {
                let page = try await client.list(PlanTask.self, ListOptions(limit: 1, cursor: cursor, filters: ["plan_id": plan.id.lowercased]))
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == [second.id, first.id], "pages walk newest first")

            let again = try await client.create(Agent.self, ["name": "once"], idempotencyKey: "client-retry-1")
            #expect(try await client.create(Agent.self, ["name": "once"], idempotencyKey: "client-retry-1").id == again.id)
            try await client.delete(Agent.self, again.id)
            #expect(try await client.cancel(Plan.self, plan.id).status == .cancelled)
        }
    }

    @Test("the worker cycle, events and keys through the client", arguments: Backend.available)
    func workEventsKeys(backend: Backend) async throws {
        try await TestApp.withLiveAPI(backend) { api in
            let client = try Self.client(api)
            let worker = try await client.create(Agent.self, ["name": "worker"])
            let goal = try await client.create(Goal.self, ["goal_text": "g"])
            let plan = try await client.create(Plan.self, ["goal_id": .string(goal.id.lowercased)])
            let task = try await client.create(PlanTask.self, ["plan_id": .string(plan.id.lowercased), "task_type": "search"])
            #expect(try await client.claim(agent: worker.id, taskTypes: ["write"]).isEmpty)
            let claimed = try await client.claim(agent: worker.id, taskTypes: ["search"], plan: plan.id, leaseSeconds: 30)
            #expect(claimed.map(\.id) == [task.id] && claimed.first?.status == .running)
            #expect(try await client.heartbeat(task: task.id, agent: worker.id, leaseSeconds: 120).leaseExpiresAt != nil)
            let done = try await client.complete(task: task.id, agent: worker.id, outputs: ["answer": 42])
            #expect(done.status == .completed && done.outputs == ["answer": 42])
            let late = await #expect(throws: AgenticProblem.self) { try await client.complete(task: task.id, agent: worker.id) }
            #expect(late?.isLeaseLost == true && late?.isConflict == true)

            // On PostgreSQL the last events show once older transactions have ended: read until they do.
            let log = try await poll({ try await client.events(types: ["task."], limit: 100) }, until: { $0.events.count >= 4 })
            #expect(log.events.map(\.type).starts(with: ["task.created", "task.claimed", "task.heartbeat", "task.completed"]))
            #expect(log.nextAfter == log.events.last?.id)
            let rest = try await client.events(after: log.nextAfter, types: ["task."])
            #expect(rest.events.isEmpty && rest.nextAfter == log.nextAfter)

            let made = try await client.createKey(name: "reader", scope: .read, rateLimit: RateLimit(requestsPerSecond: 5, burst: 10))
            #expect(made.key.hasPrefix("agk_") && made.info.scope == .read && made.info.rateLimit?.burst == 10)
            #expect(try await client.keys().contains { $0.id == made.info.id })
            let reader = AgenticClient(url: client.baseURL, apiKey: made.key)
            #expect(try await reader.get(Agent.self, worker.id).id == worker.id)
            let forbidden = await #expect(throws: AgenticProblem.self) { try await reader.create(Agent.self, ["name": "no"]) }
            #expect(forbidden?.status == 403)
            try await client.revokeKey(made.info.id)
            let revoked = await #expect(throws: AgenticProblem.self) { try await reader.get(Agent.self, worker.id) }
            #expect(revoked?.status == 401)
        }
    }

    @Test("agentic agents|goals|plans|tasks|events talk to a server with --url/--api-key or the environment")
    func cliCommands() async throws {
        let admin = "cli-operator-key-" + UUID().uuidString
        let server = try await ServerProcess.start(
            database: "sqlite://" + TestFiles.temporaryDirectory() + "/a.sqlite", environment: ["AGENTIC_ADMIN_KEY": admin])
        let env = ["AGENTIC_URL": server.baseURL, "AGENTIC_API_KEY": admin]
        func run(_ arguments: [String]) async throws -> JSONValue {
            let (status, output) = try await runAgentic(arguments, environment: env)
            guard status == 0 else { throw TestFailure("agentic \(arguments.joined(separator: " ")) exited \(status): \(output)") }
            return try JSONParser.parse(Array(output.utf8))
        }
        let agent = try await run(["agents", "create", "--data", #"{"name": "cli"}"#])
        let agentID = try #require(agent["agent_id"]?.stringValue)
        #expect(try await run(["agents", "get", agentID])["name"] == "cli")
        #expect(try await run(["agents", "update", agentID, "--data", #"{"status": "busy"}"#, "--if-match", "1"])["version"] == 2)
        let goal = try await run(["goals", "create", "--data", #"{"goal_text": "ship it"}"#])
        let plan = try await run(["plans", "create", "--data", "{\"goal_id\": \"\(goal["goal_id"]?.stringValue ?? "")\"}"])
        let planID = try #require(plan["plan_id"]?.stringValue)
        let task = try await run(["tasks", "create", "--data", "{\"plan_id\": \"\(planID)\"}"])
        let taskID = try #require(task["task_id"]?.stringValue)
        #expect(try await run(["tasks", "list", "--filter", "plan_id=\(planID)"])["data"]?.arrayValue?.count == 1)
        let claimed = try await run(["tasks", "claim", "--agent", agentID, "--lease-seconds", "30"])
        #expect(claimed.arrayValue?.first?["task_id"]?.stringValue == taskID)
        #expect(try await run(["tasks", "heartbeat", taskID, "--agent", agentID])["status"] == "running")
        #expect(try await run(["tasks", "complete", taskID, "--agent", agentID, "--outputs", #"{"ok": true}"#])["status"] == "completed")
        #expect(try await run(["plans", "get", planID])["status"] == "completed")
        let events = try await run(["events", "--types", "task."])
        #expect(events["data"]?.arrayValue?.compactMap { $0["type"]?.stringValue }.last == "task.completed")

        let late = try await runAgentic(["tasks", "complete", taskID, "--agent", agentID], environment: env)
        #expect(late.status == 1 && late.output.contains("409 lease_lost"), "a problem is an error with its code: \(late.output)")
        let explicit = try await runAgentic(["agents", "list", "--url", server.baseURL, "--api-key", "agk_wrong_wrong_wrong_wrong_wrong_wrong"])
        #expect(explicit.status == 1 && explicit.output.contains("401"))
        let noKey = try await runAgentic(["agents", "list", "--url", server.baseURL])
        #expect(noKey.status == 2, "a missing key is a usage error: \(noKey.output)")
        try await server.stop()
    }
}
