/// The name of a member of a JSON object, compared by its exact Unicode scalars.
///
/// Swift's `String` equality is canonical equivalence: "é" (U+00E9) and "é" (e + U+0301) are equal
/// and hash alike, so as `Dictionary` keys they collide. JSON, both stores and every client treat
/// them as two different names, and so do we: `{"é": 1, "é": 2}` has two members.
public struct JSONKey: Sendable, Hashable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let string: String

    public init(_ string: String) { self.string = string }
    public init(stringLiteral value: String) { self.string = value }

    public var description: String { string }

    public static func == (lhs: JSONKey, rhs: JSONKey) -> Bool { ExactText.equal(lhs.string, rhs.string) }

    public func hash(into hasher: inout Hasher) { ExactText.hash(string, into: &hasher) }

    /// Byte order of the UTF-8 encoding, which is also code point order: the order the writer uses.
    public static func < (lhs: JSONKey, rhs: JSONKey) -> Bool { ExactText.less(lhs.string, rhs.string) }
}
