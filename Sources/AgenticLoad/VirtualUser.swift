import AgenticClient
import AgenticCore
import Foundation
import NIOHTTP1

/// One simulated client: it creates its own agents, goals, plans and tasks, works on its own tasks
/// as a worker would, and reads and changes only what it made.
///
/// Each plan it makes holds a `keeper` task it never claims, so its plans (and their goals) stay open
/// for new tasks; `cancelPlan` ends one of them on purpose.
struct VirtualUser: Sendable {
    let number: Int
    let client: AgenticClient
    let recorder: LoadRecorder
    private var worker: String?
    private var agents: [String] = []
    private var goals: [String] = []
    private var plans: [(id: String, goal: String)] = []
    private var tasks: [String] = []
    private var lastEvent: Int64 = 0
    private var claims = 0
    private var generator = SystemRandomNumberGenerator()

    init(number: Int, client: AgenticClient, recorder: LoadRecorder) {
        self.number = number
        self.client = client
        self.recorder = recorder
    }

    /// Runs one operation; `start` is when its first request was meant to leave (the open model passes
    /// the intended time, so waiting for a free user counts as latency).
    mutating func perform(_ operation: Operation, start: ContinuousClock.Instant? = nil) async {
        var start = start
        func begin() -> ContinuousClock.Instant {
            defer { start = nil }
            return start ?? .now
        }
        guard await ensure(operation.need, worker: operation == .workCycle, begin) else { return }
        switch operation {
        case .createAgent:
            _ = await createAgent(begin())
        case .getAgent:
            await send(.GET, "/api/v1/agents/\(pick(agents))", "GET /api/v1/agents/{id}", begin())
        case .patchAgent:
            let status = ["active", "idle", "busy", "suspended"].randomElement(using: &generator)!
            let body: JSONValue = ["status": .string(status), "configuration": ["max_tokens": .int(Int64.random(in: 100...2000, using: &generator))]]
            await send(.PATCH, "/api/v1/agents/\(pick(agents))", "PATCH /api/v1/agents/{id}", begin(), body)
        case .listAgents:
            await send(.GET, "/api/v1/agents?limit=20", "GET /api/v1/agents", begin())
        case .deleteAgent:
            // It keeps one agent: with only one, it makes another to delete.
            if agents.count < 2 {
                guard await createAgent(begin()) else { return }
            }
            let id = agents.removeLast()
            await send(.DELETE, "/api/v1/agents/\(id)", "DELETE /api/v1/agents/{id}", begin())
        case .createGoal:
            if let id = await createGoal(begin()) { goals.append(id) }
        case .getGoal:
            await send(.GET, "/api/v1/goals/\(pick(goals))", "GET /api/v1/goals/{id}", begin())
        case .patchGoal:
            await send(.PATCH, "/api/v1/goals/\(pick(goals))", "PATCH /api/v1/goals/{id}", begin(),
                       ["priority": .int(Int64.random(in: 0...10, using: &generator))])
        case .listGoals:
            await send(.GET, "/api/v1/goals?limit=20&agent_id=\(agents[0])", "GET /api/v1/goals", begin())
        case .createPlan:
            _ = await createPlan(goal: pick(goals), begin())
        case .getPlan:
            await send(.GET, "/api/v1/plans/\(pick(plans).id)", "GET /api/v1/plans/{id}", begin())
        case .listPlans:
            await send(.GET, "/api/v1/plans?limit=20&goal_id=\(pick(plans).goal)", "GET /api/v1/plans", begin())
        case .cancelPlan:
            // Only a plan whose goal keeps another open plan, so the goal stays open for new plans;
            // when there is none, a second plan is made first.
            if !plans.contains(where: { plan in plans.filter { $0.goal == plan.goal }.count > 1 }) {
                guard await createPlan(goal: plans[0].goal, begin()) else { return }
            }
            guard let index = plans.indices.last(where: { i in plans.filter { $0.goal == plans[i].goal }.count > 1 }) else { return }
            let plan = plans.remove(at: index)
            await send(.POST, "/api/v1/plans/\(plan.id)/cancel", "POST /api/v1/plans/{id}/cancel", begin())
        case .createTask:
            let plan = pick(plans)
            var body: JSONObject = ["plan_id": .string(plan.id), "description": "load test task", "task_type": "work",
                                    "inputs": ["n": .int(Int64(number))], "priority": .int(Int64.random(in: 0...10, using: &generator))]
            body["max_attempts"] = 3
            if let id = await send(.POST, "/api/v1/tasks", "POST /api/v1/tasks", begin(), .object(body), id: "task_id") {
                tasks.append(id)
                if tasks.count > 200 { tasks.removeFirst(100) }
            }
        case .getTask:
            await send(.GET, "/api/v1/tasks/\(pick(tasks))", "GET /api/v1/tasks/{id}", begin())
        case .listTasks:
            await send(.GET, "/api/v1/tasks?limit=20&plan_id=\(pick(plans).id)", "GET /api/v1/tasks", begin())
        case .workCycle:
            await workCycle(begin())
        case .readEvents:
            if let reply = await exchange(.GET, "/api/v1/events?after=\(lastEvent)&limit=50", "GET /api/v1/events", begin()) {
                lastEvent = reply["next_after"]?.intValue ?? lastEvent
            }
        case .health:
            await send(.GET, "/health/ready", "GET /health/ready", begin())
        case .liveness:
            await send(.GET, "/health/live", "GET /health/live", begin())
        }
    }

