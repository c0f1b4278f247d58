import AgenticCore
import Testing

@Suite("JSON parser and writer")
struct JSONTests {
    @Test("parses every JSON type")
    func parsesTypes() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5, 1e3, true, false, null], "s": "x\n\u00e9\ud83d\ude00", "big": 12345678901234567890} "#)
        #expect(value["a"] == [1, -2.5, 1000.0, true, false, nil])
        #expect(value["s"] == "x\né😀")
        #expect(value["big"] == .double(12345678901234567890.0), "integers beyond Int64 become doubles")
        #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
    }

    @Test("rejects what lenient parsers accept", arguments: [
        "{\"a\": 1,}", "[1, 2,]", "// c\n{}", "{'a': 1}", "{\"a\": 01}", "{\"a\": .5}", "{\"a\": 1.}", "{\"a\": NaN}",
        "\"\\ud800\"", "\"a\u{1}b\"", "{\"a\": 1} x", "{\"a\": 1, \"a\": 2}", "1e999", "\"\\x41\"", "[", "", "tru",
    ])
    func rejects(text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test("rejects invalid UTF-8")
    func invalidUTF8() {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("limits nesting depth without overflowing the stack")
    func depth() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect {
            try JSONParser.parse(deep, maxDepth: 64)
        } throws: { error in
            guard let error = error as? JSONParser.Error, case .tooDeep(64) = error.reason else { return false }
            return true
        }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(ok, maxDepth: 64) }
    }

    @Test("errors carry the byte offset")
    func offsets() {
        #expect {
            try JSONParser.parse("{\"a\": tru}")
        } throws: { error in
            (error as? JSONParser.Error)?.offset == 9
        }
    }

    @Test("writes canonical JSON: sorted keys, minimal escapes, exact numbers")
    func canonical() throws {
        let value: JSONValue = ["b": 1, "a": ["z": "q\"\\\n\t\u{1}", "y": 0.1], "c": [1.5e-7, -0.0, 100.0]]
        #expect(value.description == #"{"a":{"y":0.1,"z":"q\"\\\n\t\u0001"},"b":1,"c":[1.5e-07,-0.0,100.0]}"#)
        #expect(try JSONParser.parse(value.description) == value, "writing then parsing is the identity")
    }

    @Test("round-trips awkward strings", arguments: ["", "ümlaut", "emoji 🧪", "quote \" and \\ slash", "\u{7f}\u{2028}", "tab\there"])
    func roundTrip(text: String) throws {
        #expect(try JSONParser.parse(JSONValue.string(text).description) == .string(text))
    }
}
