import Foundation

/// An IANA time zone (`UTC`, `Europe/Berlin`, `America/New_York`) a schedule's wall-clock times are
/// read in.
///
/// The rules come from Foundation's `TimeZone`, which on Linux answers from the ICU data compiled into
/// the toolchain's Foundation, not from /usr/share/zoneinfo. That is why it was chosen over reading
/// TZif files ourselves: the server runs the same in a slim container without tzdata, recent TZif
/// files ("slim", the zic default) list no transitions after the last rule change and would need a
/// POSIX TZ rule parser for every later year, and Foundation's answers were checked before relying on
/// them: it resolves every name in tzdata 2025b, reports every offset change from 1900 to 2040 as a
/// transition (also those that are not daylight saving, like Moscow 2014 or Samoa skipping
/// 2011-12-30), keeps answering to year 9999, and costs well under a microsecond per question. The
/// price is that its rules are as new as the toolchain's ICU, not the machine's tzdata.
///
/// Foundation stays inside this file: the rest of the code asks in `Timestamp`s and seconds.
public struct ScheduleTimeZone: Sendable, Hashable, CustomStringConvertible {
    /// Longest name accepted; the longest IANA name has 32 characters.
    public static let maxNameLength = 64

    /// The form every name this type accepts has (letters, digits, `_` `+` `-`, segments split by
    /// `/`, none starting with `+` or `-`), for the OpenAPI document: a name of this form is accepted
    /// only if the machine's time zone database knows it, which no pattern can say.
    public static let namePattern = "^[A-Za-z0-9_][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_][A-Za-z0-9_+-]*)*$"

    /// The name as given (`Asia/Calcutta` stays `Asia/Calcutta`; it is a valid alias of `Asia/Kolkata`).
    public let identifier: String
    private let zone: TimeZone

    public static let utc = ScheduleTimeZone(validIdentifier: "UTC")

    /// Accepts IANA names only. Foundation alone would also take `PST`, `IST` or `GMT+5`: the first
    /// two are ICU's ambiguous abbreviations (India, Israel or Ireland?), and `GMT+5` means UTC+5
    /// there while IANA's `Etc/GMT+5` is UTC-5, so a name without a `/` must be one of tzdata's few
    /// top-level names. A problem is reported as a 422 naming `field`.
    public init(identifier: String, field: String = "time_zone") throws(AgenticError) {
        func reject(_ message: String) -> AgenticError { AgenticError.validation(field: field, message) }
        guard !identifier.isEmpty else { throw reject("must not be empty; give an IANA name like `Europe/Berlin` or `UTC`") }
        guard identifier.utf8.count <= Self.maxNameLength else {
            throw reject("must be at most \(Self.maxNameLength) characters long")
        }
        // Checked before Foundation sees the name: it reads a NUL as a space (`Europe/Berlin\0x` came
        // back as the zone `Europe/Berlin x`), and a path-like name must not reach any lookup.
        guard identifier.utf8.allSatisfy(Self.isAllowed) else {
            throw reject("may contain only letters, digits and `_` `+` `-` `/`, like `America/New_York`")
        }
        let segments = identifier.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.allSatisfy({ !$0.isEmpty && $0.first != "-" && $0.first != "+" }) else {
            throw reject("`\(identifier)` is not an IANA time zone name")
        }
        guard segments.count > 1 || Self.topLevelNames.contains(identifier),
            let zone = TimeZone(identifier: identifier),
            zone.identifier == identifier || Self.topLevelNames.contains(identifier)
        else {
            throw reject("`\(identifier)` is not a known IANA time zone name (names are case-sensitive, like `Europe/Berlin`)")
        }
        self.identifier = identifier
        self.zone = zone
    }

    private init(validIdentifier: String) {
        identifier = validIdentifier
        zone = TimeZone(identifier: validIdentifier) ?? .gmt
    }

    public var description: String { identifier }

    public static func == (lhs: ScheduleTimeZone, rhs: ScheduleTimeZone) -> Bool { lhs.identifier == rhs.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }

    /// How far the zone's clocks are ahead of UTC at `instant`, in seconds (-18000 in New York winter).
    public func offsetSeconds(at instant: Timestamp) -> Int {
        Int(offset(atSecond: Self.floorSeconds(instant)))
    }

    /// The next instant strictly after `instant` at which the zone's offset (or its daylight-saving
    /// flag) changes, or nil when the rules name none.
    public func nextTransition(after instant: Timestamp) -> Timestamp? {
        guard let second = nextTransition(afterSecond: Self.floorSeconds(instant)) else { return nil }
        let (micros, overflow) = second.multipliedReportingOverflow(by: 1_000_000)
        return overflow ? nil : Timestamp(microseconds: micros)
    }

    /// Instants outside `answeredSeconds` are asked as its nearest end: far beyond year 9999 Foundation
    /// answers nonsense (at 1e15 seconds, an offset of 0 and a "next" transition in 1997).
    func offset(atSecond second: Int64) -> Int64 {
        let asked = min(max(second, Self.answeredSeconds.lowerBound), Self.answeredSeconds.upperBound)
        return Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(asked))))
    }

    /// Whole seconds: transitions fall on whole seconds in every rule set. A transition reported at or
    /// before `second` (as Foundation does far outside the supported years) counts as none, so no
    /// caller can loop on it.
    func nextTransition(afterSecond second: Int64) -> Int64? {
        guard second < Self.answeredSeconds.upperBound else { return nil }
        let asked = max(second, Self.answeredSeconds.lowerBound)
        guard let date = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(asked))),
            let next = Int64(exactly: date.timeIntervalSince1970.rounded(.down)), next > second
        else { return nil }
        return next
    }

    /// The supported years and a week either side, room for every horizon the wall-clock mapping reads.
    private static let answeredSeconds: ClosedRange<Int64> =
        (Timestamp.supported.lowerBound.microseconds / 1_000_000 - 7 * 86_400)...(Timestamp.supported.upperBound.microseconds
        / 1_000_000 + 7 * 86_400)

    private static func floorSeconds(_ instant: Timestamp) -> Int64 {
        CronExpression.floorDivide(instant.microseconds, by: 1_000_000)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// tzdata's names without a `/` (its legacy and backward-compatible zones), less `Factory`, which
    /// is a placeholder rather than a place. Foundation reports `UTC`, `GMT+0` and `GMT-0` as `GMT`.
    private static let topLevelNames: Set<String> = [
        "UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "Universal", "Zulu",
        "CET", "EET", "MET", "WET", "EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT",
        "Cuba", "Egypt", "Eire", "GB", "GB-Eire", "Hongkong", "Iceland", "Iran", "Israel", "Jamaica", "Japan",
        "Kwajalein", "Libya", "NZ", "NZ-CHAT", "Navajo", "PRC", "Poland", "Portugal", "ROC", "ROK", "Singapore",
        "Turkey", "W-SU",
    ]
}
