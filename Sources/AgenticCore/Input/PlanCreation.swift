import Foundation

/// A task brought by a plan's create request: any task field but `plan_id` and `depends_on`, a
/// `ref` naming it within the request, and `depends_on_refs` naming the tasks it waits for.
public struct PlannedTask: Sendable {
    public var ref: String
    public var draft: TaskDraft
    /// Positions in `PlanCreation.tasks` of the tasks this one depends on.
    public var dependsOn: [Int]
}

/// The body of `POST /plans`: the plan, and optionally its whole task graph, checked as one — every
/// bad field named (`tasks[3].depends_on_refs[0]`), duplicate and dangling refs and cycles refused —
/// before anything is written.
public struct PlanCreation: Sendable {
    public var plan: PlanDraft
    /// In request order (the answer lists refs in this order).
    public var tasks: [PlannedTask]
    /// Positions in `tasks`, each after every task it depends on: the order to insert them.
    public var insertionOrder: [Int]
    /// Whether the request had `tasks` (even empty): then the answer lists the refs.
    public var listsTasks = false
    /// The member the tasks came in (`tasks`, or the seed's `steps`), for naming problems.
    public var member = "tasks"

    public init(plan: PlanDraft, tasks: [PlannedTask] = []) {
        self.plan = plan
        self.tasks = tasks
        insertionOrder = Array(tasks.indices)
    }

    /// Members of a task item besides the task's own create fields.
    static let itemMembers: Set<String> = ["ref", "depends_on_refs"]
    /// Task fields an item may not carry: the plan is the one being created, dependencies are refs.
    static let excludedTaskFields: [String: String] = [
        "plan_id": "is the plan being created; leave it out",
        "depends_on": "names existing tasks; a plan's new tasks name each other with depends_on_refs",
    ]

    public static func read(_ body: JSONValue) throws(AgenticError) -> PlanCreation {
        var reader = ObjectReader(
            body, known: Plan.fields.createNames.union(["tasks", "steps"]), readOnly: Plan.fields.readOnlyOnCreate)
        let plan = Plan.fields.readDraft(&reader)
        var creation = PlanCreation(plan: plan)
        switch (reader.object["tasks"], reader.object["steps"]) {
        case (.some, .some):
            reader.fail("steps", "give either tasks or steps, not both")
        case (.some(let value), nil):
            creation.listsTasks = true
            readTasks(value, member: "tasks", into: &creation, reader: &reader)
        case (nil, .some(let value)):
            // The seed's form: steps in order, each waiting for the one before unless the plan is
            // `parallel` (or the step says what it waits for).
            creation.listsTasks = true
            let chained = plan.value.planType != .parallel
            creation.member = "steps"
            readTasks(steps(value, chained: chained), member: "steps", into: &creation, reader: &reader)
        case (nil, nil):
            break
        }
        try reader.check()
        return creation
    }

    /// Steps as tasks: each its position (from 1) as ref unless it has one, and, when `chained`,
    /// the step before it as dependency unless it names its own.
    static func steps(_ value: JSONValue, chained: Bool) -> JSONValue {
        guard case .array(let items) = value else { return value }
        var previous: String?
        return .array(
            items.enumerated().map { index, item in
                guard case .object(var step) = item else { return item }
                let ref = step[JSONKey("ref")]?.stringValue ?? String(index + 1)
                if step[JSONKey("ref")] == nil { step[JSONKey("ref")] = .string(ref) }
                if chained, let previous, step[JSONKey("depends_on_refs")] == nil {
                    step[JSONKey("depends_on_refs")] = [.string(previous)]
                }
                previous = ref
                return .object(step)
            })
    }

