/// Field sets and converters shared by several request bodies.
enum CommonFields {
    static let name = Convert.string(min: 1, max: Limits.maxNameLength)
    static let text = Convert.string(min: 0, max: Limits.maxTextLength)

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
}
