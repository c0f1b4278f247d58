import AgenticCore
import Foundation
import Synchronization

/// Writers that keep creating agents through faults, each write retried under its own
/// `Idempotency-Key` until the server acknowledges it, counting what was acknowledged.
final class AcknowledgingWriters: Sendable {
    struct Tally {
        var acknowledged: [String: String] = [:]  // name → agent_id
        var unavailable = 0
        var slowestUnavailable: Duration = .zero
        var otherFailures: [String] = []
    }

    private let tally = Mutex(Tally())
    private let stopping = Atomic<Bool>(false)
    let base: String
    let key: String

    init(base: String, key: String) {
        self.base = base
        self.key = key
    }

    var snapshot: Tally { tally.withLock { $0 } }

    func stop() { stopping.store(true, ordering: .relaxed) }

    /// Waits until at least `count` writes were acknowledged, or `limit` passed (a loaded machine
    /// may need seconds to start a server); answers whether they were.
    func waitForAcknowledged(atLeast count: Int, atMost limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if snapshot.acknowledged.count >= count { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return snapshot.acknowledged.count >= count
    }

    /// Runs `count` writers until `stop()`; each write is retried (same key, same body) until acknowledged.
    func run(count: Int, label: String) async {
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<count {
                group.addTask {
                    var sequence = 0
                    while !self.stopping.load(ordering: .relaxed) {
                        sequence += 1
                        let name = "\(label)-\(writer)-\(sequence)"
                        await self.write(name)
                        try? await Task.sleep(for: .milliseconds(40))
                    }
                }
            }
        }
    }

    private func write(_ name: String) async {
        while true {
            let start = ContinuousClock.now
            do {
                // A generous timeout: a request that hangs fails the test instead of waiting forever.
                let reply = try await LiveHTTP.call(
                    .post, base + "/api/v1/agents", key: key, json: ["name": .string(name)], headers: [("Idempotency-Key", name)],
                    timeout: .seconds(30), client: LiveHTTP.failFast)
                let elapsed = ContinuousClock.now - start
                switch reply.status {
                case 201:
                    tally.withLock { $0.acknowledged[name] = reply["agent_id"]?.stringValue ?? "" }
                    return
                case 503:
                    tally.withLock {
                        $0.unavailable += 1
                        $0.slowestUnavailable = max($0.slowestUnavailable, elapsed)
                    }
                case 409 where reply.code == "idempotency_in_progress":
                    break
                default:
                    tally.withLock { $0.otherFailures.append("\(reply.status) \(reply.text.prefix(200))") }
                    return
                }
            } catch {
                // The connection was refused or cut by the fault: retry the same write, unless the
                // writers were stopped (a write never acknowledged is not counted).
                if stopping.load(ordering: .relaxed) { return }
                if ContinuousClock.now - start >= .seconds(29) {
                    tally.withLock { $0.otherFailures.append("a request hung: \(error)") }
                    return
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// How many agents of each name the server holds (every page).
    static func agentNames(base: String, key: String) async throws -> [String: Int] {
        var names: [String: Int] = [:]
        var cursor: String?
        repeat {
            let page = try await LiveHTTP.call(.get, base + "/api/v1/agents?limit=200" + (cursor.map { "&cursor=\($0)" } ?? ""), key: key)
            guard page.status == 200 else { throw TestFailure("listing agents answered \(page.status): \(page.text)") }
            for agent in page.items { names[agent["name"]?.stringValue ?? "", default: 0] += 1 }
            cursor = page["next_cursor"]?.stringValue
        } while cursor != nil
        return names
    }
}
