#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in time with microsecond precision, the precision both stores keep.
///
/// Holding microseconds since the Unix epoch (rather than `Date`) means a value read back from SQLite
/// or PostgreSQL equals the one written, and formatting needs no `DateFormatter`.
///
/// The API accepts years 0001–9999 only (`Timestamp.supported`), so every timestamp it takes in has
/// four-digit years and fits both stores. Arithmetic saturates instead of trapping: no value, however
/// extreme, can end the process.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    public init(secondsSince1970 seconds: Double) {
        microseconds = Self.saturatingMicroseconds(seconds)
    }

    /// 0001-01-01T00:00:00Z through 9999-12-31T23:59:59.999999Z.
    public static let supported: ClosedRange<Timestamp> =
        Timestamp(microseconds: days(fromCivil: 1, 1, 1) * 86_400_000_000)...Timestamp(
            microseconds: days(fromCivil: 10_000, 1, 1) * 86_400_000_000 - 1)

    public var isSupported: Bool { Self.supported.contains(self) }

    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000)
    }

    public var secondsSince1970: Double { Double(microseconds) / 1_000_000 }

    public func adding(seconds: Double) -> Timestamp {
        adding(microseconds: Self.saturatingMicroseconds(seconds))
    }

    public func adding(microseconds delta: Int64) -> Timestamp {
        let (sum, overflow) = microseconds.addingReportingOverflow(delta)
        guard overflow else { return Timestamp(microseconds: sum) }
        return Timestamp(microseconds: delta > 0 ? .max : .min)
    }

    /// Seconds as whole microseconds, clamped to what an `Int64` holds (NaN counts as zero).
    private static func saturatingMicroseconds(_ seconds: Double) -> Int64 {
        let micros = (seconds * 1_000_000).rounded()
        guard !micros.isNaN else { return 0 }
        return Int64(exactly: micros) ?? (micros > 0 ? .max : .min)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    public var description: String { rfc3339 }

    /// RFC 3339 in UTC with six fractional digits: `2026-11-29T18:34:29.123456Z`.
    public var rfc3339: String {
        var bytes = [UInt8](repeating: 0, count: 27)
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the 27 bytes of `rfc3339`. A value outside `supported` (only a damaged database could
    /// hold one) is written as the nearest supported instant rather than as a malformed date.
    func write(into out: inout [UInt8]) {
        let clamped = min(max(self, Self.supported.lowerBound), Self.supported.upperBound).microseconds
        var seconds = clamped / 1_000_000
        var micros = clamped % 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = Self.civil(fromDays: days)
        func put(_ value: Int64, _ width: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                out[index] = UInt8(value % 10) + UInt8(ascii: "0")
                value /= 10
            }
        }
        put(year, 4, at: 0)
        out[4] = UInt8(ascii: "-")
        put(month, 2, at: 5)
        out[7] = UInt8(ascii: "-")
        put(day, 2, at: 8)
        out[10] = UInt8(ascii: "T")
        put(secondOfDay / 3600, 2, at: 11)
        out[13] = UInt8(ascii: ":")
        put(secondOfDay / 60 % 60, 2, at: 14)
        out[16] = UInt8(ascii: ":")
        put(secondOfDay % 60, 2, at: 17)
        out[19] = UInt8(ascii: ".")
        put(micros, 6, at: 20)
        out[26] = UInt8(ascii: "Z")
    }

    /// Parses RFC 3339 (`T` or space separator, optional fraction, `Z` or `±hh:mm`). Fractions beyond
    /// microseconds are truncated. The instant must fall in `supported` once the offset is applied:
    /// `0001-01-01T00:00:00+01:00` is in year 0 and is refused.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 64 else { return nil }
        func digits(_ offset: Int, _ width: Int) -> Int64? {
            guard offset + width <= b.count else { return nil }
            var value: Int64 = 0
            for index in offset..<(offset + width) {
                let byte = b[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
            let day = digits(8, 2), [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(b[10]),
            let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
            let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var index = 19
        var micros: Int64 = 0
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            var scale: Int64 = 100_000
            let start = index
            while index < b.count, b[index] >= UInt8(ascii: "0"), b[index] <= UInt8(ascii: "9") {
                micros += Int64(b[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < b.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = digits(index + 1, 2), index + 3 < b.count, b[index + 3] == UInt8(ascii: ":"),
                let om = digits(index + 4, 2), oh < 24, om < 60
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[index] == UInt8(ascii: "+") ? 1 : -1)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds
        self.microseconds = seconds * 1_000_000 + micros
        guard isSupported else { return nil }
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension JSONWriter {
    public mutating func timestamp(_ value: Timestamp) {
        raw(Self.quoted(value))
    }

    public mutating func timestamp(_ value: Timestamp?) {
        if let value { timestamp(value) } else { null() }
    }

    private static func quoted(_ value: Timestamp) -> [UInt8] {
        var out = [UInt8](repeating: UInt8(ascii: "\""), count: 29)
        var inner = [UInt8](repeating: 0, count: 27)
        value.write(into: &inner)
        out.replaceSubrange(1..<28, with: inner)
        return out
    }
}
