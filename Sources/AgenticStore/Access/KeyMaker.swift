import AgenticCore
import Crypto
import Foundation

/// Makes and hashes API keys. Keys are 256 random bits, so a fast hash (SHA-256) is enough: there is
/// nothing to brute-force that a slow hash would protect.
public enum KeyMaker {
    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    /// A new secret: `agk_` and 43 base-62 characters (about 256 bits).
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = Array("agk_".utf8)
        for _ in 0..<43 { bytes.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Lowercase hex SHA-256 of the key.
    public static func hash(_ secret: some StringProtocol) -> String {
        hexSHA256(Array(secret.utf8))
    }

    public static func hexSHA256(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        let digest = hasher.finalize()
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The part of a key safe to show in listings.
    public static func displayPrefix(_ secret: String) -> String { String(secret.prefix(8)) }

    /// Builds the stored record for a new secret.
    public static func record(
        secret: String, name: String, scope: Scope, tenant: String, expiresAt: Timestamp? = nil,
        rateLimit: RateLimit? = nil, unlimited: Bool = false, now: Timestamp = .now()
    ) -> ApiKey {
        ApiKey(
            id: UUID(), tenant: tenant, name: name, scope: scope, hash: hash(secret), prefix: displayPrefix(secret),
            expiresAt: expiresAt, rateLimit: rateLimit, unlimited: unlimited, createdAt: now, revokedAt: nil)
    }
}
