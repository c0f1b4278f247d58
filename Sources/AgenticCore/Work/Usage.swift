import Foundation

/// What work cost: tokens in and out, and money. Workers report it on `complete` and `fail`; it is
/// summed per task (stored on the task) and per plan, goal and agent (kept in the store's usage
/// totals and read with each).
public struct Usage: DescribedObject, Equatable, ExactEquatable, JSONWritable {
    public var inputTokens: Int64 = 0
    public var outputTokens: Int64 = 0
    public var costUSD: Double = 0

    public init() {}

    public init(inputTokens: Int64, outputTokens: Int64, costUSD: Double) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.costUSD = costUSD
    }

    /// The most one report may carry of each (2^53 tokens: exact in every JSON reader; a trillion
    /// dollars). Sums saturate, so no total ever overflows.
    public static let maxTokens: Int64 = 1 << 53
    public static let maxCostUSD = 1e12

    public static let fields = ResourceDescription<Usage>([
        .init("input_tokens", \.inputTokens, .integer(0...maxTokens), .always),
        .init("output_tokens", \.outputTokens, .integer(0...maxTokens), .always),
        .init("cost_usd", \.costUSD, .number(0...maxCostUSD), .always),
    ])

    public static let zero = Usage()

    public var isZero: Bool { inputTokens == 0 && outputTokens == 0 && costUSD == 0 }

    /// Input and output tokens together: what token budgets count.
    public var totalTokens: Int64 { Self.saturating(inputTokens, outputTokens) }

    /// Sums saturate at the same limits a report has (`maxTokens`, `maxCostUSD`): every usage the
    /// server shows, a report or a total, lies in one documented range, and a total at the limit
    /// still exhausts every budget (budgets cannot be set above it).
    public static func + (a: Usage, b: Usage) -> Usage {
        Usage(
            inputTokens: min(saturating(a.inputTokens, b.inputTokens), maxTokens),
            outputTokens: min(saturating(a.outputTokens, b.outputTokens), maxTokens),
            costUSD: min(a.costUSD + b.costUSD, maxCostUSD))
    }

    private static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// A work request's optional `usage` member, its problems named below it (`usage.cost_usd`).
    static func read(_ r: inout ObjectReader) -> Usage? {
        guard let value = r.object[JSONKey("usage")], !value.isNull else { return nil }
        var errors: [FieldError] = []
        let usage = fields.read(value, prefix: "usage.", errors: &errors)
        r.append(errors)
        return usage
    }
}
