/// A strict RFC 8259 parser.
///
/// It rejects what lenient parsers let through and a store would later choke on: trailing commas,
/// comments, invalid UTF-8, lone surrogates, control characters in strings, duplicate object keys
/// (the same exact scalars: two spellings of "é" are two keys),
/// numbers that overflow, and nesting deeper than `maxDepth` (which also bounds recursion).
public struct JSONParser {
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public enum Reason: Sendable, Equatable {
            case unexpectedEnd
            case unexpectedByte(UInt8)
            case invalidNumber
            case invalidString(String)
            case duplicateKey(String)
            case tooDeep(Int)
            case trailingData
        }
        public var reason: Reason
        /// Byte offset where the problem was found.
        public var offset: Int

        public var description: String {
            switch reason {
            case .unexpectedEnd: return "unexpected end of input at byte \(offset)"
            case .unexpectedByte(let b):
                let shown = (0x20..<0x7f).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "0x\(String(b, radix: 16))"
                return "unexpected \(shown) at byte \(offset)"
            case .invalidNumber: return "invalid number at byte \(offset)"
            case .invalidString(let why): return "invalid string at byte \(offset): \(why)"
            case .duplicateKey(let key): return "duplicate key \"\(key)\" at byte \(offset)"
            case .tooDeep(let limit): return "nesting deeper than \(limit) levels at byte \(offset)"
            case .trailingData: return "unexpected data after the JSON value at byte \(offset)"
            }
        }
    }

    public static let defaultMaxDepth = 64

    /// Parses one JSON value that must span the whole input (surrounding whitespace allowed).
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = defaultMaxDepth) throws(Error) -> JSONValue {
        let result: Result<JSONValue, Error>? = bytes.withContiguousStorageIfAvailable { buffer in
            Self.parse(buffer: buffer, maxDepth: maxDepth)
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { Self.parse(buffer: $0, maxDepth: maxDepth) }.get()
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(Error) -> JSONValue {
        var text = text
        return try text.withUTF8 { Self.parse(buffer: $0, maxDepth: maxDepth) }.get()
    }

    static func parse(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) -> Result<JSONValue, Error> {
        var parser = JSONParser(bytes: buffer, maxDepth: maxDepth)
        do throws(Error) {
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.error(.trailingData) }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private var index = 0

    private init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private func error(_ reason: Error.Reason, at offset: Int? = nil) -> Error {
        Error(reason: reason, offset: offset ?? index)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func peek() throws(Error) -> UInt8 {
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        return bytes[index]
    }

    private mutating func expect(_ literal: StaticString, value: JSONValue) throws(Error) -> JSONValue {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error(.unexpectedEnd, at: bytes.count) }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] {
            throw error(.unexpectedByte(bytes[index + offset]), at: index + offset)
        }
        index += count
        return value
    }

    private mutating func parseValue(depth: Int) throws(Error) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expect("true", value: .bool(true))
        case UInt8(ascii: "f"): return try expect("false", value: .bool(false))
        case UInt8(ascii: "n"): return try expect("null", value: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case let byte: throw error(.unexpectedByte(byte))
        }
    }

    private mutating func parseObject(depth: Int) throws(Error) -> JSONValue {
        guard depth <= maxDepth else { throw error(.tooDeep(maxDepth)) }
        index += 1
        var object: JSONObject = [:]
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            let keyOffset = index
            guard try peek() == UInt8(ascii: "\"") else { throw error(.unexpectedByte(bytes[index])) }
            let key = try parseString()
            skipWhitespace()
            guard try peek() == UInt8(ascii: ":") else { throw error(.unexpectedByte(bytes[index])) }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if object.updateValue(value, forKey: JSONKey(key)) != nil {
                throw error(.duplicateKey(key), at: keyOffset)
            }
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(object)
            case let byte: throw error(.unexpectedByte(byte))
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(Error) -> JSONValue {
        guard depth <= maxDepth else { throw error(.tooDeep(maxDepth)) }
        index += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            array.append(try parseValue(depth: depth))
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(array)
            case let byte: throw error(.unexpectedByte(byte))
            }
        }
    }

    private mutating func parseNumber() throws(Error) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw error(.invalidNumber, at: start) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[index]) {
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        } else {
            throw error(.invalidNumber, at: start)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let digits = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > digits else { throw error(.invalidNumber, at: start) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digits = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > digits else { throw error(.invalidNumber, at: start) }
        }
        let literal = UnsafeBufferPointer(rebasing: bytes[start..<index])
        if isInteger, literal.count <= 19, let value = Self.parseInt64(literal) {
            return .int(value)
        }
        let text = String(decoding: literal, as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let double = Double(text), double.isFinite else { throw error(.invalidNumber, at: start) }
        return .double(double)
    }

    private static func parseInt64(_ literal: UnsafeBufferPointer<UInt8>) -> Int64? {
        var negative = false
        var offset = 0
        if literal[0] == UInt8(ascii: "-") {
            negative = true
            offset = 1
        }
        var value: Int64 = 0
        while offset < literal.count {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(literal[offset] &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = a
            offset += 1
        }
        return negative ? -value : value
    }

    private mutating func parseString() throws(Error) -> String {
        let start = index
        index += 1
        // Fast path: no escapes; validate UTF-8 once over the raw slice.
        var scan = index
        while scan < bytes.count {
            let byte = bytes[scan]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[index..<scan])
                guard let string = String(validating: slice, as: UTF8.self) else {
                    throw error(.invalidString("not valid UTF-8"), at: start)
                }
                index = scan + 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error(.invalidString("unescaped control character"), at: scan) }
            scan += 1
        }
        guard scan < bytes.count else { throw error(.unexpectedEnd, at: bytes.count) }
        return try parseEscapedString(start: start)
    }

    private mutating func parseEscapedString(start: Int) throws(Error) -> String {
        var utf8: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    throw error(.invalidString("not valid UTF-8"), at: start)
                }
                return string
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error(.unexpectedEnd) }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try parseUnicodeEscape()
                    utf8.append(contentsOf: String(Character(scalar)).utf8)
                default:
                    throw error(.invalidString("unknown escape"), at: index - 2)
                }
            default:
                if byte < 0x20 { throw error(.invalidString("unescaped control character")) }
                utf8.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseHex4() throws(Error) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error(.unexpectedEnd, at: bytes.count) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidString("bad \\u escape"))
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func parseUnicodeEscape() throws(Error) -> Unicode.Scalar {
        let escapeStart = index - 2
        let first = try parseHex4()
        if (0xD800...0xDBFF).contains(first) {
            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw error(.invalidString("lone surrogate"), at: escapeStart)
            }
            index += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw error(.invalidString("lone surrogate"), at: escapeStart) }
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            guard let scalar = Unicode.Scalar(combined) else { throw error(.invalidString("lone surrogate"), at: escapeStart) }
            return scalar
        }
        guard let scalar = Unicode.Scalar(first) else { throw error(.invalidString("lone surrogate"), at: escapeStart) }
        return scalar
    }
}
