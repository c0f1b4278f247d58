/// Field sets and converters shared by several request bodies.
enum CommonFields {
    /// Fields every resource has that only the server sets.
    static let serverSet: Set<String> = ["version", "created_at", "updated_at"]

    static let name = Convert.string(min: 1, max: Limits.maxNameLength)
    static let text = Convert.string(min: 0, max: Limits.maxTextLength)
    static let requiredText = Convert.string(min: 1, max: Limits.maxTextLength)
    static let identifier = Convert.identifier()
    static let priority = Convert.int(0...10)

    static let did: Converter<String> = { value in
        guard case .string(let s) = value else { return .failure(Problem("must be a string, not \(value.typeName)")) }
        guard isDID(s) else {
            return .failure(
                Problem("must be a DID such as did:agent:name:1a2b3c4d (`did:` method `:` id, at most \(Limits.maxDIDLength))"))
        }
        return .success(s)
    }

    static func isDID(_ s: String) -> Bool {
        let parts = s.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard s.utf8.count <= Limits.maxDIDLength, parts.count == 3, parts[0] == "did", !parts[1].isEmpty, !parts[2].isEmpty
        else { return false }
        let methodOK = parts[1].utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
        let idOK = parts[2].utf8.allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39)
                || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D || $0 == 0x3A || $0 == 0x25
        }
        return methodOK && idOK
    }

    /// Throws 400 `no_fields` for a PATCH body that names no field at all.
    static func requireSomeField(_ reader: ObjectReader) throws(AgenticError) {
        if reader.isEmpty, reader.errors.isEmpty {
            throw AgenticError(code: .noFields, status: 400, detail: "The PATCH body names no field to change")
        }
    }
}

/// Sets `target` to the new value when the request gave one, reporting whether it changed (exactly:
/// see `ExactEquatable`).
@inline(__always)
func assign<T: ExactEquatable>(_ target: inout T, _ new: T?, _ changed: inout Bool) {
    if let new, !new.isExactly(target) {
        target = new
        changed = true
    }
}

/// The same for nullable fields, where `.some(nil)` clears the field.
@inline(__always)
func assign<T: ExactEquatable>(_ target: inout T?, _ new: T??, _ changed: inout Bool) {
    if let new, !new.isExactly(target) {
        target = new
        changed = true
    }
}
