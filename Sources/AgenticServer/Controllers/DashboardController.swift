import AgenticCore
import Hummingbird

/// The web dashboard: `GET /ui` is its page, `GET /ui/{file}` its scripts and styles — files
/// embedded in the binary (`DashboardAssets`), so it works offline and needs no key to load. Every
/// call it makes goes to the API with the key the user pasted, so what it shows and may change is
/// exactly what that key may.
struct DashboardController: Sendable {
    /// Scripts and styles only from this origin, nothing inline, nothing else reachable: a script
    /// injected through data the dashboard shows could not run, nor send a key anywhere else.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    func register(_ routes: RouteRegistrar) {
        routes.open.get("/ui") { request, _ in Self.serve(DashboardAssets.page, for: request) }
        routes.open.get("/ui/:file") { request, context in
            guard let name = context.parameters.get("file"), let asset = DashboardAssets.files[name] else {
                throw AgenticError(code: .notFound, status: 404, detail: "The dashboard has no such file")
            }
            return Self.serve(asset, for: request)
        }
    }

    /// Revalidated on every load (`no-cache` with an ETag) so a new binary's files are seen at once,
    /// yet an unchanged file costs a 304.
    static func serve(_ asset: DashboardAssets.Asset, for request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: asset.contentType, .cacheControl: "no-cache", .eTag: asset.etag,
            .contentSecurityPolicy: contentSecurityPolicy,
        ]
        if request.headers[.ifNoneMatch] == asset.etag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
