import Foundation

/// The table printed at the end of a run.
public enum TableReport {
    public static func render(_ summary: LoadSummary, breaches: [String]) -> String {
        var lines: [String] = []
        let model = summary.rate.map { String(format: "open model, %.0f req/s", $0) } ?? "closed model"
        lines.append(String(format: "Scenario %@ against %@: %d users, %@, %.1f s", summary.scenario, summary.url, summary.users, model, summary.durationSeconds))
        let header = ["Endpoint", "Count", "Fail", "Req/s", "Mean", "p50", "p90", "p95", "p99", "p99.9", "Max"]
        var rows: [[String]] = summary.endpoints.map { row($0.name, $0.stats, summary) }
        rows.append(row("All", summary.total, summary))
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  ")
        }
        lines.append(line(header))
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for (index, cells) in rows.enumerated() {
            if index == rows.count - 1 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
            lines.append(line(cells))
        }
        lines.append("Latencies in milliseconds.")
        if summary.rate != nil {
            lines.append("Sends behind their intended time: \(summary.late) late, \(summary.dropped) dropped.")
        }
        if !summary.failures.isEmpty {
            lines.append("")
            lines.append("Failures:")
            for failure in summary.failures.prefix(20) {
                lines.append("  \(failure.occurrences)×  \(failure.name)  \(failure.reason)")
            }
        }
        lines.append("")
        lines.append(breaches.isEmpty ? "PASS: every threshold held." : "FAIL: " + breaches.joined(separator: "; "))
        return lines.joined(separator: "\n")
    }

    static func row(_ name: String, _ stats: LatencyStats, _ summary: LoadSummary) -> [String] {
        [name, String(stats.count), String(stats.failures), String(format: "%.1f", summary.requestsPerSecond(stats))]
            + [stats.mean, stats.p50, stats.p90, stats.p95, stats.p99, stats.p999, stats.max].map { String(format: "%.1f", $0) }
    }
}
