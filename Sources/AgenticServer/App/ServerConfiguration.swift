import AgenticCore

/// How `agentic serve` runs. Every field has a flag and an `AGENTIC_*` environment variable (see the
/// `serve` command).
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The rate limit of keys that have none of their own.
    public var defaultRateLimit = RateLimit.default
    /// How long events are kept.
    public var eventRetentionSeconds: Double = 7 * 24 * 3600
    /// How often the lease sweeper looks for expired leases.
    public var sweepInterval: Duration = .milliseconds(500)
    /// How often a quiet event stream sends a comment line.
    public var streamKeepAlive: Duration = .seconds(15)
    /// How long in-flight requests may take to finish at shutdown.
    public var shutdownGracePeriod: Duration = .seconds(10)

    public init() {}
}
