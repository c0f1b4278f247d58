/// Text compared and measured as exact Unicode scalars, never by canonical equivalence.
///
/// `String`'s own `==`, hashing, ordering and `count` follow Unicode canonical equivalence and
/// grapheme clusters: "café" spelled with U+00E9 equals "café" spelled with e + U+0301, and "a"
/// followed by 250,000 combining marks counts as one character. The stores keep the exact scalars,
/// so the API compares and counts them too.
public enum ExactText {
    public static func equal(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

    public static func equal(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?): return equal(a, b)
        default: return false
        }
    }

    public static func equal(_ a: [String], _ b: [String]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
    }

    public static func hash(_ s: String, into hasher: inout Hasher) {
        var s = s
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(0xFF as UInt8)  // terminator: "ab" + "c" never hashes like "a" + "bc"
    }

    /// UTF-8 byte order, which is Unicode code point order.
    public static func less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// The length limits count Unicode scalars (which also bounds the bytes: at most 4 each).
    public static func length(_ s: String) -> Int { s.unicodeScalars.count }

    /// The first `count` Unicode scalars.
    public static func prefix(_ s: String, _ count: Int) -> String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: s.unicodeScalars.prefix(count))
        return String(result)
    }
}
