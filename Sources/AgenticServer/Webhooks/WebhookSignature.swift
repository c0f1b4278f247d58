import Crypto
import Foundation

/// How a delivery proves it comes from this server. Two headers go with each POST:
///
/// - `Agentic-Timestamp: <unix seconds>` — when the attempt was made;
/// - `Agentic-Signature: sha256=<hex>` — HMAC-SHA256, keyed with the webhook's secret (its UTF-8
///   bytes), over the timestamp's decimal digits, a `.`, and the request body's exact bytes.
///
/// A receiver recomputes the HMAC over `timestamp + "." + body`, compares in constant time, and
/// rejects timestamps too far from its clock (replays).
public enum WebhookSignature {
    public static let timestampHeader = "Agentic-Timestamp"
    public static let signatureHeader = "Agentic-Signature"

    public static func sign(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var message = Array(String(timestamp).utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` is the one `sign` makes (compared in constant time).
    public static func verify(_ signature: String, secret: String, timestamp: Int64, body: [UInt8]) -> Bool {
        let expected = Array(sign(secret: secret, timestamp: timestamp, body: body).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
