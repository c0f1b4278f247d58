import AgenticClient
import AgenticCore
import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Synchronization

/// The work queue's benchmark (`bench/queue`, `agentic loadtest --queue …`): task lifecycles
/// through the HTTP API, timed per step.
///
/// - `lifecycle`: each worker creates a task in its plan, claims the oldest ready one of that plan
///   and completes it with outputs, over and over — the same three steps as the minimal queue's
///   pgbench transaction. One worker agent; `plans` plans shared round-robin by the workers (each
///   holds a `keeper` task of another type, so it stays open).
/// - `drain`: one plan of `tasks` tasks in 16 dependency chains with cross-links, made first
///   (not timed), then drained by the workers: claim, then complete with `claim_next` until
///   every task is done. The plan must end `completed`.
public struct QueueBench: Sendable {
    public enum Shape: Sendable, Equatable {
        case lifecycle(plans: Int)
        case drain(tasks: Int)
    }

    public let url: String
    public let apiKey: String
    public let workers: Int
    public let durationSeconds: Double
    public let shape: Shape

    public init(url: String, apiKey: String, workers: Int, durationSeconds: Double, shape: Shape) {
        self.url = url
        self.apiKey = apiKey
        self.workers = workers
        self.durationSeconds = durationSeconds
        self.shape = shape
    }

    /// What one run measured.
    public struct Report: Sendable {
        public var lifecycles = 0
        public var seconds = 0.0
        public var steps: [String: LatencyStats] = [:]
        /// Non-2xx answers and transport errors, by reason.
        public var errors: [String: Int] = [:]
        /// The drained plan's status at the end (`drain` only).
        public var planStatus: String?

        public var rate: Double { seconds > 0 ? Double(lifecycles) / seconds : 0 }

        /// One JSON object: rate, each step's count, p50 and p99, and the errors.
        public var json: String {
            var object: JSONObject = [
                "lifecycles": .int(Int64(lifecycles)), "seconds": .double(seconds), "lifecycles_per_second": .double(rate),
            ]
            if let planStatus { object["plan_status"] = .string(planStatus) }
            var stepsObject: JSONObject = [:]
            for (name, stats) in steps {
                stepsObject[JSONKey(name)] = ["count": .int(Int64(stats.count)), "p50_ms": .double(stats.p50), "p99_ms": .double(stats.p99)]
            }
            object["steps"] = .object(stepsObject)
            var errorsObject: JSONObject = [:]
            for (reason, count) in errors { errorsObject[JSONKey(reason)] = .int(Int64(count)) }
            object["errors"] = .object(errorsObject)
            return JSONValue.object(object).description
        }
    }

    /// Runs the shape; `started` is called when the setup is done and the clock starts.
    public func run(started: @escaping @Sendable () -> Void = {}) async throws -> Report {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, workers + 4)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let client = AgenticClient(url: url, apiKey: apiKey, timeout: .seconds(60), httpClient: http)
        let recorder = StepRecorder()
        do {
            let report: Report
            switch shape {
            case .lifecycle(let plans): report = try await lifecycle(client, plans: plans, recorder, started)
            case .drain(let tasks): report = try await drain(client, tasks: tasks, recorder, started)
            }
            try await http.shutdown()
            return report
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    // MARK: shapes

    func lifecycle(_ client: AgenticClient, plans count: Int, _ recorder: StepRecorder, _ started: () -> Void) async throws -> Report {
        let setup = try await Setup.make(client, plans: count, keeper: true)
        started()
        let end = ContinuousClock.now + .seconds(durationSeconds)
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for number in 0..<workers {
                let plan = setup.plans[number % setup.plans.count]
                let worker = Worker(client: client, agent: setup.agent, plan: plan, recorder: recorder)
                group.addTask {
                    while ContinuousClock.now < end {
                        guard await worker.step("create", .POST, "/api/v1/tasks",
                                                ["plan_id": .string(plan), "name": "bench", "task_type": "work", "inputs": ["n": .int(Int64(number))]]) != nil
                        else { continue }
                        guard let task = await worker.claim() else { continue }
                        if await worker.step("complete", .POST, "/api/v1/tasks/\(task)/complete", .object(worker.done)) != nil { recorder.countLifecycle() }
                    }
                }
            }
        }
        return recorder.report(seconds: (ContinuousClock.now - start).seconds)
    }

    func drain(_ client: AgenticClient, tasks total: Int, _ recorder: StepRecorder, _ started: () -> Void) async throws -> Report {
        let setup = try await Setup.make(client, plans: 1, keeper: false)
        let plan = setup.plans[0]
        try await Setup.graph(client, plan: plan, tasks: total, creators: workers)
        started()
        let deadline = ContinuousClock.now + .seconds(durationSeconds)
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                let worker = Worker(client: client, agent: setup.agent, plan: plan, recorder: recorder)
                group.addTask {
                    var next: String? = nil
                    while ContinuousClock.now < deadline && recorder.lifecycles < total {
                        var claimed = next
                        if claimed == nil { claimed = await worker.claim() }
                        guard let task = claimed else {
                            // Nothing ready yet: the chains wait on tasks other workers hold.
                            try? await Task.sleep(for: .milliseconds(2))
                            continue
                        }
                        var body = worker.done
                        body["claim_next"] = ["plan_id": .string(plan), "limit": 1]
                        guard let answer = await worker.step("complete", .POST, "/api/v1/tasks/\(task)/complete", .object(body)) else {
                            next = nil
                            continue
                        }
                        recorder.countLifecycle()
                        next = answer["next"]?.arrayValue?.first?["task_id"]?.stringValue
                    }
                }
            }
        }
        var report = recorder.report(seconds: (ContinuousClock.now - start).seconds)
        report.planStatus = (try? await client.send(.GET, "/api/v1/plans/\(plan)").json())?["status"]?.stringValue
        return report
    }
}

