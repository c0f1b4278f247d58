import Foundation

/// Claims of one task type are paced by a token bucket: a claim takes a token per task of the type,
/// the bucket holds at most `burst` and refills at `per_second`. Kept in the database, so every
/// instance draws from the same bucket.
public struct TaskRateLimit: DescribedObject, Equatable, JSONWritable {
    /// Whose limit it is (not part of its JSON: a caller only ever sees its own tenant's).
    public var tenant = ""
    public var taskType = ""
    public var perSecond: Double = 1
    public var burst: Double = 1
    /// The tokens in the bucket at `refilledAt`.
    public var tokens: Double = 0
    public var refilledAt = Timestamp(microseconds: 0)
    public var createdAt = Timestamp(microseconds: 0)
    public var updatedAt = Timestamp(microseconds: 0)

    public init() {}

    /// `task_type` comes from the path; the store keeps `taken` (tokens taken, for statistics) beside these.
    public static let fields = ResourceDescription<TaskRateLimit>(
        table: "rate_limits",
        [
            .init("tenant", \.tenant, .text(max: Limits.maxIdentifierLength), .hidden),
            .init("task_type", \.taskType, .identifier, .server),
            .init("per_second", \.perSecond, .number(perSecondRange), .always, required: true),
            .init("burst", \.burst, .number(burstRange), .always),
            .init("tokens", \.tokens, .number(0...burstRange.upperBound), .server),
            .init("refilled_at", \.refilledAt, .timestamp, .hidden),
            .init("created_at", \.createdAt, .timestamp, .server),
            .init("updated_at", \.updatedAt, .timestamp, .server),
        ])

    public static let perSecondRange: ClosedRange<Double> = 0.001...100_000
    public static let burstRange: ClosedRange<Double> = 1...1_000_000

    /// The tokens the bucket holds at `now`: refilled since `refilledAt`, never past `burst`. The
    /// stores take tokens with the same arithmetic in one statement (`takeRateTokens`).
    public func available(at now: Timestamp) -> Double {
        let elapsed = max(0, Double(now.microseconds - refilledAt.microseconds) / 1_000_000)
        return min(burst, tokens + perSecond * elapsed)
    }

    /// The body of `PUT /limits/rate/{task_type}`: `{per_second, burst}`; `burst` defaults to one
    /// second's worth (at least 1).
    public static func readBody(_ body: JSONValue) throws(AgenticError) -> (perSecond: Double, burst: Double) {
        let (limit, given) = try fields.create(body)
        return (limit.perSecond, given.contains("burst") ? limit.burst : max(1, limit.perSecond.rounded(.up)))
    }

    /// A task type is what a task's `task_type` may be: an identifier.
    public static func checkTaskType(_ taskType: String) throws(AgenticError) {
        if !Convert.isIdentifier(taskType) { throw AgenticError.validation(field: "task_type", "must be an identifier") }
    }

    /// As `GET /limits/rate` shows it: `tokens` as the bucket holds them at `now`.
    public func shown(at now: Timestamp) -> TaskRateLimit {
        var shown = self
        shown.tokens = available(at: now)
        shown.refilledAt = now
        return shown
    }
}
