import Foundation

extension UUID {
    /// All zeros: the placeholder of an id not yet set (a resource's `init()` starts from it, and
    /// every field is then read or made — generating a random id only to overwrite it costs a
    /// system call per row).
    public static let unset = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The canonical lowercase form used everywhere in the API (`uuidString` is uppercase).
    public var lowercased: String {
        let bytes = uuid
        return withUnsafeBytes(of: bytes) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                var o = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[o] = UInt8(ascii: "-")
                        o += 1
                    }
                    out[o] = Self.hexDigits[Int(byte >> 4)]
                    out[o + 1] = Self.hexDigits[Int(byte & 0x0F)]
                    o += 2
                }
                return 36
            }
        }
    }
}

extension JSONWriter {
    public mutating func uuid(_ id: UUID) { string(id.lowercased) }

    public mutating func uuid(_ id: UUID?) {
        if let id { uuid(id) } else { null() }
    }
}
