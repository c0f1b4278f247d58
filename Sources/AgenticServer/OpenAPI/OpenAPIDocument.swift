/// The OpenAPI 3.1 description of the whole API, served at `/openapi.yaml`.
///
/// The document is `openapi.yaml` next to this file, embedded in the binary at build time (no
/// resource bundle to lose when the binary moves). The tests hold it to the router — every route
/// documented, nothing documented that is not served — and each resource schema to the resource's
/// description; schemathesis (`scripts/fuzz`) checks every response against it.
public enum OpenAPIDocument {
    public static let yaml = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}
