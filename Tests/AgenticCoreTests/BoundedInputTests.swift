import AgenticCore
import Foundation
import Testing

/// Client data converted to bounded types: refused when out of range, never trapping.
@Suite("Bounded conversions of client data")
struct BoundedInputTests {
    @Test("dates are years 0001–9999 once the offset is applied")
    func dateRange() {
        #expect(Timestamp(rfc3339: "0001-01-01T00:00:00Z") == Timestamp.supported.lowerBound)
        #expect(Timestamp(rfc3339: "9999-12-31T23:59:59.999999Z") == Timestamp.supported.upperBound)
        for outside in [
            "0000-01-01T00:00:00Z", "0000-01-01T00:00:00+01:00", "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-01:00",
            "10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z", "2026-01-01T00:00:00." + String(repeating: "9", count: 60) + "Z",
        ] {
            #expect(Timestamp(rfc3339: outside) == nil, "\(outside)")
        }
        #expect(Timestamp(rfc3339: "0001-01-01T00:59:00+00:59") == Timestamp.supported.lowerBound, "an offset that stays inside")
    }

    @Test("timestamp arithmetic and formatting saturate instead of trapping")
    func saturation() {
        let extremes: [Int64] = [.min, .min + 1, -1, 0, .max - 1, .max]
        for micros in extremes {
            let t = Timestamp(microseconds: micros)
            #expect(t.rfc3339.count == 27, "always a well-formed date")
            _ = t.adding(seconds: 1e300)
            _ = t.adding(seconds: -1e300)
            _ = t.adding(seconds: .nan)
            _ = t.adding(microseconds: .max)
            _ = t.adding(microseconds: .min)
        }
        #expect(Timestamp(microseconds: .max).adding(microseconds: 1).microseconds == .max)
        #expect(Timestamp(secondsSince1970: .infinity).microseconds == .max)
        #expect(Timestamp(secondsSince1970: -.infinity).microseconds == .min)
    }

    @Test("a cursor must hold a time some resource can have")
    func cursors() {
        let id = UUID()
        let good = Cursor(createdAt: Timestamp(microseconds: 1_795_978_708_615_468), id: id)
        #expect(Cursor(encoded: good.encoded) == good)
        let hex = id.lowercased.replacingOccurrences(of: "-", with: "")
        for raw in ["\(Int64.min)_\(hex)", "\(Int64.max)_\(hex)", "-62135596800000001_\(hex)", "253402300800000000_\(hex)", "x_y", "_", ""] {
            #expect(Cursor(encoded: raw) == nil, "\(raw)")
        }
    }

    @Test("If-Match: any listed strong tag, strong comparison, * for any, weak never")
    func ifMatch() {
        func holds(_ header: String, _ version: Int64) -> Bool { VersionPrecondition(ifMatch: header).holds(forVersion: version) }
        #expect(holds("\"3\"", 3))
        #expect(!holds("\"3\"", 4))
        #expect(holds("\"1\", \"3\"", 3) && holds("\"1\",\"3\"", 1))
        #expect(!holds("W/\"3\"", 3))
        #expect(holds("W/\"3\", \"3\"", 3))
        #expect(holds("*", 7) && holds(" * ", 7))
        #expect(!holds("*, \"1\"", 1), "* is only valid alone")
        for never in ["", "\"\"", "3", "\"03\"", "\"-3\"", "\"+3\"", "\"9223372036854775808\"", "\"3", "junk", "\"3\" junk"] {
            #expect(!holds(never, 3), "\(never)")
        }
        #expect(holds("\"9223372036854775807\"", .max))
    }

    @Test("text is compared, hashed, ordered and counted as exact scalars")
    func exactText() {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed, "Swift's own equality is canonical equivalence…")
        #expect(!ExactText.equal(composed, decomposed), "…ours is not")
        #expect(JSONKey(composed) != JSONKey(decomposed))
        #expect(Set([JSONKey(composed), JSONKey(decomposed)]).count == 2)
        #expect(JSONValue.string(composed) != JSONValue.string(decomposed))
        #expect(!composed.isExactly(decomposed) && composed.isExactly("caf\u{E9}"))
        #expect(ExactText.length("a" + String(repeating: "\u{301}", count: 300)) == 301)
        #expect(ExactText.prefix("e\u{301}e\u{301}", 3) == "e\u{301}e")
        let parsed = try? JSONParser.parse("{\"\(composed)\": 1, \"\(decomposed)\": 2}")
        #expect(parsed?.objectValue?.count == 2, "two spellings are two members")
        #expect((try? JSONParser.parse("{\"k\": 1, \"k\": 2}")) == nil, "the same scalars twice are a duplicate")
    }

    @Test("rate limits: a bounded range, also on the command line")
    func rateLimits() {
        #expect(RateLimit(flag: "1000:2000") == RateLimit(requestsPerSecond: 1000, burst: 2000))
        #expect(RateLimit(flag: "0.5") == RateLimit(requestsPerSecond: 0.5, burst: 1))
        for bad in ["1e-20", "0", "-1", "nan", "inf", "1e30", "5:0", "5:99999999999", "5:x", "1:2:3", ""] {
            #expect(RateLimit(flag: bad) == nil, "\(bad)")
        }
    }
}
