/// Limits a goal's execution must respect. Stored as JSON inside the goal; a request that gives
/// `constraints` gives all of it (members it leaves out take their defaults).
public struct GoalConstraints: DescribedObject, Equatable, JSONWritable {
    public var maxTokenBudget: Int64?
    public var maxExecutionTimeSec: Int64?
    /// At most this many of the goal's tasks run at once (none: no cap).
    public var maxParallelism: Int64?
    public var deadline: Timestamp?
    public var requireApproval = false
    public var allowedAgentTypes: [String] = []
    public var forbiddenTools: [String] = []
    public var costLimitUSD: Double?

    public init() {}

    public static let fields = ResourceDescription<GoalConstraints>([
        .init("max_token_budget", \.maxTokenBudget, .optional(.integer(0...Int64(1) << 53)), .always),
        .init("max_execution_time_sec", \.maxExecutionTimeSec, .optional(.integer(1...31_536_000)), .always),
        .init("max_parallelism", \.maxParallelism, .optional(.integer(1...10_000)), .always),
        .init("deadline", \.deadline, .optional(.timestamp), .always),
        .init("require_approval", \.requireApproval, .boolean, .always),
        .init(
            "allowed_agent_types", \.allowedAgentTypes,
            .strings(maxItems: Limits.maxListItems, maxLength: Limits.maxIdentifierLength, identifiers: true), .always),
        .init(
            "forbidden_tools", \.forbiddenTools, .strings(maxItems: Limits.maxListItems, maxLength: Limits.maxIdentifierLength),
            .always),
        .init("cost_limit_usd", \.costLimitUSD, .optional(.number(0...1e12)), .always),
    ])

    /// The problem with a task of this goal naming `tool` (`forbidden_tools`), if there is one.
    public func problem(withTool tool: String?, field: String) -> FieldError? {
        guard let tool, forbiddenTools.contains(where: { $0.isExactly(tool) }) else { return nil }
        return FieldError(field: field, message: "`\(tool)` is in its goal's constraints.forbidden_tools")
    }
}
