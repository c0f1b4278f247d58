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

    func validate() throws {
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level is not a log level") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        _ = try parsedRateLimit()
        _ = try parsedRetention()
    }

    func parsedRateLimit() throws -> RateLimit {
        let parts = defaultRateLimit.split(separator: ":")
        guard let rps = parts.first.flatMap({ Double($0) }), rps > 0 else {
            throw ValidationError("--default-rate-limit must look like 1000:2000 (requests per second : burst)")
        }
        let burst = parts.count > 1 ? Int64(parts[1]) : Int64(rps.rounded(.up))
        guard let burst, burst >= 1 else { throw ValidationError("--default-rate-limit burst must be a positive integer") }
        return RateLimit(requestsPerSecond: rps, burst: burst)
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
        try await database.withStore(logger: logger) { store in try await serve(store: store, logger: logger) }
        logger.info("agentic stopped")
    }

    private func serve(store: any Store, logger: Logger) async throws {
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

        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.defaultRateLimit = try parsedRateLimit()
        configuration.eventRetentionSeconds = try parsedRetention()
        let app = buildApplication(store: store, configuration: configuration, logger: logger)
        logger.info("agentic serving on http://\(host):\(port) with \(store.description)")
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
