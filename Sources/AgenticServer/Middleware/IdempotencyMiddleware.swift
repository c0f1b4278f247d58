import AgenticCore
import AgenticStore
import HTTPTypes
import Hummingbird
import Synchronization

/// `Idempotency-Key` on POST: the first response (success or client error) is kept for 24 h per tenant
/// and key, in the store so it survives restarts and is shared by every instance. A retry with the
/// same request gets it again with `Idempotent-Replayed: true`; the same key on a different request
/// is 422; a retry while the first still runs is 409. Server errors are not kept, so a retry runs again.
/// An answer that shows a secret (a new key, a webhook's signing secret) is kept sealed with the
/// caller's API key (`ReplaySeal`): only a retry with that key gets it again; another key is 422.
///
/// A request that changes something records its answer in the same transaction as the change (see
/// `respond(_:with:)` and `IdempotencyClaim`): after a fault anywhere — the database gone before,
/// during or after the commit — a retry either replays the answer or finds nothing was changed.
/// Answers of requests that changed nothing (validation errors) are recorded afterwards.
public struct IdempotencyMiddleware: RouterMiddleware {
    let store: any IdempotencyStore
    let metrics: ServerMetrics
    let problems: ProblemResponse

    public func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        guard request.method == .post, let key = request.headers[.idempotencyKey], let principal = context.facts.principal,
            let callerSecret = KeyAuthenticator.secret(apiKeyHeader: request.headers[.xAPIKey], authorization: request.headers[.authorization])
        else {
            return try await next(request, context)
        }
        guard RequestIDMiddleware.accept(key) != nil, key.utf8.count <= 255 else {
            throw AgenticError(
                code: .badRequest, status: 400, detail: "Idempotency-Key must be 1–255 visible ASCII characters")
        }
        var request = request
        let body = try await request.collectBody(upTo: Limits.maxBodyBytes)
        let now = Timestamp.now()
        let reservation = IdempotencyReservation(
            tenant: principal.tenant, key: key,
            requestHash: Self.fingerprint(method: request.method.rawValue, path: request.uri.path, body: body.readableBytesView),
            now: now, expiresAt: now.adding(seconds: IdempotencyPolicy.retentionSeconds))

        let seal = ReplaySeal(callerSecret: callerSecret, tenant: principal.tenant, idempotencyKey: key)
        let token: String
        switch try await store.reserveIdempotencyKey(reservation) {
        case .mismatch:
            throw AgenticError(
                code: .idempotencyKeyReused, status: 422,
                detail: "Idempotency-Key `\(key)` was already used with a different request")
        case .inProgress:
            throw AgenticError(
                code: .idempotencyInProgress, status: 409,
                detail: "A request with Idempotency-Key `\(key)` is still running; retry later")
        case .replay(let kept):
            guard let stored = seal.open(kept) else {
                throw AgenticError(
                    code: .idempotencyKeyReused, status: 422,
                    detail: "Idempotency-Key `\(key)` was used by another API key, and its answer shows a secret only that key may see")
            }
            metrics.countIdempotentReplay()
            var headers = HTTPFields()
            for (name, value) in stored.headers {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
            headers[.idempotentReplayed] = "true"
            return PreparedResponse(status: HTTPResponse.Status(code: stored.status), headers: headers, body: stored.body).response
        case .reserved(let reserved):
            token = reserved
        }

        let claim = IdempotencyClaim(tenant: principal.tenant, key: key, token: token, seal: seal)
        let answer: PreparedResponse
        do {
            answer = try await IdempotencyClaim.$current.withValue(claim) {
                try await PreparedResponse(next(request, context))
            }
        } catch {
            let problem = problems.make(for: error, request: request, context: context)
            guard problem.status.code < 500 else {
                await release(claim, after: problem)
                throw error
            }
            answer = problem
        }
        if claim.recorded { return answer.response }
        guard answer.status.code < 500 else {
            await release(claim, after: answer)
            return answer.response
        }
        if let kept = claim.kept(answer.stored) {
            try await store.completeIdempotencyKey(claim, response: kept)
        } else {
            await release(claim, after: answer)
        }
        return answer.response
    }

    /// Gives the key up after a server error, so a retry runs again. Not while the database is
    /// unavailable: that attempt would only wait for a connection too and double the time the client
    /// waits for its 503; the reservation lapses by itself (`IdempotencyPolicy.abandonAfterSeconds`).
    private func release(_ claim: IdempotencyClaim, after answer: PreparedResponse) async {
        guard answer.status != .serviceUnavailable else { return }
        try? await store.releaseIdempotencyKey(claim)
    }

    /// What makes two requests "the same" for an idempotency key: method, route and exact body. The
    /// path is compared as the router sees it (empty segments dropped).
    public static func fingerprint(method: String, path: String, body: some Sequence<UInt8>) -> String {
        let route = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        var bytes = Array("\(method) /\(route)\n".utf8)
        bytes.append(contentsOf: body)
        return KeyMaker.hexSHA256(bytes)
    }
}

extension PreparedResponse {
    /// Reads a response's body out so it can be kept.
    init(_ response: Response) async throws {
        var response = response
        let sink = BodySink()
        try await response.body.write(CollectingWriter(sink: sink))
        self.init(status: response.status, headers: response.headers, body: Array(sink.buffer.readableBytesView))
    }
}

private final class BodySink: Sendable {
    private let storage = Mutex(ByteBuffer())
    var buffer: ByteBuffer { storage.withLock { $0 } }
    func append(_ buffer: ByteBuffer) { _ = storage.withLock { $0.writeImmutableBuffer(buffer) } }
}

private struct CollectingWriter: ResponseBodyWriter {
    let sink: BodySink
    mutating func write(_ buffer: ByteBuffer) async throws { sink.append(buffer) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
