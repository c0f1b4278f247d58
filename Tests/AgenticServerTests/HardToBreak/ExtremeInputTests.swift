import AgenticCore
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import Yams

/// No input ends the process. Driven by the served OpenAPI document: every operation, every body
/// field (found by walking its schema, so a new field is covered the day it is documented), every
/// query parameter, path id and precondition header gets the extremes of its type, on a real
/// process. Each answer must be 2xx or 4xx and the process must still be alive after each one;
/// keys created with extreme rate limits are then used, before and after a restart.
@Suite("Hard to break: extreme values at every field", .timeLimit(.minutes(12)))
struct ExtremeInputTests {
    /// A valid body for each operation that takes one; the generator varies one field at a time.
    static func baseline(_ operation: String, ids: [String: String]) -> JSONValue? {
        let agent = JSONValue.string(ids["agent"]!)
        switch operation {
        case "createAgent": return ["name": "extreme"]
        case "updateAgent": return ["name": "extreme-2"]
        case "createGoal": return ["goal_text": "extreme", "constraints": ["max_parallelism": 2]]
        case "updateGoal": return ["priority": 3]
        case "cancelGoal", "cancelPlan", "cancelTask", "retryTask", "pauseSchedule", "resumeSchedule", "rejectTask": return ["reason": "extreme"]
        case "approveTask": return ["comment": "extreme"]
        case "requestApproval": return ["agent_id": agent, "question": "extreme?", "data": ["k": 1]]
        case "createSchedule":
            return [
                "name": "extreme", "cron": "*/5 * * * *", "time_zone": "Europe/Berlin", "goal_template": ["goal_text": "g", "priority": 3],
                "plan_template": ["name": "p", "tasks": [["ref": "a", "priority": 2], ["ref": "b", "depends_on_refs": ["a"]]]],
            ]
        case "updateSchedule": return ["cron": "0 * * * *", "paused": false]
        case "updateSettings": return ["default_retry_policy": ["initial_seconds": 5, "multiplier": 2, "max_seconds": 60, "jitter": true]]
        case "bulkTasks": return ["action": "cancel", "filter": ["plan_id": .string(ids["plan"]!), "status": "pending", "task_type": "atomic"]]
        case "createPlan":
            return [
                "goal_id": .string(ids["goal"]!), "name": "extreme",
                "tasks": [["ref": "a", "name": "first", "priority": 3], ["ref": "b", "depends_on_refs": ["a"]]],
            ]
        case "updatePlan": return ["name": "extreme-2"]
        case "createTask": return ["plan_id": .string(ids["plan"]!), "description": "extreme", "depends_on": []]
        case "updateTask": return ["priority": 4]
        case "createTaskSeed": return ["plan_id": .string(ids["plan"]!), "description": "seed", "task_type": .null, "input_data": ["k": 1]]
        case "updateTaskSeed": return ["priority": 4, "completed_at": "2026-01-18T12:00:00Z"]
        case "claimTasks": return ["agent_id": agent, "lease_seconds": 30, "limit": 1]
        case "heartbeatTask": return ["agent_id": agent, "lease_seconds": 30]
        case "releaseTask": return ["agent_id": agent]
        case "completeTask": return ["agent_id": agent, "outputs": [:], "usage": ["input_tokens": 10, "output_tokens": 5, "cost_usd": 0.01]]
        case "failTask": return ["agent_id": agent, "error": "x", "retryable": true, "usage": ["input_tokens": 1]]
        case "reportProgress": return ["agent_id": agent, "message": "extreme", "percent": 50, "data": [:]]
        case "appendEvent": return ["type": "x.extreme", "resource_id": agent, "data": [:]]
        case "createKey": return ["name": "extreme", "scope": "read", "rate_limit": ["requests_per_second": 5, "burst": 5]]
        case "createWebhook": return ["url": "http://127.0.0.1:9/extreme", "types": ["task.", "agent.created"], "secret": "extreme-secret-0123456789"]
        default: return nil
        }
    }