/// One benchmark worker's requests, each timed under its step's name.
struct Worker: Sendable {
    let client: AgenticClient
    let agent: String
    let plan: String
    let recorder: StepRecorder

    var done: JSONObject { ["agent_id": .string(agent), "outputs": ["result": "done", "tokens": 42]] }

    /// Claims one ready `work` task of the plan; its id, or nil when none was ready.
    func claim() async -> String? {
        let body: JSONValue = ["agent_id": .string(agent), "plan_id": .string(plan), "task_types": ["work"], "limit": 1, "lease_seconds": 60]
        return await step("claim", .POST, "/api/v1/tasks/claim", body)?["data"]?.arrayValue?.first?["task_id"]?.stringValue
    }

    /// Sends, times and returns the parsed body of a 2xx answer (nil otherwise, the reason counted).
    func step(_ name: String, _ method: HTTPMethod, _ path: String, _ body: JSONValue) async -> JSONValue? {
        let start = ContinuousClock.now
        do {
            let response = try await client.send(method, path, json: body)
            let ok = (200..<300).contains(response.status)
            recorder.record(name, (ContinuousClock.now - start).microseconds, failure: ok ? nil : "\(name): HTTP \(response.status) \(AgenticProblem(response: response).code)")
            return ok ? ((try? response.json()) ?? .null) : nil
        } catch {
            recorder.record(name, (ContinuousClock.now - start).microseconds, failure: "\(name): \(VirtualUser.describe(error))")
            return nil
        }
    }
}

/// What the workers need before the clock starts: one worker agent, a goal and its plans.
struct Setup {
    let agent: String
    let plans: [String]

    static func make(_ client: AgenticClient, plans count: Int, keeper: Bool) async throws -> Setup {
        let agent = try await id(client, "/api/v1/agents", ["name": .string("bench-worker-\(UUID().uuidString.prefix(8))"), "agent_type": "worker"], "agent_id")
        let goal = try await id(client, "/api/v1/goals", ["goal_text": "queue benchmark", "agent_id": .string(agent)], "goal_id")
        var plans: [String] = []
        for n in 0..<max(1, count) {
            let plan = try await id(client, "/api/v1/plans", ["goal_id": .string(goal), "name": .string("bench plan \(n)")], "plan_id")
            if keeper { _ = try await id(client, "/api/v1/tasks", ["plan_id": .string(plan), "name": "keeper", "task_type": "keeper"], "task_id") }
            plans.append(plan)
        }
        return Setup(agent: agent, plans: plans)
    }

    /// `total` tasks in waves of `width`: task i depends on task i − width (its chain), and every
    /// seventh also on task i − width − 1 (a neighbour chain), so the graph fans in across chains.
    static func graph(_ client: AgenticClient, plan: String, tasks total: Int, creators width: Int) async throws {
        var ids: [String] = []
        ids.reserveCapacity(total)
        var index = 0
        while index < total {
            let wave = index..<min(total, index + max(1, width))
            let made = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for i in wave {
                    var depends: [JSONValue] = []
                    if i >= width { depends.append(.string(ids[i - width])) }
                    if i % 7 == 0 && i > width { depends.append(.string(ids[i - width - 1])) }
                    let body: JSONValue = ["plan_id": .string(plan), "name": .string("step \(i)"), "task_type": "work", "depends_on": .array(depends)]
                    group.addTask { (i, try await id(client, "/api/v1/tasks", body, "task_id")) }
                }
                var made: [(Int, String)] = []
                for try await pair in group { made.append(pair) }
                return made.sorted { $0.0 < $1.0 }.map(\.1)
            }
            ids += made
            index = wave.upperBound
        }
    }

    static func id(_ client: AgenticClient, _ path: String, _ body: JSONValue, _ field: String) async throws -> String {
        let response = try await client.send(.POST, path, json: body)
        guard (200..<300).contains(response.status), let id = (try? response.json())?[field]?.stringValue else {
            throw AgenticProblem(response: response)
        }
        return id
    }
}

/// Latencies by step and the lifecycle count, shared by the workers.
final class StepRecorder: Sendable {
    private struct State {
        var steps: [String: LatencyStats] = [:]
        var errors: [String: Int] = [:]
        var lifecycles = 0
    }

    private let state = Mutex(State())

    func record(_ step: String, _ microseconds: UInt64, failure: String?) {
        state.withLock { state in
            state.steps[step, default: LatencyStats()].record(microseconds: microseconds, failed: failure != nil, bytes: 0)
            if let failure { state.errors[failure, default: 0] += 1 }
        }
    }

    func countLifecycle() { state.withLock { $0.lifecycles += 1 } }

    var lifecycles: Int { state.withLock { $0.lifecycles } }

    func report(seconds: Double) -> QueueBench.Report {
        state.withLock { state in
            QueueBench.Report(lifecycles: state.lifecycles, seconds: seconds, steps: state.steps, errors: state.errors)
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
