import Foundation

/// `PREFIX_stats.csv`, `PREFIX_failures.csv` and `PREFIX_stats_history.csv` with Locust's columns, so
/// whatever read Locust's files reads these.
public enum CSVReport {
    static let percentiles: [Double] = [50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100]
    static let percentileHeader = "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"

    public static func write(_ summary: LoadSummary, prefix: String) throws {
        try stats(summary).write(toFile: prefix + "_stats.csv", atomically: true, encoding: .utf8)
        try failures(summary).write(toFile: prefix + "_failures.csv", atomically: true, encoding: .utf8)
        try history(summary).write(toFile: prefix + "_stats_history.csv", atomically: true, encoding: .utf8)
    }

    public static func stats(_ summary: LoadSummary) -> String {
        var lines = ["Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
            + "Max Response Time,Average Content Size,Requests/s,Failures/s," + percentileHeader]
        func line(_ type: String, _ name: String, _ stats: LatencyStats) -> String {
            let seconds = max(summary.durationSeconds, 0.001)
            let cells = [field(type), field(name), String(stats.count), String(stats.failures), ms(stats.p50), ms(stats.mean),
                         ms(stats.min), ms(stats.max), String(format: "%.2f", stats.averageBytes),
                         String(format: "%.6f", Double(stats.count) / seconds), String(format: "%.6f", Double(stats.failures) / seconds)]
            return (cells + percentiles.map { ms(stats.percentile($0)) }).joined(separator: ",")
        }
        for endpoint in summary.endpoints { lines.append(line(endpoint.method, endpoint.path, endpoint.stats)) }
        lines.append(line("", "Aggregated", summary.total))
        return lines.joined(separator: "\n") + "\n"
    }

    public static func failures(_ summary: LoadSummary) -> String {
        var lines = ["Method,Name,Error,Occurrences"]
        for failure in summary.failures {
            let path = String(failure.name.drop { $0 != " " }.dropFirst())
            lines.append([field(failure.method), field(path), field(failure.reason), String(failure.occurrences)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func history(_ summary: LoadSummary) -> String {
        var lines = ["Timestamp,User Count,Type,Name,Requests/s,Failures/s," + percentileHeader
            + ",Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,"
            + "Total Min Response Time,Total Max Response Time,Total Average Content Size"]
        for sample in summary.history {
            let stats = sample.stats
            let cells = [String(Int(sample.timestamp.timeIntervalSince1970)), String(sample.users), "", "Aggregated",
                         String(format: "%.6f", sample.requestsPerSecond), String(format: "%.6f", sample.failuresPerSecond)]
                + percentiles.map { stats.count == 0 ? "N/A" : ms(stats.percentile($0)) }
                + [String(sample.cumulativeCount), String(sample.cumulativeFailures), ms(stats.p50), ms(stats.mean),
                   ms(stats.min), ms(stats.max), String(format: "%.2f", stats.averageBytes)]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Locust writes response times in whole milliseconds in percentile columns; we keep a decimal.
    static func ms(_ value: Double) -> String { String(format: "%.2f", value) }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