    /// Makes what `need` asks for (and a worker agent for the worker cycle) the first time it is needed.
    private mutating func ensure(_ need: Operation.Need, worker needsWorker: Bool, _ begin: () -> ContinuousClock.Instant) async -> Bool {
        if needsWorker && worker == nil {
            worker = await postAgent(["name": .string("load-worker-\(number)"), "agent_type": "worker"], begin())
            if worker == nil { return false }
        }
        if need >= .agents && agents.isEmpty {
            guard await createAgent(begin()) else { return false }
        }
        if need >= .goals && goals.isEmpty {
            guard let id = await createGoal(begin()) else { return false }
            goals.append(id)
        }
        if need >= .plans && plans.isEmpty {
            guard await createPlan(goal: goals[0], begin()) else { return false }
        }
        if need >= .tasks && tasks.isEmpty {
            let body: JSONValue = ["plan_id": .string(plans[0].id), "task_type": "work"]
            guard let id = await send(.POST, "/api/v1/tasks", "POST /api/v1/tasks", begin(), body, id: "task_id") else { return false }
            tasks.append(id)
        }
        return true
    }

    /// A new agent of this user's, kept for later operations.
    private mutating func createAgent(_ start: ContinuousClock.Instant) async -> Bool {
        guard let id = await postAgent(agentBody(), start) else { return false }
        agents.append(id)
        return true
    }

    private func postAgent(_ body: JSONValue, _ start: ContinuousClock.Instant) async -> String? {
        await send(.POST, "/api/v1/agents", "POST /api/v1/agents", start, body, id: "agent_id")
    }

    private mutating func agentBody() -> JSONValue {
        ["name": .string("load-agent-\(number)-\(UInt32.random(in: 0...UInt32.max, using: &generator))"), "agent_type": "assistant",
         "configuration": ["model": "test"], "metadata": ["load_test": true]]
    }

    private mutating func createGoal(_ start: ContinuousClock.Instant) async -> String? {
        let body: JSONValue = ["goal_text": "Load test goal", "agent_id": .string(pick(agents)), "priority": 5,
                               "success_criteria": ["it works"], "constraints": ["max_parallelism": 4]]
        return await send(.POST, "/api/v1/goals", "POST /api/v1/goals", start, body, id: "goal_id")
    }

    /// A plan of `goal` with its keeper task.
    private mutating func createPlan(goal: String, _ start: ContinuousClock.Instant) async -> Bool {
        guard let id = await send(.POST, "/api/v1/plans", "POST /api/v1/plans", start, ["goal_id": .string(goal), "name": "load plan"], id: "plan_id") else {
            return false
        }
        let keeper: JSONValue = ["plan_id": .string(id), "name": "keeper", "task_type": "keeper"]
        // Without its keeper the plan could finish under us; then it is not used.
        guard await send(.POST, "/api/v1/tasks", "POST /api/v1/tasks", .now, keeper, id: "task_id") != nil else { return false }
        plans.append((id, goal))
        return true
    }

    private mutating func workCycle(_ start: ContinuousClock.Instant) async {
        guard let worker else { return }
        let claim: JSONValue = ["agent_id": .string(worker), "task_types": ["work"], "plan_id": .string(pick(plans).id), "lease_seconds": 60]
        guard let claimed = await exchange(.POST, "/api/v1/tasks/claim", "POST /api/v1/tasks/claim", start, claim),
              let task = claimed["data"]?.arrayValue?.first?["task_id"]?.stringValue
        else { return }
        let me: JSONValue = ["agent_id": .string(worker), "lease_seconds": 60]
        guard await exchange(.POST, "/api/v1/tasks/\(task)/heartbeat", "POST /api/v1/tasks/{id}/heartbeat", .now, me) != nil else { return }
        // One claimed task in ten fails (retryable), the first early in the run.
        claims += 1
        if claims % 10 == 3 {
            await send(.POST, "/api/v1/tasks/\(task)/fail", "POST /api/v1/tasks/{id}/fail", .now,
                       ["agent_id": .string(worker), "error": "simulated failure", "retryable": true])
        } else {
            await send(.POST, "/api/v1/tasks/\(task)/complete", "POST /api/v1/tasks/{id}/complete", .now,
                       ["agent_id": .string(worker), "outputs": ["result": "done"]])
        }
    }

    private mutating func pick<T>(_ items: [T]) -> T { items.randomElement(using: &generator)! }

    /// Sends, records, and returns the id field of the answer (when asked for one and it succeeded).
    @discardableResult
    private func send(
        _ method: HTTPMethod, _ path: String, _ name: String, _ start: ContinuousClock.Instant, _ body: JSONValue? = nil, id: String? = nil
    ) async -> String? {
        guard let reply = await exchange(method, path, name, start, body) else { return nil }
        guard let id else { return "" }
        return reply[id]?.stringValue
    }

    /// Sends, records, and returns the parsed body of a 2xx answer.
    private func exchange(
        _ method: HTTPMethod, _ path: String, _ name: String, _ start: ContinuousClock.Instant, _ body: JSONValue? = nil
    ) async -> JSONValue? {
        do {
            let response = try await client.send(method, path, json: body)
            let elapsed = ContinuousClock.now - start
            let ok = (200..<300).contains(response.status)
            let reason = ok ? nil : "HTTP \(response.status) \(AgenticProblem(response: response).code)"
            recorder.record(method: method.rawValue, name: name, microseconds: elapsed.microseconds, status: response.status,
                            reason: reason, bytes: response.body.count)
            guard ok else { return nil }
            return (try? response.json()) ?? .null
        } catch {
            let elapsed = ContinuousClock.now - start
            recorder.record(method: method.rawValue, name: name, microseconds: elapsed.microseconds, status: nil,
                            reason: Self.describe(error), bytes: 0)
            return nil
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 120 ? String(text.prefix(120)) + "…" : text
    }
}

extension Duration {
    var microseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) * 1_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000_000)
    }
}
