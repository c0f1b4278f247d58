import AgenticCore
import AgenticStore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers webhook events: claims due deliveries in the database (any instance may run it; each
/// delivery goes to one claimer at a time, under a lease a crashed instance's claims outlive only
/// briefly), POSTs each, signed (see `WebhookSignature`), and records the outcome. Redirects are
/// never followed (a 3xx is a failed attempt), each attempt has 10 seconds, and the target's host
/// must still be on the tenant's allow-list when the attempt is made.
public struct WebhookDeliveryService: Service {
    let store: any Store
    let interval: Duration
    let metrics: ServerMetrics?
    let logger: Logger

    /// Deliveries claimed at once; they are of distinct resources, so they are sent side by side.
    static let batch = 16
    static let attemptTimeout: TimeAmount = .seconds(10)
    /// Longer than an attempt can take, so a live claim never runs out mid-attempt.
    static let leaseSeconds: Double = 15
    /// The most of an answer's body read (and thrown away).
    static let maxAnswerBytes = 64 * 1024

    public init(store: any Store, interval: Duration, metrics: ServerMetrics? = nil, logger: Logger) {
        self.store = store
        self.interval = interval
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: Self.attemptTimeout)
        configuration.decompression = .disabled
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        while await !store.readiness().isReady, !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var claimed = 0
            do {
                let jobs = try await store.claimWebhookDeliveries(limit: Self.batch, leaseSeconds: Self.leaseSeconds)
                claimed = jobs.count
                await withTaskGroup(of: Void.self) { group in
                    for job in jobs {
                        group.addTask {
                            let outcome = await attempt(job, http: http)
                            metrics?.countWebhookAttempt(outcome)
                            do {
                                try await store.finishWebhookDelivery(job, outcome)
                            } catch {
                                logger.warning("recording a webhook attempt failed; its claim will lapse", metadata: ["error": "\(error)"])
                            }
                        }
                    }
                }
            } catch {
                logger.warning("claiming webhook deliveries failed; will retry", metadata: ["error": "\(error)"])
            }
            if claimed < Self.batch {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        }
        try? await http.shutdown()
    }

    /// One attempt: the outcome, never an error.
    func attempt(_ job: WebhookJob, http: HTTPClient) async -> WebhookOutcome {
        guard let body = job.body else { return .failed(status: nil, error: "the event is no longer in the log") }
        guard case .success(let target) = WebhookURL.parse(job.url), WebhookHosts.allows(target.host, in: job.allowedHosts) else {
            return .failed(status: nil, error: "the host is not on the tenant's allow-list")
        }
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: job.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Agentic-Webhooks")
        request.headers.add(name: "Agentic-Delivery", value: job.delivery.id.lowercased)
        request.headers.add(name: "Agentic-Event-Type", value: job.delivery.eventType)
        request.headers.add(name: WebhookSignature.timestampHeader, value: String(timestamp))
        request.headers.add(name: WebhookSignature.signatureHeader, value: WebhookSignature.sign(secret: job.secret, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, timeout: Self.attemptTimeout)
            var read = 0
            for try await part in response.body {
                read += part.readableBytes
                if read > Self.maxAnswerBytes { break }
            }
            let status = Int64(response.status.code)
            if (200..<300).contains(status) { return .delivered(status: status) }
            if (300..<400).contains(status) {
                let location = response.headers.first(name: "Location") ?? "nowhere"
                return .failed(status: status, error: "redirect to \(location) not followed")
            }
            return .failed(status: status, error: "the receiver answered \(status)")
        } catch {
            return .failed(status: nil, error: "no answer: \(error)")
        }
    }
}