    @Test("every field, parameter and header at its extremes: always 2xx or 4xx, the process never dies", arguments: Backend.available)
    func extremes(backend: Backend) async throws {
        let database = try await backend.freshDatabaseURL()
        let key = "extreme-operator-key-" + UUID().uuidString
        var server = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
        let yaml = try await LiveHTTP.call(.get, server.baseURL + "/openapi.yaml").text
        let document = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let components = try #require(document["components"] as? [String: Any])
        let walker = SchemaWalker(schemas: try #require(components["schemas"] as? [String: Any]))
        let parameters = try #require(components["parameters"] as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])

        var ids: [String: String] = [:]
        ids["agent"] = try await LiveHTTP.call(.post, server.baseURL + "/api/v1/agents", key: key, json: ["name": "fixture"])["agent_id"]?.stringValue
        ids["goal"] = try await LiveHTTP.call(.post, server.baseURL + "/api/v1/goals", key: key, json: ["goal_text": "fixture"])["goal_id"]?.stringValue
        ids["plan"] = try await LiveHTTP.call(.post, server.baseURL + "/api/v1/plans", key: key, json: ["goal_id": .string(ids["goal"]!)])["plan_id"]?.stringValue
        ids["task"] = try await LiveHTTP.call(.post, server.baseURL + "/api/v1/tasks", key: key, json: ["plan_id": .string(ids["plan"]!)])["task_id"]?.stringValue
        ids["schedule"] = try await LiveHTTP.call(
            .post, server.baseURL + "/api/v1/schedules", key: key,
            json: ["name": "fixture", "cron": "0 0 * * *", "goal_template": ["goal_text": "g"], "plan_template": [:]])["schedule_id"]?.stringValue
        let spare = try await LiveHTTP.call(.post, server.baseURL + "/api/v1/keys", key: key, json: ["name": "spare", "scope": "read"])
        ids["key"] = spare["key_id"]?.stringValue
        #expect(ids.values.count == 6)

        var sent = 0
        var createdKeys: [String] = []
        func send(
            _ method: String, _ path: String, body: String? = nil, headers: [(String, String)] = [], what: String,
            sentDate: (path: [String], text: String)? = nil
        ) async throws {
            let reply = try await Self.call(method, server.baseURL + path, key: key, body: body, headers: headers)
            sent += 1
            #expect((200..<500).contains(reply.status), "\(method) \(path) \(what) → \(reply.status) \(reply.text.prefix(200))")
            // A date the server accepted comes back as the same instant, never silently moved.
            if let sentDate, (200..<300).contains(reply.status),
                let echoed = sentDate.path.reduce(Optional(reply.json), { $0?[$1] })?.stringValue
            {
                let same = Timestamp(rfc3339: echoed).map { Self.instant(sentDate.text) == $0.microseconds } ?? false
                #expect(same, "\(method) \(path): sent \(sentDate.text), got back \(echoed)")
            }
            #expect(server.process.isRunning, "the process died after \(method) \(path) \(what):\n\(server.log.suffix(3_000))")
            if !server.process.isRunning { throw TestFailure("the server died") }
            if path == "/api/v1/keys", method == "POST", reply.status == 201, let secret = reply["key"]?.stringValue {
                createdKeys.append(secret)
            }
        }

        for (template, item) in paths.sorted(by: { $0.key < $1.key }) where template.hasPrefix("/api/") {
            let shared = item["parameters"] as? [Any] ?? []
            for method in ["get", "post", "patch", "delete"] {
                guard let operation = item[method] as? [String: Any], let name = operation["operationId"] as? String else { continue }
                let path = Self.concrete(template, ids: ids)
                let verb = method.uppercased()
                let declared = (shared + (operation["parameters"] as? [Any] ?? [])).compactMap { walker.resolveParameter($0, parameters) }
                let baseline = Self.baseline(name, ids: ids)
                if operation["requestBody"] != nil {
                    let body = try #require(baseline, "no baseline body for \(name): add one so its fields are tried")
                    let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any]
                    let schema = (content?["application/json"] as? [String: Any])?["schema"]
                    let fields = walker.fields(of: schema)
                    #expect(!fields.isEmpty, "\(name) has no fields to try")
                    for field in fields {
                        for value in field.values {
                            let text = ExtremeValues.body(body, setting: field.path, to: value)
                            var date: (path: [String], text: String)?
                            if case .json(.string(let sentText)) = value, field.values.count == ExtremeValues.dates.count {
                                date = (field.path, sentText)
                            }
                            try await send(verb, path, body: text, what: "\(field.path.joined(separator: ".")) = \(value)", sentDate: date)
                        }
                    }
                    if verb == "POST" {
                        for idempotencyKey in [String(repeating: "k", count: 300), "a b", "ü", ""] {
                            try await send(verb, path, body: body.description, headers: [("Idempotency-Key", idempotencyKey)], what: "Idempotency-Key")
                        }
                    }
                }
                for parameter in declared {
                    let texts: [String]
                    switch parameter.name {
                    case "cursor": texts = ExtremeValues.cursorTexts
                    case "If-Match": texts = ExtremeValues.ifMatchTexts
                    case "id": texts = ExtremeValues.pathIDs
                    default: texts = ExtremeValues.integerTexts + ["x", String(repeating: "x", count: 5_000), "task.,", "*"]
                    }
                    for text in texts {
                        switch parameter.location {
                        case "query":
                            let encoded = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                            try await send(verb, path + "?\(parameter.name)=\(encoded)", body: baseline?.description, what: "?\(parameter.name)")
                        case "header":
                            guard !text.contains("\u{0}") else { continue }
                            try await send(verb, path, body: baseline?.description, headers: [(parameter.name, text)], what: parameter.name)
                        case "path":
                            let weird = template.replacingOccurrences(of: "{\(parameter.name)}", with: text)
                            try await send(verb, Self.concrete(weird, ids: ids), body: baseline?.description, what: "path id")
                        default:
                            break
                        }
                    }
                }
            }
        }
        #expect(sent > 1_500, "the generator reached every field (sent \(sent))")

        // Keys made with extreme rates are used, then used again after a restart.
        for secret in createdKeys {
            let reply = try await LiveHTTP.call(.get, server.baseURL + "/api/v1/agents", key: secret)
            #expect([200, 429].contains(reply.status) && server.process.isRunning, "\(reply.status)")
        }
        try await server.stop()
        server = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
        for secret in createdKeys {
            for _ in 0..<3 {
                let reply = try await LiveHTTP.call(.get, server.baseURL + "/api/v1/agents", key: secret)
                #expect([200, 429].contains(reply.status) && server.process.isRunning, "\(reply.status)")
            }
        }
        #expect(!createdKeys.isEmpty)
        try await server.stop()
    }

