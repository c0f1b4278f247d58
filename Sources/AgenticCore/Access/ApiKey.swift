import Foundation

/// A per-key token bucket: `requestsPerSecond` refill, `burst` capacity.
public struct RateLimit: DescribedObject, Equatable, ExactEquatable, JSONWritable {
    public var requestsPerSecond: Double
    public var burst: Int64

    public init(requestsPerSecond: Double, burst: Int64) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
    }

    /// The default limit (the description's starting point).
    public init() { self = .default }

    /// How a key's limit is written and read back (requests are read by `read`, which derives a
    /// missing burst from the rate).
    public static let fields = ResourceDescription<RateLimit>([
        .init("requests_per_second", \.requestsPerSecond, .number(requestsPerSecondRange), .always),
        .init("burst", \.burst, .integer(burstRange), .always),
    ])

    public static let `default` = RateLimit(requestsPerSecond: 1000, burst: 2000)

    /// Slowest and fastest refill accepted: one request per 1,000 s up to a million a second. Keeps
    /// every derived wait (`Retry-After`, `RateLimit-Reset`) a small whole number of seconds.
    public static let requestsPerSecondRange: ClosedRange<Double> = 0.001...1_000_000
    public static let burstRange: ClosedRange<Int64> = 1...10_000_000

    /// Reads the command-line form `RPS:BURST` (the burst defaults to the rate, rounded up); nil
    /// outside the accepted ranges.
    public init?(flag text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let rps = Double(parts[0]), Self.requestsPerSecondRange.contains(rps) else { return nil }
        let burst = parts.count == 2 ? Int64(parts[1]) : Int64(max(1, rps.rounded(.up)))
        guard let burst, Self.burstRange.contains(burst) else { return nil }
        self.init(requestsPerSecond: rps, burst: burst)
    }

    static func read(_ value: JSONValue) -> Result<RateLimit, Problem> {
        guard case .object(let object) = value else { return .failure(Problem("must be a JSON object")) }
        for key in object.keys.sorted() where key != "requests_per_second" && key != "burst" {
            return .failure(Problem("is not a known field", at: "." + key.string))
        }
        guard let rps = object["requests_per_second"]?.doubleValue, RateLimit.requestsPerSecondRange.contains(rps) else {
            return .failure(Problem("must be a number from 0.001 to 1000000", at: ".requests_per_second"))
        }
        let burst = object["burst"] ?? .int(Int64(max(1, rps.rounded(.up))))
        guard let b = burst.intValue, RateLimit.burstRange.contains(b) else {
            return .failure(Problem("must be an integer between 1 and 10000000", at: ".burst"))
        }
        return .success(RateLimit(requestsPerSecond: rps, burst: b))
    }
}

/// An API key as stored: only the SHA-256 of the secret is kept.
public struct ApiKey: Sendable, Equatable, JSONWritable {
    public var id: UUID
    public var tenant: String
    public var name: String
    public var scope: Scope
    /// Lowercase hex SHA-256 of the full key.
    public var hash: String
    /// The first characters of the key (`agk_1a2b`), enough to recognise it in a list.
    public var prefix: String
    public var expiresAt: Timestamp?
    /// nil: the server's default limit; `unlimited` marks the operator's key.
    public var rateLimit: RateLimit?
    public var unlimited: Bool
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?

    public init(
        id: UUID, tenant: String, name: String, scope: Scope, hash: String, prefix: String, expiresAt: Timestamp?,
        rateLimit: RateLimit?, unlimited: Bool, createdAt: Timestamp, revokedAt: Timestamp?
    ) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.scope = scope
        self.hash = hash
        self.prefix = prefix
        self.expiresAt = expiresAt
        self.rateLimit = rateLimit
        self.unlimited = unlimited
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Why this key cannot be used at `now`, if it cannot.
    public func unusableReason(at now: Timestamp) -> String? {
        if revokedAt != nil { return "revoked" }
        if let expiresAt, expiresAt <= now { return "expired" }
        return nil
    }

    /// The listing form: never the secret, never the hash.
    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("key_id"); w.uuid(id)
        w.key("name"); w.string(name)
        w.key("scope"); w.string(scope.rawValue)
        w.key("tenant"); w.string(tenant)
        w.key("prefix"); w.string(prefix)
        w.key("expires_at"); w.timestamp(expiresAt)
        w.key("rate_limit")
        if let rateLimit { rateLimit.write(to: &w) } else { w.null() }
        w.key("created_at"); w.timestamp(createdAt)
        w.key("revoked_at"); w.timestamp(revokedAt)
        w.endObject()
    }

    /// Tenant names: lowercase letters, digits and `-`, starting with a letter.
    public static func isValidTenant(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard let first = utf8.first, utf8.count <= 63, first >= 0x61, first <= 0x7A else { return false }
        return utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    public static let defaultTenant = "default"
}

/// The body of `POST /keys`.
public struct KeyDraft: Sendable {
    public var name: String
    public var scope: Scope
    public var tenant: String?
    public var expiresAt: Timestamp?
    public var rateLimit: RateLimit?

    public init(name: String, scope: Scope, tenant: String? = nil, expiresAt: Timestamp? = nil, rateLimit: RateLimit? = nil) {
        self.name = name
        self.scope = scope
        self.tenant = tenant
        self.expiresAt = expiresAt
        self.rateLimit = rateLimit
    }

    public static func read(_ body: JSONValue, now: Timestamp) throws(AgenticError) -> KeyDraft {
        var r = ObjectReader(
            body, known: ["name", "scope", "tenant", "expires_at", "rate_limit"],
            readOnly: ["key_id", "key", "created_at", "prefix", "revoked_at"])
        let name = r.read("name", CommonFields.name)
        if r.object["name"] == nil { r.fail("name", "is required") }
        let scope = r.read("scope", Convert.enumeration(Scope.self))
        if r.object["scope"] == nil { r.fail("scope", "is required") }
        let tenant = r.read("tenant", nullable: true) { value -> Result<String, Problem> in
            guard case .string(let s) = value, ApiKey.isValidTenant(s) else {
                return .failure(Problem("must be lowercase letters, digits or `-`, starting with a letter (at most 63)"))
            }
            return .success(s)
        }
        let expiresAt = r.read("expires_at", nullable: true, Convert.timestamp)
        if let expiry = expiresAt.value, expiry <= now { r.fail("expires_at", "must be in the future") }
        let draft = KeyDraft(
            name: name.value ?? "", scope: scope.value ?? .read, tenant: tenant.value, expiresAt: expiresAt.value,
            rateLimit: r.read("rate_limit", nullable: true, RateLimit.read).value)
        try r.check()
        return draft
    }
}
