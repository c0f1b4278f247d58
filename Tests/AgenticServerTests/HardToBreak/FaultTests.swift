import AgenticCore
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Faults from the client side and from the machine: bodies past the limit however they arrive,
/// clients that send too slowly, a process killed in the middle of writes.
@Suite("Hard to break: oversized bodies, slow clients, kill -9", .timeLimit(.minutes(6)))
struct FaultTests {
    @Test("a body over 1 MiB is 413, with or without Content-Length, with or without an Idempotency-Key")
    func oversizedBodies() async throws {
        let key = "fault-operator-key-" + UUID().uuidString
        let server = try await ServerProcess.start(
            database: "sqlite://\(TestFiles.temporaryDirectory())/a.sqlite", environment: ["AGENTIC_ADMIN_KEY": key])
        let big = "{\"name\": \"" + String(repeating: "x", count: Limits.maxBodyBytes + 10) + "\"}"
        for chunked in [false, true] {
            for idempotencyKey in [nil, "big-\(chunked)"] {
                var request = HTTPClientRequest(url: server.baseURL + "/api/v1/agents")
                request.method = .POST
                request.headers.add(name: "X-API-Key", value: key)
                request.headers.add(name: "Content-Type", value: "application/json")
                if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
                let bytes = ByteBuffer(string: big)
                if chunked {
                    let chunks = stride(from: 0, to: bytes.readableBytes, by: 64 * 1024).map {
                        bytes.getSlice(at: $0, length: min(64 * 1024, bytes.readableBytes - $0))!
                    }
                    request.body = .stream(chunks.async, length: .unknown)
                } else {
                    request.body = .bytes(bytes)
                }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                let text = String(buffer: body)
                #expect(response.status.code == 413, "chunked \(chunked), key \(idempotencyKey ?? "none"): \(response.status) \(text)")
                #expect(text.contains("payload_too_large"))
            }
        }
        #expect(server.process.isRunning)
        #expect(try await LiveHTTP.call(.get, server.baseURL + "/api/v1/agents", key: key).items.isEmpty, "nothing half-written")
        try await server.stop()
    }

    @Test("a client trickling its request is cut off; an idle connection is closed; a long-poll is not")
    func slowClients() async throws {
        let key = "fault-operator-key-" + UUID().uuidString
        let server = try await ServerProcess.start(
            database: "sqlite://\(TestFiles.temporaryDirectory())/a.sqlite", environment: ["AGENTIC_ADMIN_KEY": key],
            extraArguments: ["--idle-timeout", "1s", "--request-timeout", "2s"])
        // A head that never completes: one byte every 200 ms.
        let head = try RawConnection(port: server.port)
        try head.send("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        #expect(try await head.trickleUntilClosed(every: .milliseconds(200), atMost: .seconds(20)), "a trickled head is cut off")
        // A complete head whose body trickles in.
        let body = try RawConnection(port: server.port)
        try body.send("POST /api/v1/agents HTTP/1.1\r\nHost: x\r\nX-API-Key: \(key)\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
        #expect(try await body.trickleUntilClosed(every: .milliseconds(200), atMost: .seconds(20)), "a trickled body is cut off")
        // A connection that says nothing at all.
        let idle = try RawConnection(port: server.port)
        #expect(try await idle.waitUntilClosed(atMost: .seconds(20)), "an idle connection is closed")
        // Waiting for the answer is not idling: a long-poll longer than the idle timeout completes. (Sent
        // on a raw connection the moment it opens: a pooled client on a busy machine may take longer
        // than the 1 s idle timeout between connecting and sending, and rightly be cut off.)
        let poll = try RawConnection(port: server.port)
        try poll.send("GET /api/v1/events?wait=3&types=x.never HTTP/1.1\r\nHost: x\r\nX-API-Key: \(key)\r\nConnection: close\r\n\r\n")
        let answer = try await poll.readUntilClosed(atMost: .seconds(20))
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(300))")
        #expect(server.process.isRunning)
        try await server.stop()
    }

    @Test("kill -9 in the middle of writes, three times: every acknowledged write survives, once", arguments: Backend.available)
    func killedMidWrite(backend: Backend) async throws {
        let database = try await backend.freshDatabaseURL()
        let key = "kill-operator-key-" + UUID().uuidString
        var acknowledged: [String: String] = [:]
        for round in 1...3 {
            let server = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
            let writers = AcknowledgingWriters(base: server.baseURL, key: key)
            async let writing: Void = writers.run(count: 6, label: "kill\(round)")
            let started = try await writers.waitForAcknowledged(atLeast: 12, atMost: .seconds(30))
            try await Task.sleep(for: .milliseconds(300))  // writes in flight when the kill lands
            kill(server.process.processIdentifier, SIGKILL)
            try await Task.sleep(for: .milliseconds(200))
            writers.stop()
            await writing
            let tally = writers.snapshot
            #expect(tally.otherFailures.isEmpty, "\(tally.otherFailures.prefix(3))")
            #expect(started, "round \(round): writes were acknowledged before the kill (\(tally.acknowledged.count))")
            acknowledged.merge(tally.acknowledged) { first, _ in first }
            while server.process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        }
        let server = try await ServerProcess.start(database: database, environment: ["AGENTIC_ADMIN_KEY": key])
        let names = try await AcknowledgingWriters.agentNames(base: server.baseURL, key: key)
        let missing = acknowledged.keys.filter { names[$0] == nil }
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged writes were lost: \(missing.prefix(5))")
        #expect(names.values.allSatisfy { $0 == 1 }, "a write was made twice")
        #expect(try await LiveHTTP.call(.get, server.baseURL + "/health/ready").status == 200)
        try await server.stop()
    }
}

/// A plain TCP connection to 127.0.0.1, for clients that misbehave below HTTP.
final class RawConnection {
    private let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect() failed") }
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw TestFailure("send() failed") }
    }

    /// Whether the server closed the connection (end of stream, or a reset).
    var isClosedByPeer: Bool {
        var byte: UInt8 = 0
        let received = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT))
        if received == 0 { return true }
        if received < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        return false
    }

    /// Sends one byte every `every` until the server closes the connection; false if it never did.
    func trickleUntilClosed(every interval: Duration, atMost limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if isClosedByPeer { return true }
            let byte: [UInt8] = [UInt8(ascii: "a")]
            let sent = byte.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
            if sent < 0 { return true }
            try await Task.sleep(for: interval)
        }
        return false
    }

    /// Everything the server sends until it closes the connection (or `limit` passes).
    func readUntilClosed(atMost limit: Duration) async throws -> String {
        let deadline = ContinuousClock.now + limit
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count == 0 { break }
            if count > 0 {
                received += buffer[0..<count]
                continue
            }
            if errno != EAGAIN && errno != EWOULDBLOCK { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return String(decoding: received, as: UTF8.self)
    }

    func waitUntilClosed(atMost limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if isClosedByPeer { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
