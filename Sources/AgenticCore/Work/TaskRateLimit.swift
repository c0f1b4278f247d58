import Foundation

/// Claims of one task type are paced by a token bucket: a claim takes a token per task of the type,
/// the bucket holds at most `burst` and refills at `per_second`. Kept in the database, so every
/// instance draws from the same bucket.
public struct TaskRateLimit: Sendable, Equatable, JSONWritable {
    /// Whose limit it is (not part of its JSON: a caller only ever sees its own tenant's).
    public var tenant = ""
    public var taskType: String
    public var perSecond: Double
    public var burst: Double
    /// The tokens in the bucket at `refilledAt`.
    public var tokens: Double
    public var refilledAt: Timestamp
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        taskType: String, perSecond: Double, burst: Double, tokens: Double, refilledAt: Timestamp, createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.taskType = taskType
        self.perSecond = perSecond
        self.burst = burst
        self.tokens = tokens
        self.refilledAt = refilledAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

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
        var reader = ObjectReader(body, known: ["per_second", "burst"])
        let perSecond = reader.read("per_second", Convert.double(perSecondRange))
        let burst = reader.read("burst", Convert.double(burstRange))
        if case .absent = perSecond, reader.errors.isEmpty { reader.fail("per_second", "is required") }
        try reader.check()
        guard case .value(let rate) = perSecond else { throw AgenticError.validation(field: "per_second", "is required") }
        return (rate, burst.value(or: max(1, rate.rounded(.up))))
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

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("task_type"); w.string(taskType)
        w.key("per_second"); w.double(perSecond)
        w.key("burst"); w.double(burst)
        w.key("tokens"); w.double(tokens)
        w.key("created_at"); w.timestamp(createdAt)
        w.key("updated_at"); w.timestamp(updatedAt)
        w.endObject()
    }
}
