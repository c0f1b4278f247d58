import AgenticCore
import AgenticStore
import HTTPTypes
import Hummingbird
import Synchronization

/// `Idempotency-Key` on POST: the first response (success or client error) is kept for 24 h per tenant
/// and key, in the store so it survives restarts and is shared by every instance. A retry with the
/// same request gets it again with `Idempotent-Replayed: true`; the same key on a different request
/// is 422; a retry while the first still runs is 409. Server errors are not kept, so a retry runs again.
public struct IdempotencyMiddleware: RouterMiddleware {
    let store: any Store
    let metrics: ServerMetrics

    /// Response headers worth replaying.
    static let keptHeaders: [HTTPField.Name] = [.contentType, .location, .eTag]

    public func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response)
        async throws -> Response
    {
        guard request.method == .post, let key = request.headers[.idempotencyKey], let principal = context.facts.principal else {
            return try await next(request, context)
        }
        guard RequestIDMiddleware.accept(key) != nil, key.utf8.count <= 255 else {
            throw AgenticError(
                code: .badRequest, status: 400, detail: "Idempotency-Key must be 1–255 visible ASCII characters")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Limits.maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw AgenticError.payloadTooLarge
        }
        let now = Timestamp.now()
        let reservation = IdempotencyReservation(
            tenant: principal.tenant, key: key,
            requestHash: Self.fingerprint(method: request.method.rawValue, path: request.uri.path, body: body.readableBytesView), now: now,
            expiresAt: now.adding(seconds: IdempotencyPolicy.retentionSeconds))

        switch try await store.reserveIdempotencyKey(reservation) {
        case .mismatch:
            throw AgenticError(
                code: .idempotencyKeyReused, status: 422,
                detail: "Idempotency-Key `\(key)` was already used with a different request")
        case .inProgress:
            throw AgenticError(
                code: .idempotencyInProgress, status: 409,
                detail: "A request with Idempotency-Key `\(key)` is still running; retry later")
        case .replay(let stored):
            metrics.countIdempotentReplay()
            var headers = HTTPFields()
            for (name, value) in stored.headers {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
            headers[.idempotentReplayed] = "true"
            return Response(
                status: HTTPResponse.Status(code: stored.status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.body)))
        case .reserved:
            break
        }

        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as AgenticError where error.status < 500 {
            response = ProblemResponse.make(error, requestID: context.requestID)
        } catch {
            try? await store.releaseIdempotencyKey(tenant: principal.tenant, key: key)
            throw error
        }
        guard response.status.code < 500 else {
            try? await store.releaseIdempotencyKey(tenant: principal.tenant, key: key)
            return response
        }
        var kept = response
        let bytes = try await Self.collect(&kept)
        var headers: [String: String] = [:]
        for name in Self.keptHeaders {
            if let value = kept.headers[name] { headers[name.canonicalName] = value }
        }
        try await store.completeIdempotencyKey(
            tenant: principal.tenant, key: key,
            response: StoredResponse(status: Int(kept.status.code), headers: headers, body: bytes))
        return kept
    }

    /// What makes two requests "the same" for an idempotency key: method, path and exact body.
    public static func fingerprint(method: String, path: String, body: some Sequence<UInt8>) -> String {
        var bytes = Array("\(method) \(path)\n".utf8)
        bytes.append(contentsOf: body)
        return KeyMaker.hexSHA256(bytes)
    }

    /// Reads the response body out (so it can be stored) and puts it back.
    static func collect(_ response: inout Response) async throws -> [UInt8] {
        let sink = BodySink()
        try await response.body.write(CollectingWriter(sink: sink))
        let buffer = sink.buffer
        response.body = ResponseBody(byteBuffer: buffer)
        return Array(buffer.readableBytesView)
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