    private static func readTasks(_ value: JSONValue, member: String, into creation: inout PlanCreation, reader: inout ObjectReader) {
        guard case .array(let items) = value else {
            reader.fail(member, "must be an array of tasks, not \(value.typeName)")
            return
        }
        guard items.count <= Limits.maxPlanTasks else {
            reader.fail(member, "must have at most \(Limits.maxPlanTasks) tasks")
            return
        }
        var refs: [(ref: String, item: JSONValue)] = []
        var positions: [String: Int] = [:]
        var taskIDs: [UUID: Int] = [:]
        let known = PlanTask.fields.createNames.union(itemMembers)
        for (index, item) in items.enumerated() {
            var itemReader = ObjectReader(
                item, known: known, readOnly: PlanTask.fields.readOnlyOnCreate, prefix: "\(member)[\(index)].")
            for (name, message) in excludedTaskFields.sorted(by: { $0.key < $1.key }) where itemReader.object[JSONKey(name)] != nil {
                itemReader.fail(name, message)
            }
            let draft = PlanTask.fields.readDraft(&itemReader, except: Set(excludedTaskFields.keys))
            let ref = itemReader.read("ref", Convert.string(min: 1, max: Limits.maxIdentifierLength)).value
            if case .object = item, itemReader.object["ref"] == nil { itemReader.fail("ref", "is required") }
            if let ref {
                if let first = positions[ref] {
                    itemReader.fail("ref", "is also the ref of \(member)[\(first)]")
                } else {
                    positions[ref] = index
                }
            }
            if draft.given.contains("task_id") {
                if let first = taskIDs[draft.id] {
                    itemReader.fail("task_id", "is also the task_id of \(member)[\(first)]")
                } else {
                    taskIDs[draft.id] = index
                }
            }
            reader.append(itemReader.errors)
            refs.append((ref ?? "", item))
            creation.tasks.append(PlannedTask(ref: ref ?? "", draft: draft, dependsOn: []))
        }
        // Dependencies, once every ref is known (a task may name one listed after it).
        for (index, item) in refs.enumerated() {
            guard case .object(let members) = item.item, let value = members[JSONKey("depends_on_refs")] else { continue }
            let path = "\(member)[\(index)].depends_on_refs"
            switch Convert.stringArray(maxItems: Limits.maxListItems, maxLength: Limits.maxIdentifierLength)(value) {
            case .failure(let problem):
                reader.append([FieldError(field: path + problem.subpath, message: problem.message)])
            case .success(let names):
                var seen = Set<String>()
                for (position, name) in names.enumerated() {
                    let at = "\(path)[\(position)]"
                    guard seen.insert(name).inserted else {
                        reader.append([FieldError(field: at, message: "is listed twice")])
                        continue
                    }
                    guard let target = positions[name] else {
                        reader.append([FieldError(field: at, message: "names no task of this request")])
                        continue
                    }
                    guard target != index else {
                        reader.append([FieldError(field: at, message: "a task cannot depend on itself")])
                        continue
                    }
                    creation.tasks[index].dependsOn.append(target)
                }
            }
        }
        guard reader.errors.isEmpty else { return }
        switch TaskGraph.order(creation.tasks.map(\.dependsOn)) {
        case .success(let order):
            creation.insertionOrder = order
        case .failure(let cycle):
            let ref = creation.tasks[cycle.to].ref
            let position = creation.tasks[cycle.from].dependsOn.firstIndex(of: cycle.to) ?? 0
            let names = cycle.path.map { creation.tasks[$0].ref }.joined(separator: " → ")
            reader.append([
                FieldError(
                    field: "\(member)[\(cycle.from)].depends_on_refs[\(position)]",
                    message: "`\(ref)` closes a dependency cycle: \(names)")
            ])
        }
    }
}

/// Orders a dependency graph given as, for each node, the nodes it depends on.
public enum TaskGraph {
    /// An edge that closes a cycle, and the cycle it closes (`path` starts and ends at `to`).
    public struct Cycle: Error, Equatable {
        public var from: Int
        public var to: Int
        public var path: [Int]
    }

    /// Every node after all it depends on (depth first, so the order is stable), or the first
    /// edge found that closes a cycle.
    public static func order(_ dependsOn: [[Int]]) -> Result<[Int], Cycle> {
        enum Mark { case unseen, open, done }
        var marks = [Mark](repeating: .unseen, count: dependsOn.count)
        var order: [Int] = []
        order.reserveCapacity(dependsOn.count)
        for root in dependsOn.indices where marks[root] == .unseen {
            // An explicit stack: 500 nodes in a chain must not exhaust the thread's stack.
            var stack: [(node: Int, next: Int)] = [(root, 0)]
            marks[root] = .open
            while let top = stack.last {
                let edges = dependsOn[top.node]
                guard top.next < edges.count else {
                    marks[top.node] = .done
                    order.append(top.node)
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let target = edges[top.next]
                switch marks[target] {
                case .done: continue
                case .open:
                    let start = stack.firstIndex { $0.node == target } ?? 0
                    return .failure(Cycle(from: top.node, to: target, path: stack[start...].map(\.node) + [target]))
                case .unseen:
                    marks[target] = .open
                    stack.append((target, 0))
                }
            }
        }
        return .success(order)
    }
}

/// The answer to a plan's create request: the plan, and the id each ref was given.
public struct CreatedPlan: Sendable, JSONWritable {
    public var plan: Plan
    /// `(ref, task_id)` in request order; nil when the request brought no `tasks`.
    public var tasks: [(ref: String, id: UUID)]?

    public init(plan: Plan, tasks: [(ref: String, id: UUID)]?) {
        self.plan = plan
        self.tasks = tasks
    }

    public func write(to w: inout JSONWriter) {
        Plan.fields.write(plan, to: &w) { w in
            guard let tasks else { return }
            w.key("tasks")
            w.beginArray()
            for task in tasks {
                w.beginObject()
                w.key("ref"); w.string(task.ref)
                w.key("task_id"); w.uuid(task.id)
                w.endObject()
            }
            w.endArray()
        }
    }
}
