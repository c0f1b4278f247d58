/// An `If-Match` precondition on a resource's version (RFC 9110 §13.1.1).
///
/// It holds when any listed *strong* entity tag equals the resource's current tag (`"<version>"`),
/// by strong comparison; `*` holds for any existing resource; weak tags (`W/"3"`) never match. The
/// stores check it atomically with the write it guards.
public struct VersionPrecondition: Sendable, Equatable, CustomStringConvertible {
    /// nil for `*`.
    public var versions: [Int64]?
    /// The header as received, for error messages.
    public var text: String

    public static func anyVersion() -> VersionPrecondition { VersionPrecondition(versions: nil, text: "*") }
    public static func version(_ version: Int64) -> VersionPrecondition {
        VersionPrecondition(versions: [version], text: "\"\(version)\"")
    }

    public var description: String { text }

    public func holds(forVersion version: Int64) -> Bool {
        guard let versions else { return true }
        return versions.contains(version)
    }

    /// Parses an `If-Match` field value: `*`, or a comma list of entity tags. A tag that is weak or not
    /// one of ours can never match; a malformed value never holds at all.
    public init(ifMatch value: String) {
        text = String(value.prefix(200))
        let bytes = Array(value.utf8)
        var index = 0
        func skipSeparators() {
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t")
                || bytes[index] == UInt8(ascii: ",")
            {
                index += 1
            }
        }
        skipSeparators()
        if index < bytes.count, bytes[index] == UInt8(ascii: "*") {
            var rest = index + 1
            while rest < bytes.count, bytes[rest] == UInt8(ascii: " ") || bytes[rest] == UInt8(ascii: "\t") { rest += 1 }
            versions = rest == bytes.count ? nil : []
            return
        }
        var found: [Int64] = []
        while index < bytes.count {
            var weak = false
            if bytes[index] == UInt8(ascii: "W"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                weak = true
                index += 2
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { break }  // malformed: stop
            let start = index + 1
            guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) else { break }
            if !weak, let version = Self.version(bytes[start..<end]) { found.append(version) }
            index = end + 1
            skipSeparators()
        }
        versions = index < bytes.count ? [] : found
    }

    private init(versions: [Int64]?, text: String) {
        self.versions = versions
        self.text = text
    }

    /// Our tags are decimal versions, 1 or more, without sign or leading zeros.
    private static func version(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard let first = digits.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9"), digits.count <= 19 else {
            return nil
        }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }
}
