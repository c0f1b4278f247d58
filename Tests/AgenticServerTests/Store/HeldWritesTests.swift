import AgenticCore
@testable import AgenticStore
import Foundation
import Testing

/// The PostgreSQL store sends a change, what it carries along and its events as one statement
/// (`HeldWrites`, `Together`). These check the composed text and when writes may not share one.
@Suite("PostgreSQL: writes held to leave together")
struct HeldWritesTests {
    typealias UpdateTask = Prepared.Update<PlanTask>
    typealias Events = Prepared.AppendEvents

    @Test("two writes become one statement: the first a WITH step, the second's placeholders moved past it")
    func twoWrites() {
        let updateParameters = UpdateTask.parameters
        #expect(updateParameters == StatementText.highestPlaceholder(in: UpdateTask.sql))
        let sql = Together<UpdateTask, Events>.sql
        #expect(sql.hasPrefix("WITH w0 AS (UPDATE tasks SET "))
        #expect(sql.contains(") INSERT INTO events "))
        #expect(Together<UpdateTask, Events>.parameters == updateParameters + 7)
        #expect(StatementText.highestPlaceholder(in: sql) == updateParameters + 7)
        #expect(sql.contains("$\(updateParameters + 7)::text[]"), "the events' data is the last value bound")
        #expect(!sql.contains("$1 + u.ord"), "the events' own $1 was moved")
    }

    @Test("three writes nest to the left, each step named once")
    func threeWrites() {
        typealias Three = Together<Together<UpdateTask, Prepared.DependencyCompleted>, Events>
        let sql = Three.sql
        #expect(sql.hasPrefix("WITH w0 AS (UPDATE tasks"))
        #expect(sql.contains(", w1 AS (UPDATE tasks SET unmet_dependencies"))
        #expect(!sql.contains("w2 AS"))
        #expect(Three.parameters == UpdateTask.parameters + 3 + 7, "the dependency step binds tenant, task and time")
        #expect(Three.name != Together<UpdateTask, Events>.name && Three.name.count < 64)
    }

    @Test("placeholders shift by whole numbers, and only placeholders")
    func shifting() {
        #expect(StatementText.shifted("a = $1 AND b = $12 AND c = '$'", by: 9) == "a = $10 AND b = $21 AND c = '$'")
        #expect(StatementText.highestPlaceholder(in: "x = $3 OR y = $10 OR z = $2") == 10)
    }

    @Test("writes that could change one row never share a statement")
    func overlaps() {
        let a = UUID(), b = UUID()
        #expect(WrittenRows.row(table: "tasks", id: a).overlaps(.row(table: "tasks", id: a)))
        #expect(!WrittenRows.row(table: "tasks", id: a).overlaps(.row(table: "tasks", id: b)))
        #expect(!WrittenRows.row(table: "tasks", id: a).overlaps(.row(table: "plans", id: a)))
        #expect(!WrittenRows.row(table: "tasks", id: a).overlaps(.dependentsOf(a)), "a task never depends on itself")
        #expect(WrittenRows.row(table: "tasks", id: b).overlaps(.dependentsOf(a)), "b may depend on a")
        #expect(!WrittenRows.row(table: "plans", id: b).overlaps(.dependentsOf(a)))
        #expect(WrittenRows.dependentsOf(a).overlaps(.dependentsOf(b)), "one task may depend on both")
        #expect(!WrittenRows.events.overlaps(.events))
    }

    @Test("holding: an overlapping write sends what is held first; at most a few go together")
    func holding() {
        let held = HeldWrites()
        let task = PlanTask.sample()
        #expect(held.hold(Prepared.Update(object: task), rows: .row(table: "tasks", id: task.id)) == nil)
        #expect(held.hold(Prepared.DependencyCompleted(tenant: "t", completed: task.id, now: .now()), rows: .dependentsOf(task.id)) == nil)
        // The same task again: the two held ones must go first.
        let sent = held.hold(Prepared.Update(object: task), rows: .row(table: "tasks", id: task.id))
        #expect(sent.map { type(of: $0) == Together<UpdateTask, Prepared.DependencyCompleted>.self } == true)
        #expect(held.take().map { type(of: $0) == UpdateTask.self } == true)
        #expect(held.take() == nil)
        var flushed = 0
        for _ in 0..<(HeldWrites.limit * 2) {
            let other = PlanTask.sample()
            if held.hold(Prepared.Update(object: other), rows: .row(table: "tasks", id: other.id)) != nil { flushed += 1 }
        }
        #expect(flushed == 1, "\(HeldWrites.limit) at most in one statement")
    }
}

extension PlanTask {
    static func sample() -> PlanTask {
        try! PlanTask.fields.draft(["plan_id": .string(UUID().lowercased)]).make(tenant: "t", now: Timestamp.now())
    }
}
