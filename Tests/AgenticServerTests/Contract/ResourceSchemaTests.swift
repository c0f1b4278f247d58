import AgenticClient
import AgenticCore
import AgenticServer
import Foundation
import Testing
import Yams

/// `openapi.yaml` against the resources' descriptions: each resource, create and PATCH schema has
/// exactly the described fields, with their types, enums, limits and required lists. The Swift
/// client decodes responses through the same descriptions, so a field added to the server and
/// missing from the document (or the other way round) fails here.
@Suite("OpenAPI schemas follow the resource descriptions")
struct ResourceSchemaTests {
    static var schemas: [String: Any] {
        let document = (try? Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any]) ?? [:]
        return ((document["components"] as? [String: Any])?["schemas"] as? [String: Any]) ?? [:]
    }

    /// The document's name for a nested object in a request.
    static let inputNames = ["GoalConstraints": "GoalConstraintsInput", "RetryPolicy": "RetryPolicyInput", "Usage": "UsageInput"]

    @Test("responses: every field, its type and limits, all required")
    func responses() throws {
        try Self.checkResponse(Agent.self, "Agent")
        try Self.checkResponse(Goal.self, "Goal")
        try Self.checkResponse(Plan.self, "Plan")
        try Self.checkResponse(PlanTask.self, "Task")
        try Self.checkResponse(Schedule.self, "Schedule")
        try Self.checkResponse(GoalConstraints.self, "GoalConstraints")
        try Self.checkResponse(RetryPolicy.self, "RetryPolicy")
        try Self.checkResponse(Usage.self, "Usage")
        try Self.checkResponse(RateLimit.self, "RateLimit")
        try Self.checkResponse(Webhook.self, "Webhook")
        try Self.checkResponse(WebhookDelivery.self, "WebhookDelivery")
        try Self.checkResponse(TaskRateLimit.self, "TaskRateLimit")
        try Self.checkResponse(ConcurrencyLimit.self, "ConcurrencyLimit")
        // The create answer is the only one with the secret.
        let created = Webhook.fields.fields.filter(\.isRequestMember).map(AnyField.init)
        try Self.check(created, "WebhookCreated", requiredNames: Set(created.map(\.name)), input: false)
        // The Swift client's key type: a field the server adds to keys fails here until the client reads it.
        try Self.checkResponse(KeyInfo.self, "Key")
    }

    @Test("create requests: the fields a client may set, aliases included, and what is required")
    func creates() throws {
        try Self.checkCreate(Agent.self, "AgentCreate")
        try Self.checkCreate(Goal.self, "GoalCreate")
        try Self.checkCreate(Plan.self, "PlanCreate", extra: ["tasks", "steps"])
        try Self.checkCreate(PlanTask.self, "TaskCreate")
        try Self.checkCreate(Schedule.self, "ScheduleCreate")
        try Self.checkRequest(Webhook.fields, "WebhookCreate", settable: { $0.access != .server }, input: true)
        try Self.checkRequest(TaskRateLimit.fields, "TaskRateLimitInput", settable: { $0.access != .server }, input: true)
        try Self.checkRequest(ConcurrencyLimit.fields, "ConcurrencyLimitInput", settable: { $0.access != .server }, input: true)
        try Self.checkRequest(GoalConstraints.fields, "GoalConstraintsInput", settable: { $0.access != .server }, input: true)
        try Self.checkRequest(RetryPolicy.fields, "RetryPolicyInput", settable: { $0.access != .server }, input: true)
        try Self.checkRequest(Usage.fields, "UsageInput", settable: { $0.access != .server }, input: true)
        // The enforced members of free-form budgets: described, the rest left open.
        try Self.checkRequest(PlanBudget.fields, "PlanBudget", settable: { _ in true }, input: true, open: true)
        try Self.checkRequest(AgentLimits.fields, "AgentLimits", settable: { _ in true }, input: true, open: true)
        // A plan's tasks: any task field but the plan and the dependencies by id, which refs replace.
        try Self.checkRequest(
            PlanTask.fields, "PlannedTask", settable: { $0.access != .server && !["plan_id", "depends_on"].contains($0.name) },
            input: true, extra: ["ref", "depends_on_refs"], required: ["ref"])
        try Self.checkRequest(
            PlanTask.fields, "PlanStep", settable: { $0.access != .server && !["plan_id", "depends_on"].contains($0.name) },
            input: true, extra: ["ref", "depends_on_refs"])
    }

    @Test("a plan's answers with tasks are the plan's schema plus the task members")
    func planVariants() throws {
        let plan = try #require(Self.schemas["Plan"] as? [String: Any])
        let properties = try #require(plan["properties"] as? [String: Any])
        for (name, extra) in [("PlanCreated", ["tasks"]), ("PlanWithTasks", ["tasks", "tasks_next_cursor"])] {
            let variant = try #require(Self.schemas[name] as? [String: Any])
            let own = try #require(variant["properties"] as? [String: Any])
            #expect(Set(own.keys) == Set(properties.keys).union(extra), "\(name)")
            for (key, value) in properties {
                #expect(try Self.normalize(own[key] ?? [:], input: false) == Self.normalize(value, input: false), "\(name).\(key)")
            }
            #expect(Set(variant["required"] as? [String] ?? []).isSuperset(of: Set(plan["required"] as? [String] ?? [])), "\(name)")
            #expect(variant["additionalProperties"] as? Bool == false)
        }
    }

    @Test("PATCH requests: the fields a PATCH may change, nothing required")
    func patches() throws {
        for (fields, name) in [(Agent.fields.fields.map(AnyField.init), "AgentPatch"), (Goal.fields.fields.map(AnyField.init), "GoalPatch"),
                               (Plan.fields.fields.map(AnyField.init), "PlanPatch"), (PlanTask.fields.fields.map(AnyField.init), "TaskPatch"),
                               (Schedule.fields.fields.map(AnyField.init), "SchedulePatch")] {
            try Self.check(fields.filter { $0.isVisible && $0.access == .always }, name, requiredNames: [], input: true)
        }
    }

    @Test("the cursor parameter's pattern is the form every cursor has, and next_cursor says the same")
    func cursorPattern() throws {
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        let parameters = try #require((document["components"] as? [String: Any])?["parameters"] as? [String: Any])
        let cursor = try #require((parameters["cursor"] as? [String: Any])?["schema"] as? [String: Any])
        #expect(cursor["pattern"] as? String == Cursor.pattern)
        for page in ["AgentPage", "GoalPage", "PlanPage", "TaskPage"] {
            let next = try #require(((Self.schemas[page] as? [String: Any])?["properties"] as? [String: Any])?["next_cursor"] as? [String: Any])
            #expect(next["pattern"] as? String == Cursor.pattern, "\(page)")
        }
        let sample = Cursor(createdAt: Timestamp(microseconds: 1_795_978_708_615_468), id: UUID()).encoded
        #expect(sample.wholeMatch(of: try Regex(Cursor.pattern)) != nil)
    }

    /// The `pattern` the document gives `property` of schema `name`.
    static func documentedPattern(_ name: String, _ property: String) throws -> String? {
        let schema = try #require(schemas[name] as? [String: Any], "no schema \(name)")
        let member = try #require((schema["properties"] as? [String: Any])?[property] as? [String: Any], "\(name) has no \(property)")
        return member["pattern"] as? String
    }

    @Test("a schedule's cron is documented with the pattern the parser is held to (CronExpression.pattern)")
    func cronPattern() throws {
        for name in ["Schedule", "ScheduleCreate", "SchedulePatch"] {
            #expect(try Self.documentedPattern(name, "cron") == CronExpression.pattern, "\(name).cron")
        }
    }

    @Test("a schedule's time_zone and a webhook's url are documented with the patterns their parsers are held to")
    func timeZoneAndURLPatterns() throws {
        for name in ["Schedule", "ScheduleCreate", "SchedulePatch"] {
            #expect(try Self.documentedPattern(name, "time_zone") == ScheduleTimeZone.namePattern, "\(name).time_zone")
        }
        #expect(try Self.documentedPattern("WebhookCreate", "url") == WebhookURL.pattern)
    }

    @Test("the comparison itself notices a difference")
    func noticesDifferences() throws {
        let task = try #require(Self.schemas["Task"] as? [String: Any])
        var properties = try #require(task["properties"] as? [String: Any])
        properties["priority"] = ["type": "integer", "minimum": 0, "maximum": 11]
        let normalized = try Self.normalize(properties["priority"]!, input: false)
        #expect(normalized != PlanTask.fields.field(\PlanTask.priority).schema)
        #expect(try Self.normalize(["$ref": "#/components/schemas/Priority"], input: false) == PlanTask.fields.field(\PlanTask.priority).schema)
    }

    // MARK: checks

    static func checkResponse<Object: DescribedObject>(_: Object.Type, _ name: String) throws {
        let visible = Object.fields.fields.filter(\.isVisible).map(AnyField.init)
        try check(visible, name, requiredNames: Set(visible.map(\.name)), input: false)
    }

    static func checkCreate<Object: DescribedResource>(_: Object.Type, _ name: String, extra: Set<String> = []) throws {
        try checkRequest(Object.fields, name, settable: { $0.access != .server }, input: true, extra: extra)
    }

    /// `extra` names members the request has beyond the described fields (checked elsewhere);
    /// `required` adds to what the fields require.
    static func checkRequest<Object>(
        _ description: ResourceDescription<Object>, _ name: String, settable: (ResourceField<Object>) -> Bool, input: Bool,
        extra: Set<String> = [], required extraRequired: Set<String> = [], open: Bool = false
    ) throws {
        let fields = description.fields.filter { $0.isRequestMember && settable($0) }.map(AnyField.init)
        let schema = try #require(schemas[name] as? [String: Any], "no schema \(name)")
        // A required field with aliases is required as "one of its names".
        var required = Set(fields.filter { $0.required && $0.aliases.isEmpty }.map(\.name))
        for field in fields where field.required && !field.aliases.isEmpty {
            let alternatives = (schema["oneOf"] as? [[String: Any]] ?? []).compactMap { ($0["required"] as? [String])?.first }
            #expect(Set(alternatives) == Set([field.name] + field.aliases), "\(name): \(field.name) or its aliases are required")
            required.remove(field.name)
        }
        try check(fields, name, requiredNames: required.union(extraRequired), input: input, extra: extra.union(description.createInputs), open: open)
    }

    /// `open`: the object takes members beyond the described ones (free-form budgets).
    static func check(_ fields: [AnyField], _ name: String, requiredNames: Set<String>, input: Bool, extra: Set<String> = [], open: Bool = false) throws {
        let schema = try #require(schemas[name] as? [String: Any], "no schema \(name)")
        let properties = try #require(schema["properties"] as? [String: Any], "\(name) has no properties")
        let expectedNames = Set(fields.flatMap { [$0.name] + (input ? $0.aliases : []) }).union(extra)
        #expect(Set(properties.keys) == expectedNames, "\(name): document \(properties.keys.sorted()) vs description \(expectedNames.sorted())")
        #expect(Set(schema["required"] as? [String] ?? []) == requiredNames, "\(name): required")
        // Open: other members are any free-form JSON (`additionalProperties` is `JSONValue`); closed: `false`.
        let others = schema["additionalProperties"]
        let takesOthers = (others as? [String: Any])?["$ref"] as? String == "#/components/schemas/JSONValue"
        #expect(open ? takesOthers : others as? Bool == false, open ? "\(name) takes other members" : "\(name) must refuse unknown members")
        for field in fields {
            for member in [field.name] + (input ? field.aliases : []) {
                guard let property = properties[member] else { continue }
                let documented = try normalize(property, input: input)
                var described = field.schema
                // A create request may narrow an enumeration (a new task is `pending` or `blocked`).
                if input, case .enumeration(let narrowed) = documented, case .enumeration(let all) = described,
                    Set(narrowed).isSubset(of: Set(all))
                {
                    described = documented
                }
                // An enumeration is a set: the document may list it in another order.
                if case .enumeration(let listed) = documented, case .enumeration(let all) = described, Set(listed) == Set(all) {
                    described = documented
                }
                #expect(documented == described, "\(name).\(member): document \(documented) vs description \(described)")
            }
        }
    }

    // MARK: reading the document as `FieldSchema`

    static func normalize(_ value: Any, input: Bool) throws -> FieldSchema {
        let schema = try #require(value as? [String: Any], "not a schema: \(value)")
        if let reference = schema["$ref"] as? String {
            let target = String(reference.split(separator: "/").last ?? "")
            let resolved = try #require(schemas[target] as? [String: Any], "unresolved \(reference)")
            // An object with members of its own is compared on its own, by name.
            if resolved["properties"] != nil {
                let responseName = inputNames.first { $0.value == target }?.key ?? target
                return .reference(responseName)
            }
            return try normalize(resolved, input: input)
        }
        if let alternatives = schema["oneOf"] as? [[String: Any]], alternatives.count == 2,
            let other = alternatives.first(where: { $0["type"] as? String != "null" }),
            alternatives.contains(where: { $0["type"] as? String == "null" })
        {
            return .nullable(try normalize(other, input: input))
        }
        if let alternatives = schema["oneOf"] as? [[String: Any]] {
            return .oneOf(try alternatives.map { try normalize($0, input: input) })
        }
        if let types = schema["type"] as? [String], types.contains("null"), let type = types.first(where: { $0 != "null" }) {
            var single = schema
            single["type"] = type
            return .nullable(try normalize(single, input: input))
        }
        let type = try #require(schema["type"] as? String, "no type in \(schema)")
        switch type {
        case "string":
            if let values = schema["enum"] as? [String] { return .enumeration(values) }
            return .string(minLength: schema["minLength"] as? Int, maxLength: schema["maxLength"] as? Int, format: schema["format"] as? String)
        case "integer":
            return .integer(minimum: int64(schema["minimum"]), maximum: int64(schema["maximum"]))
        case "number":
            return .number(minimum: double(schema["minimum"]), maximum: double(schema["maximum"]))
        case "boolean":
            return .boolean
        case "object":
            return .object
        case "array":
            return .array(of: try normalize(schema["items"] ?? [:], input: input), maxItems: schema["maxItems"] as? Int)
        default:
            throw TestFailure("unknown type \(type)")
        }
    }

    static func int64(_ value: Any?) -> Int64? {
        if let i = value as? Int { return Int64(i) }
        if let s = value as? String { return Int64(s) }
        if let d = value as? Double { return Int64(exactly: d) }
        return nil
    }

    static func double(_ value: Any?) -> Double? {
        if let i = value as? Int { return Double(i) }
        return value as? Double
    }
}

/// A field of any described type, for comparing lists of them.
struct AnyField {
    let name: String
    let aliases: [String]
    let access: FieldAccess
    let required: Bool
    let schema: FieldSchema
    let isVisible: Bool

    init<Object>(_ field: ResourceField<Object>) {
        (name, aliases, access, required, schema, isVisible) =
            (field.name, field.aliases, field.access, field.required, field.schema, field.isVisible)
    }
}
