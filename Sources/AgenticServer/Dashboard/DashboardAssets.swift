/// The dashboard's files (this folder), embedded in the binary at build time by SwiftPM's
/// `embedInCode` — each one listed in Package.swift and here. No build step of its own: plain HTML,
/// CSS and JavaScript modules.
enum DashboardAssets {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
        /// A strong validator from the bytes, so browsers revalidate cheaply.
        let etag: String

        init(_ bytes: [UInt8], _ contentType: String) {
            self.bytes = bytes
            self.contentType = contentType
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: not a security boundary, only a cache key
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            self.etag = "\"\(String(hash, radix: 16))\""
        }
    }

    static let page = Asset(PackageResources.index_html, "text/html; charset=utf-8")

    /// `/ui/{file}` by file name.
    static let files: [String: Asset] = [
        "style.css": Asset(PackageResources.style_css, "text/css; charset=utf-8"),
        "app.js": Asset(PackageResources.app_js, javaScript),
        "api.js": Asset(PackageResources.api_js, javaScript),
        "dom.js": Asset(PackageResources.dom_js, javaScript),
        "lists.js": Asset(PackageResources.lists_js, javaScript),
        "overview.js": Asset(PackageResources.overview_js, javaScript),
        "agents.js": Asset(PackageResources.agents_js, javaScript),
        "plans.js": Asset(PackageResources.plans_js, javaScript),
        "graph.js": Asset(PackageResources.graph_js, javaScript),
        "events.js": Asset(PackageResources.events_js, javaScript),
        "keys.js": Asset(PackageResources.keys_js, javaScript),
        "webhooks.js": Asset(PackageResources.webhooks_js, javaScript),
    ]

    private static let javaScript = "text/javascript; charset=utf-8"
}
