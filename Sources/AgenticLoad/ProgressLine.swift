import Foundation

/// What a run shows while it goes: on a terminal one line rewritten in place; otherwise a plain line
/// every `plainEvery` seconds (logs and CI keep every one).
public struct ProgressLine: Sendable {
    public let terminal: Bool
    public let plainEvery: Double

    public init(terminal: Bool = isatty(STDOUT_FILENO) == 1, plainEvery: Double = 10) {
        self.terminal = terminal
        self.plainEvery = plainEvery
    }

    public static func text(_ sample: IntervalSample, duration: Double) -> String {
        String(format: "%5.0fs/%.0fs  users %d  %.1f req/s  p95 %.1f ms  errors %d (total %d of %d)",
               sample.elapsedSeconds, duration, sample.users, sample.requestsPerSecond, sample.stats.p95,
               sample.stats.failures, sample.cumulativeFailures, sample.cumulativeCount)
    }

    public func show(_ sample: IntervalSample, _ configuration: LoadConfiguration) {
        let line = Self.text(sample, duration: configuration.durationSeconds)
        if terminal {
            FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + line).utf8))
        } else {
            let step = max(plainEvery, configuration.intervalSeconds)
            let before = sample.elapsedSeconds - sample.seconds
            if floor(sample.elapsedSeconds / step) > floor(before / step) {
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
    }

    /// Ends the in-place line before the table is printed.
    public func finish() {
        if terminal { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}