    /// An RFC 3339 instant in microseconds since 1970, computed independently of the server's parser
    /// (any year, any offset), or nil when the text is not one.
    static func instant(_ text: String) -> Int64? {
        let pattern = /^(-?\d{4,})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/
        guard let m = text.wholeMatch(of: pattern), let year = Int64(m.1), let month = Int64(m.2), let day = Int64(m.3),
            let hour = Int64(m.4), let minute = Int64(m.5), let second = Int64(m.6)
        else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
        var offset: Int64 = 0
        if let sign = m.9, let oh = m.10.flatMap({ Int64($0) }), let om = m.11.flatMap({ Int64($0) }) {
            offset = (oh * 3600 + om * 60) * (sign == "+" ? 1 : -1)
        }
        let fraction = m.7.map { Int64(String(($0 + "000000").prefix(6))) ?? 0 } ?? 0
        return (days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset) * 1_000_000 + fraction
    }

    /// The path with `{id}` filled by the fixture its collection names.
    static func concrete(_ template: String, ids: [String: String]) -> String {
        let collection = template.split(separator: "/").dropFirst(2).first.map(String.init) ?? ""
        let fixture = ["agents": "agent", "goals": "goal", "plans": "plan", "tasks": "task", "keys": "key", "schedules": "schedule"][collection] ?? ""
        return template.replacingOccurrences(of: "{id}", with: ids[fixture] ?? UUID().lowercased)
    }

    /// One request with a raw body; an event stream is read only until its first bytes.
    static func call(_ method: String, _ url: String, key: String, body: String?, headers: [(String, String)]) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        request.headers.add(name: "X-API-Key", value: key)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        var collected = ByteBuffer()
        let streaming = response.headers.first(name: "Content-Type")?.hasPrefix("text/event-stream") == true
        for try await chunk in response.body {
            collected.writeImmutableBuffer(chunk)
            if streaming { break }
        }
        var fields = HTTPFieldsBuilder()
        for header in response.headers { fields.add(header.name, header.value) }
        return Reply(status: Int(response.status.code), headers: fields.fields, body: Array(collected.readableBytesView))
    }
}

extension SchemaWalker {
    /// A declared parameter's name and where it goes (`query`, `header`, `path`).
    func resolveParameter(_ value: Any, _ parameters: [String: Any]) -> (name: String, location: String)? {
        var parameter = value as? [String: Any]
        if let reference = parameter?["$ref"] as? String, let name = reference.split(separator: "/").last {
            parameter = parameters[String(name)] as? [String: Any]
        }
        guard let name = parameter?["name"] as? String, let location = parameter?["in"] as? String else { return nil }
        return (name, location)
    }
}
