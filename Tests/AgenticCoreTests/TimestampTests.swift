import AgenticCore
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test("formats RFC 3339 UTC with microseconds")
    func format() {
        #expect(Timestamp(microseconds: 0).rfc3339 == "1970-01-01T00:00:00.000000Z")
        #expect(Timestamp(microseconds: 1_795_978_708_615_468).rfc3339 == "2026-11-29T18:58:28.615468Z")
        #expect(Timestamp(microseconds: -1).rfc3339 == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp(microseconds: 951_782_400_000_000).rfc3339 == "2000-02-29T00:00:00.000000Z")
    }

    @Test("parses offsets, fractions and separators")
    func parse() {
        #expect(Timestamp(rfc3339: "2026-11-29T18:58:28.615468Z")?.microseconds == 1_795_978_708_615_468)
        #expect(Timestamp(rfc3339: "2026-11-29T20:58:28.615468+02:00")?.microseconds == 1_795_978_708_615_468)
        #expect(Timestamp(rfc3339: "2026-11-29 18:58:28Z")?.microseconds == 1_795_978_708_000_000)
        #expect(Timestamp(rfc3339: "2026-11-29T18:58:28.6154689999Z")?.microseconds == 1_795_978_708_615_468, "beyond µs truncates")
        for bad in ["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T18:58:28", "yesterday", "2026-11-29T18:58:28.Z"] {
            #expect(Timestamp(rfc3339: bad) == nil, "\(bad)")
        }
    }

    @Test("format and parse are inverses", arguments: [0, 1, 999_999, 1_000_000, 1_795_978_708_615_468, 253_402_300_799_999_999])
    func inverse(micros: Int64) {
        let t = Timestamp(microseconds: micros)
        #expect(Timestamp(rfc3339: t.rfc3339) == t)
    }
}
