/// Between instants and wall-clock readings, where daylight saving makes the mapping uneven.
///
/// Wall-clock seconds count like Unix time but on the zone's local calendar: the reading
/// 2026-03-29T03:00 in Berlin is `Timestamp.days(fromCivil: 2026, 3, 29) * 86_400 + 3 * 3600`.
/// Clocks that spring forward skip readings; clocks that fall back show some readings twice. Both
/// functions below follow one rule, "a reading happens the first time the clocks show it or have
/// passed it", which is what makes a skipped time run once at the end of the gap and a repeated
/// time run once, the first time.
extension ScheduleTimeZone {
    /// How far around an instant the zone's history is read. Offsets stay within ±26 hours (RFC 8536
    /// bounds them so), so a reading is shown within 26 hours of the instant with the same digits in
    /// UTC, and a fall-back more than 52 hours ago cannot have left the clocks ahead of where they are
    /// now. Three days covers both with room to spare.
    static let horizon: Int64 = 72 * 3600

    /// A bound on the transitions within one horizon (real zones have at most two or three), so rules
    /// gone wrong cannot keep a loop going.
    private static let maxTransitionsPerHorizon = 64

    /// The latest reading the zone's clocks have shown at any instant up to and including `second`.
    /// Usually the reading at `second` itself; in the hour after clocks fell back it is the last
    /// reading before the fall, which the clocks are now passing a second time.
    func latestWallClock(through second: Int64) -> Int64 {
        var latest = second + offset(atSecond: second)
        var periodStart = second - Self.horizon
        var periodOffset = offset(atSecond: periodStart)
        for _ in 0..<Self.maxTransitionsPerHorizon {
            guard let transition = nextTransition(afterSecond: periodStart), transition <= second else { break }
            latest = max(latest, transition - 1 + periodOffset)
            periodStart = transition
            periodOffset = offset(atSecond: transition)
        }
        return latest
    }

    /// The first instant at which the zone's clocks show `wallClock` or a later reading:
    /// - a reading shown once: that instant;
    /// - a reading shown twice (clocks fell back): its first showing;
    /// - a reading skipped (clocks sprang forward over it): the instant of the jump, when the clocks
    ///   show the first reading after the gap. Every skipped reading of one gap maps to that instant.
    ///
    /// Walks the periods of constant offset from a horizon before: the answer lies in the first period
    /// whose last reading reaches `wallClock`, at `wallClock` if the period shows it, or at the
    /// period's start if the clocks jumped over it into the period.
    func firstInstant(showing wallClock: Int64) -> Int64 {
        var periodStart = wallClock - Self.horizon
        var periodOffset = offset(atSecond: periodStart)
        for _ in 0..<Self.maxTransitionsPerHorizon {
            guard let periodEnd = nextTransition(afterSecond: periodStart), periodEnd + periodOffset <= wallClock else {
                return wallClock >= periodStart + periodOffset ? wallClock - periodOffset : periodStart
            }
            periodStart = periodEnd
            periodOffset = offset(atSecond: periodEnd)
        }
        return wallClock - periodOffset
    }
}
