/// How long idempotency records live.
public enum IdempotencyPolicy {
    /// A stored response is replayed for this long (DESIGN: 24 h).
    public static let retentionSeconds: Double = 24 * 3600
    /// A reservation whose request never finished (the process died) is given up after this long,
    /// so a retry can run instead of getting 409 for a day.
    public static let abandonAfterSeconds: Double = 60
}
