import AgenticCore
import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// A real `agentic` process, for tests that need signals, restarts or several instances.
final class ServerProcess: Sendable {
    let process: Process
    let port: Int
    private let output: OutputBuffer

    var log: String { output.text }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(process: Process, port: Int, output: OutputBuffer) {
        self.process = process
        self.port = port
        self.output = output
    }

    /// Starts `agentic serve` on a free port and waits until it listens.
    static func start(database: String, environment: [String: String] = [:], extraArguments: [String] = []) async throws
        -> ServerProcess
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestFiles.agenticBinary)
        // A small pool: many test servers share one PostgreSQL cluster at once, on a busy machine, so
        // they also wait longer for a connection than the default (the outage test sets its own).
        var pool = extraArguments.contains("--db-pool-size") ? [] : ["--db-pool-size", "4"]
        if !extraArguments.contains("--db-wait") && environment["AGENTIC_DB_WAIT"] == nil { pool += ["--db-wait", "30s"] }
        process.arguments = ["serve", "--port", "0", "--database-url", database] + pool + extraArguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "AGENTIC_ADMIN_KEY")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let pipe = Pipe()
        let output = OutputBuffer()
        pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let port = output.listeningPort() { return ServerProcess(process: process, port: port, output: output) }
            if !process.isRunning { throw TestFailure("agentic serve exited early:\n\(output.text)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw TestFailure("agentic serve did not start listening:\n\(output.text)")
    }

    /// Sends `signal` and waits for the process to exit; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw TestFailure("agentic did not stop within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

private final class OutputBuffer: Sendable {
    private let data = Mutex(Data())

    func append(_ chunk: Data) { data.withLock { $0.append(chunk) } }

    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }

    func listeningPort() -> Int? {
        let text = self.text
        guard let range = text.range(of: "listening on 127.0.0.1:") else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
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
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let folder = TestFiles.temporaryDirectory()
    let outputPath = folder + "/output.txt"
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning {
        guard ContinuousClock.now < deadline else {
            process.terminate()
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    try handle.close()
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    return (process.terminationStatus, output)
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
