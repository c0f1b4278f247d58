import AgenticClient
import AsyncHTTPClient
import NIOCore
import Foundation
import Synchronization

/// Runs a load test: starts virtual users at the spawn rate (closed model, each with think time), or
/// sends at a fixed rate (open model), for the duration; reports progress while it runs.
public struct LoadRunner: Sendable {
    public let configuration: LoadConfiguration
    public let recorder = LoadRecorder()
    let http: HTTPClient
    let client: AgenticClient

    public init(configuration: LoadConfiguration) {
        self.configuration = configuration
        // One keep-alive connection per user: a shared client's small per-host pool (8) would queue
        // the users behind each other and make the generator the bottleneck.
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, configuration.users)
        httpConfiguration.connectionPool.idleTimeout = .seconds(60)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        // Requests may take long under load; the run's own clock decides when it ends.
        client = AgenticClient(url: configuration.url, apiKey: configuration.apiKey, timeout: .seconds(60), httpClient: http)
    }

    /// Runs to the end and returns the figures. `progress` is called once per interval.
    public func run(progress: @escaping @Sendable (IntervalSample, LoadConfiguration) -> Void = { _, _ in }) async -> LoadSummary {
        let end = ContinuousClock.now + .seconds(configuration.durationSeconds)
        let interval = Duration.seconds(configuration.intervalSeconds)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var next = ContinuousClock.now + interval
                while next < end {
                    try? await Task.sleep(until: next, clock: .continuous)
                    progress(recorder.closeInterval(), configuration)
                    next += interval
                }
            }
            group.addTask {
                if let rate = configuration.rate {
                    await openModel(rate: rate, until: end)
                } else {
                    await closedModel(until: end)
                }
            }
            await group.waitForAll()
        }
        progress(recorder.closeInterval(), configuration)
        let summary = recorder.summary(configuration: configuration)
        try? await http.shutdown()
        return summary
    }

    /// Users start `spawnRate` per second; each runs operation after operation with think time.
    func closedModel(until end: ContinuousClock.Instant) async {
        let spawnGap = Duration.seconds(1 / max(configuration.spawnRate, 0.001))
        await withTaskGroup(of: Void.self) { group in
            var nextSpawn = ContinuousClock.now
            for number in 0..<configuration.users {
                if nextSpawn >= end { break }
                try? await Task.sleep(until: nextSpawn, clock: .continuous)
                recorder.setUsers(number + 1)
                group.addTask { [client, recorder, configuration] in
                    var user = VirtualUser(number: number, client: client, recorder: recorder)
                    var generator = SystemRandomNumberGenerator()
                    while ContinuousClock.now < end {
                        await user.perform(configuration.mix.random(using: &generator))
                        let think = Double.random(in: configuration.thinkTime, using: &generator)
                        let wake = min(ContinuousClock.now + .seconds(think), end)
                        if think > 0 { try? await Task.sleep(until: wake, clock: .continuous) }
                    }
                }
                nextSpawn += spawnGap
            }
            await group.waitForAll()
        }
    }

    /// Sends `rate` operations per second at fixed intended times, each on a free user (at most
    /// `users` at once). Latency counts from the intended time, so a server that stalls the sender is
    /// charged for it (no coordinated omission); a send that could not leave within `dropAfterSeconds`
    /// of its time is dropped and counted.
    func openModel(rate: Double, until end: ContinuousClock.Instant) async {
        let pool = UserPool(users: (0..<max(1, configuration.users)).map { VirtualUser(number: $0, client: client, recorder: recorder) })
        recorder.setUsers(configuration.users)
        let gap = Duration.seconds(1 / max(rate, 0.001))
        let dropAfter = Duration.seconds(configuration.dropAfterSeconds)
        let lateAfter = Duration.milliseconds(10)
        await withTaskGroup(of: Void.self) { group in
            var intended = ContinuousClock.now
            var generator = SystemRandomNumberGenerator()
            while intended < end {
                try? await Task.sleep(until: intended, clock: .continuous)
                let operation = configuration.mix.random(using: &generator)
                let at = intended
                intended += gap
                guard var user = await pool.take(before: at + dropAfter) else {
                    recorder.countDropped()
                    continue
                }
                if ContinuousClock.now - at > lateAfter { recorder.countLate() }
                group.addTask {
                    await user.perform(operation, start: at)
                    pool.give(user)
                }
            }
            await group.waitForAll()
        }
    }
}

/// The open model's idle users: a send takes one, and gives it back when done.
final class UserPool: Sendable {
    private struct State {
        var idle: [VirtualUser]
        var waiter: CheckedContinuation<VirtualUser?, Never>?
    }

    private let state: Mutex<State>

    init(users: [VirtualUser]) { state = Mutex(State(idle: users)) }

    /// A free user, waiting for one until `deadline` (nil if none came free by then). One caller at a time.
    func take(before deadline: ContinuousClock.Instant) async -> VirtualUser? {
        if let user = state.withLock({ $0.idle.popLast() }) { return user }
        return await withTaskGroup(of: VirtualUser?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let ready = self.state.withLock { state -> VirtualUser? in
                        if let user = state.idle.popLast() { return user }
                        state.waiter = continuation
                        return nil
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                self.state.withLock { state in
                    state.waiter.take()
                }?.resume(returning: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            let second = await group.next() ?? nil
            // If the timer lost the race the other way, a user arrived: keep it.
            return first ?? second
        }
    }

    func give(_ user: VirtualUser) {
        let waiter = state.withLock { state -> CheckedContinuation<VirtualUser?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.idle.append(user)
            return nil
        }
        waiter?.resume(returning: user)
    }
}
