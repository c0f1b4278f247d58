import AgenticCore
import AgenticServer
import AgenticStore
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP server (migrations run first).")

    @Option(help: "Address to listen on (env AGENTIC_HOST)")
    var host: String = Env.string("AGENTIC_HOST", default: "127.0.0.1")

    @Option(help: "Port to listen on (env AGENTIC_PORT)")
    var port: Int = Env.int("AGENTIC_PORT", default: 8080)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "text or json (env AGENTIC_LOG_FORMAT)")
    var logFormat: String = Env.string("AGENTIC_LOG_FORMAT", default: "text")

    @Option(help: "trace, debug, info, notice, warning, error or critical (env AGENTIC_LOG_LEVEL)")
    var logLevel: String = Env.string("AGENTIC_LOG_LEVEL", default: "info")

    @Option(help: "Requests per second and burst for keys without their own limit, as RPS:BURST (env AGENTIC_DEFAULT_RATE_LIMIT)")
    var defaultRateLimit: String = Env.string("AGENTIC_DEFAULT_RATE_LIMIT", default: "1000:2000")

    @Option(help: "How long events are kept, e.g. 7d, 12h, 30m (env AGENTIC_EVENT_RETENTION)")
    var eventRetention: String = Env.string("AGENTIC_EVENT_RETENTION", default: "7d")

    @Option(help: "Close a connection idle this long, or whose request head is still incomplete after it (env AGENTIC_IDLE_TIMEOUT)")
    var idleTimeout: String = Env.string("AGENTIC_IDLE_TIMEOUT", default: "30s")

    @Option(help: "Close a connection whose request takes longer than this to arrive, head to end of body (env AGENTIC_REQUEST_TIMEOUT)")
    var requestTimeout: String = Env.string("AGENTIC_REQUEST_TIMEOUT", default: "30s")

    func validate() throws {
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level is not a log level") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        _ = try parsedRateLimit()
        _ = try parsedRetention()
        _ = try parsedTimeout(idleTimeout, "--idle-timeout")
        _ = try parsedTimeout(requestTimeout, "--request-timeout")
    }

    func parsedTimeout(_ text: String, _ flag: String) throws -> Duration {
        guard let seconds = DurationText.seconds(text), seconds >= 0.1, seconds <= 86_400 else {
            throw ValidationError("\(flag) must be a duration from 100ms to 1d, such as 30s")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    func parsedRateLimit() throws -> RateLimit {
        guard let limit = RateLimit(flag: defaultRateLimit) else {
            throw ValidationError(
                "--default-rate-limit must look like 1000:2000 (0.001 to 1000000 requests per second : burst 1 to 10000000)")
        }
        return limit
    }

    func parsedRetention() throws -> Double {
        guard let seconds = DurationText.seconds(eventRetention), seconds > 0 else {
            throw ValidationError("--event-retention must be a duration such as 7d, 12h or 30m")
        }
        return seconds
    }

    func run() async throws {
        LogFormat(rawValue: logFormat)!.bootstrap(level: Logger.Level(rawValue: logLevel)!)
        let logger = Logger(label: "agentic")
        let store = try await database.openStore(logger: logger)
        do {
            try await serve(store: store, logger: logger)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        logger.info("agentic stopped")
    }

    /// Runs the server with the store's services (its connection pool) in one ServiceGroup; the
    /// store is warmed, migrated and given its first key before the server listens.
    private func serve(store: any Store, logger: Logger) async throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.defaultRateLimit = try parsedRateLimit()
        configuration.eventRetentionSeconds = try parsedRetention()
        configuration.idleTimeout = try parsedTimeout(idleTimeout, "--idle-timeout")
        configuration.requestReadTimeout = try parsedTimeout(requestTimeout, "--request-timeout")
        let (host, port) = (host, port)
        let app = buildApplication(
            store: store, configuration: configuration, logger: logger,
            beforeServerStarts: {
                await store.warm()
                try await DatabaseOptions.migrate(store, logger: logger, waitingUpTo: .seconds(30))
                try await Self.bootstrapKey(store: store, logger: logger)
                logger.info("agentic serving on http://\(host):\(port) with \(store.description); the dashboard is at http://\(host):\(port)/ui")
            })
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    /// Creates the first admin key when there is none (printed once), or registers AGENTIC_ADMIN_KEY.
    private static func bootstrapKey(store: any Store, logger: Logger) async throws {
        switch try await AdminKeyBootstrap.run(store: store, adminKey: Env.string("AGENTIC_ADMIN_KEY"), logger: logger) {
        case .generated(let secret):
            FileHandle.standardError.write(
                Data(
                    """
                    ------------------------------------------------------------------
                    No API keys existed, so an admin key was created. It is shown once:

                        \(secret)

                    Use it as `X-API-Key: <key>` or `Authorization: Bearer <key>`.
                    ------------------------------------------------------------------

                    """.utf8))
        case .existing, .registered, .none:
            break
        }
    }
}
