import AgenticCore
import Crypto

/// Seals an idempotent answer that carries a secret (a new API key, a webhook's signing secret) with
/// the caller's own API key before it is kept for replay.
///
/// The database holds API keys only as hashes and webhook secrets only where they must be; a kept
/// answer in the clear would hand both to anyone who reads the `idempotency_keys` table for a day.
/// Sealed, the answer opens only for a retry that presents the same API key — which the database
/// does not hold. AES-GCM under a key derived (HKDF-SHA256) from that API key, the tenant and the
/// `Idempotency-Key`, so one sealed answer says nothing about another.
public struct ReplaySeal: Sendable {
    /// Starts every sealed body: no JSON answer starts with U+0000, so a kept body is either sealed
    /// or plain, never both.
    static let marker: [UInt8] = [0x00] + Array("agentic-sealed-1".utf8)

    private let callerSecret: [UInt8]
    private let info: [UInt8]

    /// Keeps what the key is derived from; it is derived only when an answer is sealed or opened, not
    /// for every request that merely carries an `Idempotency-Key`.
    public init(callerSecret: String, tenant: String, idempotencyKey: String) {
        self.callerSecret = Array(callerSecret.utf8)
        info = Array("\(tenant)\n\(idempotencyKey)".utf8)
    }

    private var key: SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: callerSecret), salt: Array("agentic idempotent replay".utf8), info: info,
            outputByteCount: 32)
    }

    /// The answer with its body sealed; status and headers stay readable (they hold no secret).
    public func seal(_ response: StoredResponse) throws -> StoredResponse {
        let box = try AES.GCM.seal(response.body, using: key)
        guard let combined = box.combined else {
            throw AgenticError(code: .internalError, status: 500, detail: "AES-GCM gave no combined form")
        }
        return StoredResponse(status: response.status, headers: response.headers, body: Self.marker + Array(combined))
    }

    /// The answer as first given, or nil when it was sealed for another API key.
    public func open(_ response: StoredResponse) -> StoredResponse? {
        guard Self.isSealed(response) else { return response }
        guard let box = try? AES.GCM.SealedBox(combined: response.body.dropFirst(Self.marker.count)),
            let body = try? AES.GCM.open(box, using: key)
        else { return nil }
        return StoredResponse(status: response.status, headers: response.headers, body: Array(body))
    }

    public static func isSealed(_ response: StoredResponse) -> Bool { response.body.starts(with: marker) }
}
