/// How long idempotency records live.
public enum IdempotencyPolicy {
    /// A stored response is replayed for this long (DESIGN: 24 h).
    public static let retentionSeconds: Double = 24 * 3600
    /// A reservation whose request never finished (the process died, the database went away) is
    /// given up after this long, so a retry can run instead of getting 409 for a day. Taking one over
    /// is always safe: the answer commits with the change under the reservation's token, so a request
    /// still running on the abandoned reservation cannot commit its change any more.
    public static let abandonAfterSeconds: Double = 10
}
