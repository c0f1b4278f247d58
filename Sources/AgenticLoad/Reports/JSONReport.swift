import AgenticCore
import Foundation

/// `--json FILE`: the whole result, for scripts and dashboards.
public enum JSONReport {
    public static func render(_ summary: LoadSummary, breaches: [String]) -> String {
        var w = JSONWriter(capacity: 4096)
        w.beginObject()
        w.key("scenario"); w.string(summary.scenario)
        w.key("url"); w.string(summary.url)
        w.key("users"); w.int(Int64(summary.users))
        w.key("rate"); if let rate = summary.rate { w.double(rate) } else { w.null() }
        w.key("started_at"); w.string(Timestamp(secondsSince1970: summary.startedAt.timeIntervalSince1970).rfc3339)
        w.key("duration_seconds"); w.double(summary.durationSeconds)
        w.key("passed"); w.bool(breaches.isEmpty)
        w.key("breaches"); w.strings(breaches)
        w.key("late_sends"); w.int(Int64(summary.late))
        w.key("dropped_sends"); w.int(Int64(summary.dropped))
        w.key("total"); stats(summary.total, summary, into: &w)
        w.key("endpoints")
        w.beginArray()
        for endpoint in summary.endpoints {
            w.beginObject()
            w.key("name"); w.string(endpoint.name)
            w.key("stats"); stats(endpoint.stats, summary, into: &w)
            w.endObject()
        }
        w.endArray()
        w.key("failures")
        w.beginArray()
        for failure in summary.failures {
            w.beginObject()
            w.key("method"); w.string(failure.method)
            w.key("name"); w.string(failure.name)
            w.key("reason"); w.string(failure.reason)
            w.key("occurrences"); w.int(Int64(failure.occurrences))
            w.endObject()
        }
        w.endArray()
        w.key("history")
        w.beginArray()
        for sample in summary.history {
            w.beginObject()
            w.key("elapsed_seconds"); w.double(sample.elapsedSeconds)
            w.key("users"); w.int(Int64(sample.users))
            w.key("requests_per_second"); w.double(sample.requestsPerSecond)
            w.key("failures_per_second"); w.double(sample.failuresPerSecond)
            w.key("p50_ms"); w.double(sample.stats.p50)
            w.key("p95_ms"); w.double(sample.stats.p95)
            w.key("p99_ms"); w.double(sample.stats.p99)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func stats(_ stats: LatencyStats, _ summary: LoadSummary, into w: inout JSONWriter) {
        w.beginObject()
        w.key("count"); w.int(Int64(stats.count))
        w.key("failures"); w.int(Int64(stats.failures))
        w.key("error_rate"); w.double(stats.errorRate)
        w.key("requests_per_second"); w.double(summary.requestsPerSecond(stats))
        w.key("mean_ms"); w.double(stats.mean)
        w.key("p50_ms"); w.double(stats.p50)
        w.key("p90_ms"); w.double(stats.p90)
        w.key("p95_ms"); w.double(stats.p95)
        w.key("p99_ms"); w.double(stats.p99)
        w.key("p99_9_ms"); w.double(stats.p999)
        w.key("max_ms"); w.double(stats.max)
        w.endObject()
    }
}
