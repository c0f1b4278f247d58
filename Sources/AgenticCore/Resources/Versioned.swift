/// Resources with an optimistic-concurrency version (`ETag: "<version>"`).
public protocol Versioned {
    var version: Int64 { get set }
    var updatedAt: Timestamp { get set }
}

extension Versioned {
    /// Every change of a stored resource goes through here: one more version, stamped now.
    public mutating func bumpVersion(at now: Timestamp) {
        version += 1
        updatedAt = now
    }
}

