/// The mix every virtual user runs: each operation with its weight (out of 100). It covers every
/// endpoint of the contract, the worker cycle included, and only ever uses ids the user created
/// itself — so a 404 in a report is a real 404, never the load tester's guess.
public enum Operation: String, CaseIterable, Sendable {
    case createAgent, getAgent, patchAgent, listAgents, deleteAgent
    case createGoal, getGoal, patchGoal, listGoals
    case createPlan, getPlan, listPlans, cancelPlan
    case createTask, getTask, listTasks
    /// claim → heartbeat → complete (one in ten: fail, retryable).
    case workCycle
    case readEvents
    case health
    /// `GET /health/live`: no database, no key; what the generator's own ceiling is measured with.
    case liveness

    public var weight: Int {
        switch self {
        case .createAgent: 8
        case .getAgent: 14
        case .patchAgent: 8
        case .listAgents: 4
        case .deleteAgent: 1
        case .createGoal: 6
        case .getGoal: 6
        case .patchGoal: 3
        case .listGoals: 3
        case .createPlan: 4
        case .getPlan: 4
        case .listPlans: 2
        case .cancelPlan: 1
        case .createTask: 10
        case .getTask: 6
        case .listTasks: 3
        case .workCycle: 10
        case .readEvents: 4
        case .health: 3
        case .liveness: 0
        }
    }

    /// The requests it sends, as they appear in reports.
    public var endpoints: [String] {
        switch self {
        case .createAgent: ["POST /api/v1/agents"]
        case .getAgent: ["GET /api/v1/agents/{id}"]
        case .patchAgent: ["PATCH /api/v1/agents/{id}"]
        case .listAgents: ["GET /api/v1/agents"]
        case .deleteAgent: ["DELETE /api/v1/agents/{id}"]
        case .createGoal: ["POST /api/v1/goals"]
        case .getGoal: ["GET /api/v1/goals/{id}"]
        case .patchGoal: ["PATCH /api/v1/goals/{id}"]
        case .listGoals: ["GET /api/v1/goals"]
        case .createPlan: ["POST /api/v1/plans"]
        case .getPlan: ["GET /api/v1/plans/{id}"]
        case .listPlans: ["GET /api/v1/plans"]
        case .cancelPlan: ["POST /api/v1/plans/{id}/cancel"]
        case .createTask: ["POST /api/v1/tasks"]
        case .getTask: ["GET /api/v1/tasks/{id}"]
        case .listTasks: ["GET /api/v1/tasks"]
        case .workCycle:
            ["POST /api/v1/tasks/claim", "POST /api/v1/tasks/{id}/heartbeat", "POST /api/v1/tasks/{id}/complete", "POST /api/v1/tasks/{id}/fail"]
        case .readEvents: ["GET /api/v1/events"]
        case .health: ["GET /health/ready"]
        case .liveness: ["GET /health/live"]
        }
    }

    /// What of the user's own must exist before it can run (made on first need).
    enum Need: Int, Comparable {
        case nothing, agents, goals, plans, tasks
        static func < (a: Need, b: Need) -> Bool { a.rawValue < b.rawValue }
    }

    var need: Need {
        switch self {
        case .createAgent, .listAgents, .readEvents, .health, .liveness: .nothing
        case .getAgent, .patchAgent, .deleteAgent, .createGoal: .agents
        case .getGoal, .patchGoal, .listGoals, .createPlan: .goals
        case .getPlan, .listPlans, .cancelPlan, .createTask, .listTasks, .workCycle: .plans
        case .getTask: .tasks
        }
    }

}

/// Which operations a run draws, and how often.
public enum Mix: String, CaseIterable, Sendable {
    /// Every endpoint, by `Operation.weight` (the default).
    case full
    /// The benchmark mix of the system Agentic replaces: 25 % create agent, 15 % patch agent,
    /// 45 % get agent, 10 % create goal, 5 % health.
    case crud
    /// Only `GET /health/live`: measures the generator's own ceiling.
    case liveness

    public var weights: [(Operation, Int)] {
        switch self {
        case .full: Operation.allCases.map { ($0, $0.weight) }.filter { $0.1 > 0 }
        case .crud: [(.createAgent, 25), (.patchAgent, 15), (.getAgent, 45), (.createGoal, 10), (.health, 5)]
        case .liveness: [(.liveness, 1)]
        }
    }

    /// An operation drawn by weight.
    func random<G: RandomNumberGenerator>(using generator: inout G) -> Operation {
        let weights = self.weights
        var pick = Int.random(in: 0..<weights.reduce(0) { $0 + $1.1 }, using: &generator)
        for (operation, weight) in weights {
            if pick < weight { return operation }
            pick -= weight
        }
        return weights[0].0
    }
}
