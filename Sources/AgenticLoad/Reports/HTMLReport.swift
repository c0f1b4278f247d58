import Foundation

/// `--html FILE`: one self-contained page (no network): charts of requests per second, p50/p95/p99
/// latency and errors over time, drawn as SVG by a small inline script from the run's data, and the
/// per-endpoint table.
public enum HTMLReport {
    public static func render(_ summary: LoadSummary, breaches: [String]) -> String {
        let history = summary.history
        func series(_ values: [Double]) -> String { "[" + values.map { String(format: "%.3f", $0) }.joined(separator: ",") + "]" }
        let seconds = series(history.map(\.elapsedSeconds))
        let data = """
        {"t": \(seconds),
         "charts": [
          {"id": "chart-rps", "title": "Requests per second", "unit": "req/s", "series": [
            {"name": "requests/s", "color": "#2563eb", "values": \(series(history.map(\.requestsPerSecond)))}]},
          {"id": "chart-latency", "title": "Latency (ms)", "unit": "ms", "series": [
            {"name": "p50", "color": "#16a34a", "values": \(series(history.map(\.stats.p50)))},
            {"name": "p95", "color": "#d97706", "values": \(series(history.map(\.stats.p95)))},
            {"name": "p99", "color": "#dc2626", "values": \(series(history.map(\.stats.p99)))}]},
          {"id": "chart-errors", "title": "Errors per second", "unit": "errors/s", "series": [
            {"name": "failures/s", "color": "#dc2626", "values": \(series(history.map(\.failuresPerSecond)))}]}
         ]}
        """
        var rows = ""
        for endpoint in summary.endpoints { rows += row(escape(endpoint.name), endpoint.stats, summary, total: false) }
        rows += row("All", summary.total, summary, total: true)
        var failures = ""
        for failure in summary.failures {
            failures += "<tr><td>\(failure.occurrences)</td><td>\(escape(failure.name))</td><td>\(escape(failure.reason))</td></tr>\n"
        }
        let verdict = breaches.isEmpty
            ? "<p class=\"verdict pass\" id=\"verdict\">PASS: every threshold held.</p>"
            : "<p class=\"verdict fail\" id=\"verdict\">FAIL: \(escape(breaches.joined(separator: "; ")))</p>"
        let model = summary.rate.map { String(format: "open model at %.0f req/s", $0) } ?? "closed model"
        let started = ISO8601DateFormatter().string(from: summary.startedAt)
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Agentic load test: \(escape(summary.scenario))</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
        h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
        .charts { display: flex; flex-wrap: wrap; gap: 1em; }
        figure { margin: 0; border: 1px solid #ddd; padding: .5em; }
        figcaption { font-weight: 600; }
        table { border-collapse: collapse; margin-top: .5em; }
        th, td { padding: .25em .6em; border-bottom: 1px solid #eee; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        tr.total td { font-weight: 600; border-top: 2px solid #999; }
        .verdict { font-weight: 600; } .pass { color: #15803d; } .fail { color: #b91c1c; }
        .legend span { margin-right: 1em; }
        </style>
        </head>
        <body>
        <h1>Agentic load test: \(escape(summary.scenario))</h1>
        <p>\(escape(summary.url)) · \(summary.users) users · \(model) · started \(started) · \(String(format: "%.1f", summary.durationSeconds)) s ·
        \(summary.total.count) requests, \(summary.total.failures) failed</p>
        \(verdict)
        <div class="charts" id="charts"></div>
        <h2>Endpoints (latency in ms)</h2>
        <table id="endpoints">
        <thead><tr><th>Endpoint</th><th>Count</th><th>Failures</th><th>Req/s</th><th>Mean</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>Max</th></tr></thead>
        <tbody>
        \(rows)</tbody>
        </table>
        <h2>Failures</h2>
        <table id="failures"><thead><tr><th>Count</th><th>Endpoint</th><th>Reason</th></tr></thead>
        <tbody>
        \(failures.isEmpty ? "<tr><td colspan=\"3\">none</td></tr>" : failures)</tbody></table>
        <script id="run-data" type="application/json">\(data)</script>
        <script>
        (function () {
          var data = JSON.parse(document.getElementById("run-data").textContent);
          var NS = "http://www.w3.org/2000/svg", W = 460, H = 220, L = 48, B = 28, T = 10, R = 10;
          function el(name, attrs, parent) {
            var node = document.createElementNS(NS, name);
            for (var k in attrs) node.setAttribute(k, attrs[k]);
            if (parent) parent.appendChild(node);
            return node;
          }
          data.charts.forEach(function (chart) {
            var figure = document.createElement("figure");
            var caption = document.createElement("figcaption");
            caption.textContent = chart.title;
            figure.appendChild(caption);
            var svg = el("svg", {id: chart.id, "class": "chart", width: W, height: H, viewBox: "0 0 " + W + " " + H});
            var tMax = Math.max(1, data.t.length ? data.t[data.t.length - 1] : 1);
            var yMax = 0;
            chart.series.forEach(function (s) { s.values.forEach(function (v) { yMax = Math.max(yMax, v); }); });
            yMax = yMax > 0 ? yMax * 1.1 : 1;
            function x(t) { return L + (W - L - R) * t / tMax; }
            function y(v) { return H - B - (H - B - T) * v / yMax; }
            for (var i = 0; i <= 4; i++) {
              var v = yMax * i / 4;
              el("line", {x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#eee"}, svg);
              el("text", {x: L - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 10}, svg).textContent = v < 10 ? v.toFixed(1) : Math.round(v);
            }
            el("line", {x1: L, x2: L, y1: T, y2: H - B, stroke: "#999"}, svg);
            el("line", {x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#999"}, svg);
            el("text", {x: (W + L) / 2, y: H - 6, "text-anchor": "middle", "font-size": 10}, svg).textContent = "seconds (0–" + Math.round(tMax) + ")";
            chart.series.forEach(function (s) {
              var points = s.values.map(function (v, i) { return x(data.t[i]).toFixed(1) + "," + y(v).toFixed(1); }).join(" ");
              el("polyline", {points: points, fill: "none", stroke: s.color, "stroke-width": 2, "class": "series", "data-series": s.name}, svg);
            });
            figure.appendChild(svg);
            var legend = document.createElement("div");
            legend.className = "legend";
            chart.series.forEach(function (s) {
              var item = document.createElement("span");
              item.style.color = s.color;
              item.textContent = "■ " + s.name;
              legend.appendChild(item);
            });
            figure.appendChild(legend);
            document.getElementById("charts").appendChild(figure);
          });
          document.body.setAttribute("data-charts-drawn", String(data.charts.length));
        })();
        </script>
        </body>
        </html>

        """
    }

    static func row(_ name: String, _ stats: LatencyStats, _ summary: LoadSummary, total: Bool) -> String {
        let cells = [String(stats.count), String(stats.failures), String(format: "%.1f", summary.requestsPerSecond(stats))]
            + [stats.mean, stats.p50, stats.p90, stats.p95, stats.p99, stats.p999, stats.max].map { String(format: "%.1f", $0) }
        return "<tr\(total ? " class=\"total\"" : "")><td>\(name)</td>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
