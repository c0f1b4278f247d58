/// Limits a goal's execution must respect.
public struct GoalConstraints: Sendable, Equatable, JSONWritable {
    public var maxTokenBudget: Int64?
    public var maxExecutionTimeSec: Int64?
    public var maxParallelism: Int64 = 10
    public var deadline: Timestamp?
    public var requireApproval: Bool = false
    public var allowedAgentTypes: [String] = []
    public var forbiddenTools: [String] = []
    public var costLimitUSD: Double?

    public init() {}

    public static let fields: Set<String> = [
        "max_token_budget", "max_execution_time_sec", "max_parallelism", "deadline", "require_approval",
        "allowed_agent_types", "forbidden_tools", "cost_limit_usd",
    ]

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("max_token_budget"); w.int(maxTokenBudget)
        w.key("max_execution_time_sec"); w.int(maxExecutionTimeSec)
        w.key("max_parallelism"); w.int(maxParallelism)
        w.key("deadline"); w.timestamp(deadline)
        w.key("require_approval"); w.bool(requireApproval)
        w.key("allowed_agent_types"); w.strings(allowedAgentTypes)
        w.key("forbidden_tools"); w.strings(forbiddenTools)
        w.key("cost_limit_usd")
        if let costLimitUSD { w.double(costLimitUSD) } else { w.null() }
        w.endObject()
    }

    /// Reads constraints from a request; missing members take their defaults. Problems are reported
    /// under `constraints.<member>`.
    public static func read(_ value: JSONValue, errors: inout [FieldError]) -> GoalConstraints {
        var reader = ObjectReader(value, known: fields, prefix: "constraints.")
        var c = GoalConstraints()
        c.maxTokenBudget = reader.read("max_token_budget", nullable: true, Convert.int(0...Int64(1) << 53)).value
        c.maxExecutionTimeSec = reader.read("max_execution_time_sec", nullable: true, Convert.int(1...31_536_000)).value
        c.maxParallelism = reader.read("max_parallelism", Convert.int(1...10_000)).value(or: 10)
        c.deadline = reader.read("deadline", nullable: true, Convert.timestamp).value
        c.requireApproval = reader.read("require_approval", Convert.bool).value(or: false)
        c.allowedAgentTypes =
            reader.read(
                "allowed_agent_types", nullable: true,
                Convert.stringArray(maxItems: Limits.maxListItems, maxLength: Limits.maxIdentifierLength, identifiers: true)
            ).value ?? []
        c.forbiddenTools =
            reader.read(
                "forbidden_tools", nullable: true,
                Convert.stringArray(maxItems: Limits.maxListItems, maxLength: Limits.maxIdentifierLength)
            ).value ?? []
        c.costLimitUSD = reader.read("cost_limit_usd", nullable: true, Convert.double(0...1e12)).value
        errors.append(contentsOf: reader.errors)
        return c
    }
}
