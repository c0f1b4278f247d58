import AgenticCore
import Foundation
import Testing

@Suite("Plan graphs and name ranges")
struct PlanGraphTests {
    @Test("a graph orders every task after its dependencies; a cycle names the edge that closes it")
    func ordering() throws {
        // 3 → 1 → 0, 2 → 0, 3 → 2
        let order = try TaskGraph.order([[], [0], [0], [1, 2]]).get()
        #expect(order.count == 4)
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        for (node, deps) in [[], [0], [0], [1, 2]].enumerated() {
            for dep in deps { #expect(position[dep]! < position[node]!) }
        }
        guard case .failure(let cycle) = TaskGraph.order([[2], [0], [1]]) else { Issue.record("a cycle passed"); return }
        #expect(cycle.path.first == cycle.to && cycle.path.last == cycle.to && cycle.path.count == 4)

        // A 500-long chain needs no deep recursion.
        let chain = (0..<Limits.maxPlanTasks).map { $0 == 0 ? [] : [$0 - 1] }
        #expect(try TaskGraph.order(chain).get() == Array(0..<Limits.maxPlanTasks))
    }

    @Test("a plan body names every bad member of its tasks at once")
    func reading() throws {
        let goal = UUID().uuidString
        let creation = try PlanCreation.read([
            "goal_id": .string(goal),
            "tasks": [["ref": "b", "depends_on_refs": ["a"], "input_data": ["x": 1]], ["ref": "a"]],
        ])
        #expect(creation.listsTasks && creation.tasks.map(\.ref) == ["b", "a"])
        #expect(creation.tasks[0].dependsOn == [1] && creation.insertionOrder == [1, 0])
        #expect(creation.tasks[0].draft.value.inputs == ["x": 1] && creation.tasks[1].draft.value.name == "Unnamed task")
        #expect(try PlanCreation.read(["goal_id": .string(goal)]).listsTasks == false)
        do {
            _ = try PlanCreation.read(["goal_id": 7, "tasks": [["ref": 1, "priority": -1], ["ref": "x", "depends_on_refs": "y"]]])
            Issue.record("accepted")
        } catch {
            let fields = error.fieldErrors.map(\.field).sorted()
            #expect(fields == ["goal_id", "tasks[0].priority", "tasks[0].ref", "tasks[1].depends_on_refs"])
        }
    }

    @Test("a prefix's upper bound is the least string above everything that starts with it")
    func upperBound() {
        #expect(ListQuery.upperBound(ofPrefix: "abc") == "abd")
        #expect(ListQuery.upperBound(ofPrefix: "a\u{10FFFF}") == "b")
        #expect(ListQuery.upperBound(ofPrefix: "\u{10FFFF}\u{10FFFF}") == nil)
        #expect(ListQuery.upperBound(ofPrefix: "\u{D7FF}") == "\u{E000}")
        #expect(ListQuery.upperBound(ofPrefix: "é") == "ê")
        // In byte order (the stores' binary collations), every string with the prefix sorts inside.
        for name in ["abc", "abc\u{10FFFF}", "abcz", "abc\u{1F600}x"] {
            #expect(Array(name.utf8).lexicographicallyPrecedes(Array(ListQuery.upperBound(ofPrefix: "abc")!.utf8)))
        }
    }
}
