import AgenticCore
import Synchronization

/// A claim on an `Idempotency-Key` before the request runs.
public struct IdempotencyReservation: Sendable {
    public var tenant: String
    public var key: String
    /// SHA-256 of method, path and body: the same key with another request is refused.
    public var requestHash: String
    public var now: Timestamp
    /// Records older than this are treated as gone.
    public var expiresAt: Timestamp

    public init(tenant: String, key: String, requestHash: String, now: Timestamp, expiresAt: Timestamp) {
        self.tenant = tenant
        self.key = key
        self.requestHash = requestHash
        self.now = now
        self.expiresAt = expiresAt
    }
}

/// What a reservation found.
public enum IdempotencyOutcome: Sendable, Equatable {
    /// First use (or a reservation abandoned long enough to take over): run the request under this
    /// reservation token, then complete (or release) the key.
    case reserved(token: String)
    /// The first request with this key is still running.
    case inProgress
    /// The key was used with a different request.
    case mismatch
    /// The first request finished: answer with its response again.
    case replay(StoredResponse)
}

/// An `Idempotency-Key` as a store finds it when a request comes with it again, and what that
/// request meets — decided here once for both stores.
struct IdempotencyRecord: Sendable {
    /// The columns a store reads it from.
    static let columns = "request_hash, state, status, headers, body, created_at, expires_at"

    var requestHash: String
    /// The first request's answer, once it finished.
    var response: StoredResponse?
    var createdAt: Timestamp
    var expiresAt: Timestamp

    /// `nil` when the key is free to take: expired, or reserved by a request that ran so long ago
    /// it must have died (`IdempotencyPolicy.abandonAfterSeconds`).
    func outcome(for r: IdempotencyReservation) -> IdempotencyOutcome? {
        guard expiresAt > r.now else { return nil }
        if requestHash != r.requestHash { return .mismatch }
        if let response { return .replay(response) }
        if createdAt > r.now.adding(seconds: -IdempotencyPolicy.abandonAfterSeconds) { return .inProgress }
        return nil
    }
}

/// A response kept for replay.
public struct StoredResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Headers as a JSON object, for storage.
    public var headersJSON: String {
        JSONValue.object(Dictionary(uniqueKeysWithValues: headers.map { (JSONKey($0.key), JSONValue.string($0.value)) })).description
    }

    public static func headers(fromJSON text: String) -> [String: String] {
        guard case .object(let object)? = try? JSONParser.parse(text) else { return [:] }
        var headers: [String: String] = [:]
        for (name, value) in object { if let text = value.stringValue { headers[name.string] = text } }
        return headers
    }
}

/// The reservation a running request holds on its `Idempotency-Key`, and how its answer is made from
/// what its write returns.
///
/// The server sets it (a task local) around the request and says how to render the answer; the
/// store's write transaction records that answer before it commits, so the change and the record
/// of its answer commit together or not at all. A retry after any fault therefore either replays the
/// answer or finds the change never happened — never both nor neither.
public final class IdempotencyClaim: Sendable {
    @TaskLocal public static var current: IdempotencyClaim?

    public let tenant: String
    public let key: String
    /// Identifies this reservation: a retry that takes an abandoned one over gets a new token, and the
    /// old request can then no longer record (its change rolls back).
    public let token: String
    /// Seals the answer before it is kept, when the route says it carries a secret (`sealAnswer()`).
    public let seal: ReplaySeal?
    private let renderer = Mutex<(@Sendable (any Sendable) -> StoredResponse?)?>(nil)
    private let done = Atomic<Bool>(false)
    private let sealed = Atomic<Bool>(false)

    public init(tenant: String, key: String, token: String, seal: ReplaySeal? = nil) {
        self.tenant = tenant
        self.key = key
        self.token = token
        self.seal = seal
    }

    /// Says the answer carries a secret: it is kept only sealed (`ReplaySeal`), or not at all.
    public func sealAnswer() { sealed.store(true, ordering: .releasing) }

    /// The answer as it is kept: sealed when the route asked for it; nil when it asked and there is
    /// no seal (a retry then runs the request again rather than find a secret in the clear).
    public func kept(_ response: StoredResponse) -> StoredResponse? {
        guard sealed.load(ordering: .acquiring) else { return response }
        return try? seal?.seal(response)
    }

    /// Says how the request answers: `render` turns the result of its write into the response, or
    /// returns nil for a result it does not answer with.
    public func answer(with render: @escaping @Sendable (any Sendable) -> StoredResponse?) {
        renderer.withLock { $0 = render }
    }

    /// Whether the answer was recorded in a committed write transaction.
    public var recorded: Bool { done.load(ordering: .acquiring) }

    func response(for result: any Sendable) -> StoredResponse? {
        guard !recorded, let render = renderer.withLock({ $0 }), let response = render(result) else { return nil }
        return kept(response)
    }

    func markRecorded() { done.store(true, ordering: .releasing) }
}

extension StoreTransaction {
    /// Called by every write transaction just before it commits: records the current request's
    /// idempotent answer with the change. Returns the claim to mark once the commit succeeded.
    func recordIdempotentAnswer(_ result: some Sendable) async throws -> IdempotencyClaim? {
        guard let claim = IdempotencyClaim.current, let response = claim.response(for: result) else { return nil }
        guard try await finishIdempotentRequest(claim, response: response) else {
            throw AgenticError.conflict(
                .idempotencyInProgress,
                "Idempotency-Key `\(claim.key)` was taken over by a retry while this request ran; its change was not made")
        }
        return claim
    }
}
