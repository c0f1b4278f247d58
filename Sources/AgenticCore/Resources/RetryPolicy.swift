import Foundation

/// How long a task waits before its next attempt after a retryable failure or an expired lease:
/// `initial_seconds` after the first attempt, times `multiplier` after each further one, never more
/// than `max_seconds`. With `jitter` the wait is drawn between half of that and all of it, so tasks
/// that failed together do not all come back together. A request that gives `retry_policy` gives
/// all of it (members it leaves out take their defaults).
public struct RetryPolicy: DescribedObject, Equatable, ExactEquatable, JSONWritable {
    public var initialSeconds = 1.0
    public var multiplier = 2.0
    public var maxSeconds = 300.0
    public var jitter = true

    public init() {}

    public init(initialSeconds: Double, multiplier: Double, maxSeconds: Double, jitter: Bool) {
        self.initialSeconds = initialSeconds
        self.multiplier = multiplier
        self.maxSeconds = maxSeconds
        self.jitter = jitter
    }

    public static let fields = ResourceDescription<RetryPolicy>([
        .init("initial_seconds", \.initialSeconds, .number(0...86_400), .always),
        .init("multiplier", \.multiplier, .number(1...100), .always),
        .init("max_seconds", \.maxSeconds, .number(0...86_400), .always),
        .init("jitter", \.jitter, .boolean, .always),
    ])

    /// The wait before the attempt after `attempts` attempts; `random` in 0..<1 draws the jitter.
    public func delay(afterAttempts attempts: Int64, random: Double) -> Double {
        // Bounded exponent: past 64 doublings every policy is at its cap anyway.
        let exponent = Double(min(max(attempts - 1, 0), 64))
        let full = min(maxSeconds, initialSeconds * pow(multiplier, exponent))
        return jitter ? full * (0.5 + 0.5 * min(max(random, 0), 1)) : full
    }
}
