import Hummingbird

/// `GET /openapi.yaml`, no key needed.
struct DocsController: Sendable {
    func register(_ routes: RouteRegistrar) {
        routes.open.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
    }
}
