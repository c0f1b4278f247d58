import Foundation

/// Reads durations such as `15s`, `5m`, `1h`, `7d`, `500ms`, `250us` (a bare number is seconds), up
/// to a hundred years: `inf`, `nan` and absurd values are refused, not carried into date arithmetic.
enum DurationText {
    static let longest: Double = 100 * 365 * 86_400

    static func seconds(_ text: String) -> Double? {
        guard let seconds = parse(text), seconds.isFinite, seconds <= longest else { return nil }
        return seconds
    }

    private static func parse(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count)), value >= 0 else { return nil }
            return value * scale
        }
        guard let value = Double(trimmed), value >= 0 else { return nil }
        return value
    }
}
