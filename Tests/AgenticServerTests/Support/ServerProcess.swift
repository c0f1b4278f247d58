import AgenticCore
import AsyncHTTPClient
import Foundation
import NIOCore

/// A real `agentic` process, for tests that need signals, restarts or several instances.
final class ServerProcess: Sendable {
    let process: ChildProcess
    let port: Int

    var log: String { process.output }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts `agentic serve` on a free port and waits until it listens.
    static func start(database: String, environment: [String: String] = [:], extraArguments: [String] = []) async throws
        -> ServerProcess
    {
        // A small pool: many test servers share one PostgreSQL cluster at once, on a busy machine, so
        // they also wait longer for a connection than the default (the outage test sets its own).
        var pool = extraArguments.contains("--db-pool-size") ? [] : ["--db-pool-size", "4"]
        if !extraArguments.contains("--db-wait") && environment["AGENTIC_DB_WAIT"] == nil { pool += ["--db-wait", "30s"] }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "AGENTIC_ADMIN_KEY")
        for (key, value) in environment { env[key] = value }
        let process = try ChildProcess(
            TestFiles.agenticBinary, ["serve", "--port", "0", "--database-url", database] + pool + extraArguments,
            environment: env, outputPath: TestFiles.temporaryDirectory() + "/serve.log")
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let port = listeningPort(in: process.output) { return ServerProcess(process: process, port: port) }
            if !process.isRunning { throw TestFailure("agentic serve exited early:\n\(process.output)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw TestFailure("agentic serve did not start listening:\n\(process.output)")
    }

    private static func listeningPort(in text: String) -> Int? {
        guard let range = text.range(of: "listening on 127.0.0.1:") else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// Sends `signal` and waits for the process to exit; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async throws -> Int32 {
        process.signal(signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                process.signal(SIGKILL)
                throw TestFailure("agentic did not stop within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        return process.terminationStatus
    }
}

/// Runs `agentic` with arguments to completion; returns its exit status and output.
func runAgentic(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)) async throws
    -> (status: Int32, output: String)
{
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "AGENTIC_ADMIN_KEY")
    for (key, value) in environment { env[key] = value }
    return try await runCommand(TestFiles.agenticBinary, arguments, environment: env, timeout: timeout)
}

/// Runs a program to completion, its output captured in a file; returns the exit status and output.
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Duration) async throws
    -> (status: Int32, output: String)
{
    let process = try ChildProcess(
        executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment,
        outputPath: TestFiles.temporaryDirectory() + "/output.txt")
    let deadline = ContinuousClock.now + timeout
    while process.isRunning {
        guard ContinuousClock.now < deadline else {
            process.signal(SIGKILL)
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    return (process.terminationStatus, process.output)
}

/// Plain HTTP over a real socket, with AsyncHTTPClient.
enum LiveHTTP {
    /// A client that reports a refused connection at once instead of retrying it until the deadline,
    /// for callers that expect the server to be gone at times.
    static let failFast: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    static func call(
        _ method: HTTPRequest.Method, _ url: String, key: String? = nil, json: JSONValue? = nil, headers: [(String, String)] = [],
        timeout: Duration = .seconds(30), client: HTTPClient = .shared
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method.rawValue)
        if let key { request.headers.add(name: "X-API-Key", value: key) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json.description))
        }
        let response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
        let body = try await response.body.collect(upTo: 16 << 20)
        var fields = HTTPFieldsBuilder()
        for header in response.headers { fields.add(header.name, header.value) }
        return Reply(status: Int(response.status.code), headers: fields.fields, body: Array(body.readableBytesView))
    }
}

import HTTPTypes

struct HTTPFieldsBuilder {
    var fields = HTTPFields()
    mutating func add(_ name: String, _ value: String) {
        if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
    }
}
