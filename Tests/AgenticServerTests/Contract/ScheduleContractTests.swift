import AgenticCore
import AgenticStore
import Foundation
import Testing

/// Schedules: a goal and its plan at each tick of a cron expression in a time zone. The sweep
/// (`runDueSchedules`) is called by the test after moving its clock; each test has a database of
/// its own, because the sweep covers every tenant.
@Suite("Contract: schedules", .timeLimit(.minutes(3)))
struct ScheduleContractTests {
    static func time(_ value: JSONValue?) -> Timestamp? { value?.stringValue.flatMap { Timestamp(rfc3339: $0) } }
    static func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    static let planTemplate: JSONValue = [
        "name": "nightly", "tasks": [["ref": "fetch", "task_type": "fetch"], ["ref": "report", "depends_on_refs": ["fetch"]]],
    ]

    static func body(cron: String, zone: String = "UTC", goal: JSONValue = ["goal_text": "nightly report"]) -> JSONValue {
        ["name": "nightly", "cron": .string(cron), "time_zone": .string(zone), "goal_template": goal, "plan_template": planTemplate]
    }

    @Test("create and read show the next run times; only an admin changes schedules; every bad field is named and nothing is written", arguments: Backend.available)
    func createAndValidate(backend: Backend) async throws {
        let clock = ManualClock(Self.at("2026-06-01T10:07:00Z"))
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let created = try await api.post("/api/v1/schedules", Self.body(cron: "*/15 * * * *", zone: "Europe/Berlin"))
            #expect(created.status == 201, "\(created.text)")
            #expect(created["time_zone"] == "Europe/Berlin" && created["paused"] == false && created["run_count"] == 0)
            #expect(Self.time(created["next_run_at"]) == Self.at("2026-06-01T10:15:00Z"))
            #expect(created["next_runs"]?.arrayValue?.compactMap(Self.time) == ["10:15", "10:30", "10:45", "11:00", "11:15"].map { Self.at("2026-06-01T\($0):00Z") })
            #expect(created["last_run_at"] == .null && created["last_goal_id"] == .null)
            let id = try #require(created["schedule_id"]?.stringValue)
            #expect(try await api.get("/api/v1/schedules/\(id)")["next_runs"] == created["next_runs"])
            #expect(try await api.get("/api/v1/schedules").items.map { $0["schedule_id"] } == [.string(id)])
            // The zone defaults to UTC.
            let utc = try await api.post("/api/v1/schedules", ["name": "u", "cron": "0 9 * * MON", "goal_template": ["goal_text": "g"], "plan_template": [:]])
            #expect(utc["time_zone"] == "UTC" && Self.time(utc["next_run_at"]) == Self.at("2026-06-08T09:00:00Z"), "\(utc.text)")

            // A write key reads schedules but cannot create, change, pause or delete one.
            let writer = api.with(key: try await api.makeKey(scope: .write))
            #expect(try await writer.get("/api/v1/schedules/\(id)").status == 200)
            #expect(try await writer.post("/api/v1/schedules", Self.body(cron: "* * * * *")).status == 403)
            #expect(try await writer.patch("/api/v1/schedules/\(id)", ["paused": true]).status == 403)
            #expect(try await writer.post("/api/v1/schedules/\(id)/pause").status == 403)
            #expect(try await writer.delete("/api/v1/schedules/\(id)").status == 403)

            let bad: [(JSONValue, [String])] = [
                (Self.body(cron: "61 * * * *"), ["cron"]),
                (Self.body(cron: "* * * *"), ["cron"]),
                (Self.body(cron: "*/0 * * * *"), ["cron"]),
                (Self.body(cron: "99999999999999999999 * * * *"), ["cron"]),
                (Self.body(cron: "* * * * *", zone: "Mars/Olympus_Mons"), ["time_zone"]),
                (Self.body(cron: "* * * * *", zone: "../../etc/passwd"), ["time_zone"]),
                (Self.body(cron: "* * * * *", goal: [:]), ["goal_template.goal_text"]),
                (Self.body(cron: "* * * * *", goal: ["goal_text": "g", "priority": 99]), ["goal_template.priority"]),
                (["name": "n", "cron": "* * * * *", "goal_template": ["goal_text": "g"], "plan_template": ["goal_id": .string(UUID().uuidString)]], ["plan_template.goal_id"]),
                (["name": "n", "cron": "* * * * *", "goal_template": ["goal_text": "g"], "plan_template": ["tasks": [["ref": "a", "depends_on_refs": ["nope"]]]]],
                 ["plan_template.tasks[0].depends_on_refs[0]"]),
                (["name": "n", "cron": "* * * * *", "goal_template": ["goal_text": "g"], "plan_template": [:], "next_run_at": "2026-01-01T00:00:00Z"], ["next_run_at"]),
                (["cron": "* * * * *", "goal_template": ["goal_text": "g"]], ["name", "plan_template"]),
                // Each run creates new resources: a template may not fix their ids.
                (Self.body(cron: "* * * * *", goal: ["goal_text": "g", "goal_id": .string(UUID().uuidString)]), ["goal_template.goal_id"]),
                (["name": "n", "cron": "* * * * *", "goal_template": ["goal_text": "g"], "plan_template": ["tasks": [["ref": "a", "task_id": .string(UUID().uuidString)]]]],
                 ["plan_template.tasks[0].task_id"]),
            ]
            for (body, fields) in bad {
                let reply = try await api.post("/api/v1/schedules", body)
                #expect(reply.status == 422 && reply.errorFields == fields, "\(body): \(reply.text)")
            }
            #expect(try await api.patch("/api/v1/schedules/\(id)", ["cron": "0 25 * * *"]).errorFields == ["cron"])
            #expect(try await api.get("/api/v1/schedules").items.count == 2, "nothing half-written")
        }
    }

    @Test("each tick creates its goal and plan once; after downtime one run catches up; pause skips, resume starts from now", arguments: Backend.available)
    func ticks(backend: Backend) async throws {
        let clock = ManualClock(Self.at("2026-06-01T10:00:30Z"))
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let id = try await api.id(.schedule, Self.body(cron: "* * * * *"))
            #expect(try await api.store.runDueSchedules(limit: 10) == 0, "not yet")
            clock.advance(seconds: 30)
            #expect(try await api.store.runDueSchedules(limit: 10) == 1)
            #expect(try await api.store.runDueSchedules(limit: 10) == 0, "once")

            let schedule = try await api.get("/api/v1/schedules/\(id)")
            #expect(Self.time(schedule["last_run_at"]) == Self.at("2026-06-01T10:01:00Z") && schedule["run_count"] == 1)
            #expect(Self.time(schedule["next_run_at"]) == Self.at("2026-06-01T10:02:00Z"))
            let goalID = try #require(schedule["last_goal_id"]?.stringValue)
            let planID = try #require(schedule["last_plan_id"]?.stringValue)
            let goal = try await api.get("/api/v1/goals/\(goalID)")
            #expect(goal["goal_text"] == "nightly report" && goal["metadata"]?["schedule_id"] == .string(id))
            #expect(goal["metadata"]?["scheduled_for"] == "2026-06-01T10:01:00.000000Z")
            let plan = try await api.get("/api/v1/plans/\(planID)?include=tasks")
            #expect(plan["goal_id"] == .string(goalID) && plan["name"] == "nightly")
            let tasks = plan["tasks"]?.arrayValue ?? []
            #expect(tasks.count == 2)
            let fetch = tasks.first { $0["task_type"] == "fetch" }
            let report = tasks.first { $0["task_type"] != "fetch" }
            #expect(report?["depends_on"] == [fetch?["task_id"] ?? .null])
            let fired = try await api.events("types=schedule.fired", atLeast: 1)
            #expect(fired.count == 1 && fired.first?["actor"] == "system" && fired.first?["resource_id"] == .string(id))
            #expect(fired.first?["data"]?["plan_id"] == .string(planID) && fired.first?["data"]?["scheduled_for"] == "2026-06-01T10:01:00.000000Z")

            // Ten minutes down: one run catches up, then the schedule waits for the next tick after now.
            clock.advance(seconds: 600)
            #expect(try await api.store.runDueSchedules(limit: 10) == 1)
            #expect(try await api.store.runDueSchedules(limit: 10) == 0, "not a storm")
            let caughtUp = try await api.get("/api/v1/schedules/\(id)")
            #expect(Self.time(caughtUp["last_run_at"]) == Self.at("2026-06-01T10:02:00Z") && caughtUp["run_count"] == 2)
            #expect(Self.time(caughtUp["next_run_at"]) == Self.at("2026-06-01T10:12:00Z"))
            #expect(try await api.get("/api/v1/goals?limit=200").items.count == 2)

            // Paused: no run and no next time; resumed: the first tick after now, the paused ones skipped.
            let paused = try await api.post("/api/v1/schedules/\(id)/pause")
            #expect(paused["paused"] == true && paused["next_run_at"] == .null && paused["next_runs"] == [])
            clock.advance(seconds: 300)
            #expect(try await api.store.runDueSchedules(limit: 10) == 0)
            let resumed = try await api.post("/api/v1/schedules/\(id)/resume")
            #expect(resumed["paused"] == false && Self.time(resumed["next_run_at"]) == Self.at("2026-06-01T10:17:00Z"), "\(resumed.text)")
            #expect(try await api.events("types=schedule.paused,schedule.resumed", atLeast: 2).count == 2)

            // A new cron moves the next run; the version and If-Match guard changes as everywhere.
            let version = try #require(resumed["version"]?.intValue)
            let stale = try await api.patch("/api/v1/schedules/\(id)", ["cron": "0 * * * *"], headers: [.ifMatch: "\"\(version - 1)\""])
            #expect(stale.status == 412)
            let hourly = try await api.patch("/api/v1/schedules/\(id)", ["cron": "0 * * * *"], headers: [.ifMatch: "\"\(version)\""])
            #expect(hourly.status == 200 && Self.time(hourly["next_run_at"]) == Self.at("2026-06-01T11:00:00Z"), "\(hourly.text)")

            #expect(try await api.delete("/api/v1/schedules/\(id)").status == 204)
            #expect(try await api.get("/api/v1/schedules/\(id)").status == 404)
            clock.advance(seconds: 7200)
            #expect(try await api.store.runDueSchedules(limit: 10) == 0)
            #expect(try await api.get("/api/v1/goals/\(goalID)").status == 200, "what it created stays")
        }
    }

    @Test("a run whose template no longer fits uses up its tick and says why (schedule.failed); the next tick runs again", arguments: Backend.available)
    func failedRun(backend: Backend) async throws {
        let clock = ManualClock(Self.at("2026-06-01T10:00:30Z"))
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let agent = try await api.id(.agent, ["name": "owner"])
            let id = try await api.id(.schedule, Self.body(cron: "* * * * *", goal: ["goal_text": "g", "agent_id": .string(agent)]))
            #expect(try await api.delete("/api/v1/agents/\(agent)").status == 204)
            clock.advance(seconds: 30)
            #expect(try await api.store.runDueSchedules(limit: 10) == 1)
            #expect(try await api.get("/api/v1/goals").items.isEmpty, "nothing half-created")
            let failed = try await api.events("types=schedule.failed", atLeast: 1)
            #expect(failed.first?["data"]?["error"]?["errors"]?.arrayValue?.first?["field"] == "agent_id", "\(failed)")
            let schedule = try await api.get("/api/v1/schedules/\(id)")
            #expect(Self.time(schedule["next_run_at"]) == Self.at("2026-06-01T10:02:00Z") && schedule["last_goal_id"] == .null)
            #expect(try await api.store.runDueSchedules(limit: 10) == 0)
            // Fixed, the next tick runs.
            #expect(try await api.patch("/api/v1/schedules/\(id)", ["goal_template": ["goal_text": "g"]]).status == 200)
            clock.advance(seconds: 60)
            #expect(try await api.store.runDueSchedules(limit: 10) == 1)
            #expect(try await api.get("/api/v1/goals").items.count == 1)
        }
    }

    @Test("daylight saving: a skipped local time runs once when the gap ends, a repeated one once at its first occurrence", arguments: Backend.available)
    func daylightSaving(backend: Backend) async throws {
        // Europe/Berlin: 2026-03-29 02:00 CET jumps to 03:00 CEST; 2026-10-25 03:00 CEST falls back to 02:00 CET.
        let clock = ManualClock(Self.at("2026-03-28T12:00:00Z"))
        try await TestApp.withAPI(backend, isolated: true, clock: clock) { api in
            let id = try await api.id(.schedule, Self.body(cron: "30 2 * * *", zone: "Europe/Berlin"))
            let spring = try await api.get("/api/v1/schedules/\(id)")
            #expect(spring["next_runs"]?.arrayValue?.prefix(2).compactMap(Self.time) == [Self.at("2026-03-29T01:00:00Z"), Self.at("2026-03-30T00:30:00Z")])
            var runs: [Timestamp] = []
            for _ in 0..<(3 * 24) {
                clock.advance(seconds: 3600)
                #expect(try await api.store.runDueSchedules(limit: 10) <= 1)
            }
            for event in try await api.events("types=schedule.fired", atLeast: 3) {
                if let tick = Self.time(event["data"]?["scheduled_for"]) { runs.append(tick) }
            }
            #expect(runs == [Self.at("2026-03-29T01:00:00Z"), Self.at("2026-03-30T00:30:00Z"), Self.at("2026-03-31T00:30:00Z")])

            clock.advance(seconds: Double(Self.at("2026-10-24T12:00:00Z").microseconds - clock.now().microseconds) / 1_000_000)
            _ = try await api.store.runDueSchedules(limit: 10)  // the one catch-up run for the months in between
            let autumn = try await api.get("/api/v1/schedules/\(id)")
            #expect(autumn["next_runs"]?.arrayValue?.prefix(2).compactMap(Self.time) == [Self.at("2026-10-25T00:30:00Z"), Self.at("2026-10-26T01:30:00Z")])
        }
    }
}
