import AgenticCore
import AgenticStore
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// Everything a running server is made of, exposed so tests can reach the parts.
public struct AgenticParts: Sendable {
    public let store: any Store
    public let routes: RouteBook
    public let authenticator: KeyAuthenticator
    public let rateLimiter: RateLimiter
    public let metrics: ServerMetrics
}

/// Builds the router: the middleware every request passes (outermost first), then every controller,
/// each route in the group of its access (see `RouteRegistrar`).
public func buildRouter(store: some Store, configuration: ServerConfiguration) -> (Router<AppRequestContext>, AgenticParts) {
    let router = Router(context: AppRequestContext.self, options: [.autoGenerateHeadEndpoints])
    let book = RouteBook()
    let authenticator = KeyAuthenticator(store: store, clock: store.clock)
    let rateLimiter = RateLimiter(defaultLimit: configuration.defaultRateLimit)
    let metrics = ServerMetrics()
    let problems = ProblemResponse(routes: book)

    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: AccessLogMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ProblemMiddleware(problems: problems))

    let routes = RouteRegistrar(router: router, book: book) { scope, group in
        group.add(middleware: AuthMiddleware(authenticator: authenticator, scope: scope))
            .add(middleware: RateLimitMiddleware(limiter: rateLimiter, metrics: metrics))
            .add(middleware: IdempotencyMiddleware(store: store, metrics: metrics, problems: problems))
    }
    HealthController(store: store).register(routes)
    MetricsController(store: store, metrics: metrics, authenticator: authenticator).register(routes)
    DocsController().register(routes)
    DashboardController().register(routes)
    ResourceControllers.register(store: store, on: routes)
    EventController(store: store, keepAlive: configuration.streamKeepAlive).register(routes)
    StatisticsController(store: store).register(routes)
    LimitController(store: store).register(routes)
    SettingsController(store: store).register(routes)
    KeyController(store: store, authenticator: authenticator).register(routes)
    WebhookController(store: store).register(routes)
    MCPEndpoint(store: store).register(routes)

    let app = AgenticParts(store: store, routes: book, authenticator: authenticator, rateLimiter: rateLimiter, metrics: metrics)
    return (router, app)
}

/// Builds the HTTP application with its background services: the store's own (its connection pool)
/// first, so they stop last. `beforeServerStarts` runs once they are up and before the server
/// listens (migrations). `onListening` learns the port actually bound (useful with port 0).
public func buildApplication<S: Store>(
    store: S, configuration: ServerConfiguration, logger: Logger, services: [any Service] = [],
    beforeServerStarts: @escaping @Sendable () async throws -> Void = {},
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let (router, parts) = buildRouter(store: store, configuration: configuration)
    var app = Application(
        router: router,
        server: .http1(
            configuration: HTTP1Channel.Configuration(
                additionalChannelHandlers: [RequestReadDeadlineHandler(deadline: configuration.requestReadTimeout)],
                idleTimeout: .nanoseconds(configuration.idleTimeout.nanoseconds))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    app.addServices(store.services)
    app.addServices(services)
    app.addServices(MaintenanceService(store: store, configuration: configuration, logger: logger))
    app.addServices(WebhookDeliveryService(store: store, interval: .milliseconds(250), metrics: parts.metrics, logger: logger))
    app.beforeServerStarts(perform: beforeServerStarts)
    return app
}
