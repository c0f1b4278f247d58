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
    /// How long a connection may stay idle — no request under way, or a request's head not complete —
    /// before it is closed. A client trickling header bytes sends no complete part, so it is cut
    /// after this long.
    public var idleTimeout: Duration = .seconds(30)
    /// How long reading one request, from its head to the end of its body, may take.
    public var requestReadTimeout: Duration = .seconds(30)

    public init() {}
}
