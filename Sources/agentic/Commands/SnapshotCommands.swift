import AgenticStore
import ArgumentParser
import Foundation
import Logging
import Synchronization

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a consistent snapshot of the database as NDJSON.")

    @OptionGroup var database: DatabaseOptions

    @Option(name: .shortAndLong, help: "File to write (default: standard output)")
    var output: String?

    func run() async throws {
        let sink = try FileSink(path: output)
        let summary = try await database.withStore(logger: Logger(label: "agentic")) { store in
            try await store.export { line in try sink.write(line) }
        }
        try sink.close()
        FileHandle.standardError.write(Data("exported \(summary)\n".utf8))
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a snapshot into an empty database (all or nothing). Also how an embedded install moves to PostgreSQL.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "Snapshot file written by `agentic export` (- for standard input)")
    var input: String

    func run() async throws {
        let reader = try LineReader(path: input == "-" ? nil : input)
        let summary = try await database.withStore(logger: Logger(label: "agentic")) { store in
            try await store.importSnapshot { try reader.next() }
        }
        FileHandle.standardError.write(Data("imported \(summary)\n".utf8))
    }
}

/// Buffered writes to a file or standard output.
final class FileSink: Sendable {
    private let handle: FileHandle
    private let buffer = Mutex<[UInt8]>([])
    private let ownsHandle: Bool

    init(path: String?) throws {
        if let path, path != "-" {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("cannot create \(path)")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            ownsHandle = true
        } else {
            handle = FileHandle.standardOutput
            ownsHandle = false
        }
    }

    func write(_ bytes: [UInt8]) throws {
        let full = buffer.withLock { buffer -> [UInt8]? in
            buffer.append(contentsOf: bytes)
            guard buffer.count >= 1 << 16 else { return nil }
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if let full { try handle.write(contentsOf: full) }
    }

    func close() throws {
        let rest = buffer.withLock { buffer -> [UInt8] in
            defer { buffer.removeAll() }
            return buffer
        }
        if !rest.isEmpty { try handle.write(contentsOf: rest) }
        if ownsHandle { try handle.close() }
    }
}

/// Reads a file (or standard input) line by line without loading it whole.
final class LineReader: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var finished = false
    }

    private let handle: FileHandle
    private let state = Mutex(State())

    init(path: String?) throws {
        if let path {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path)") }
            self.handle = handle
        } else {
            handle = FileHandle.standardInput
        }
    }

    /// The next line without its newline, or nil at the end.
    func next() throws -> [UInt8]? {
        while true {
            let line = state.withLock { state -> [UInt8]?? in
                if let newline = state.pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Array(state.pending[..<newline])
                    state.pending.removeSubrange(...newline)
                    return .some(line)
                }
                if state.finished {
                    if state.pending.isEmpty { return .some(nil) }
                    defer { state.pending.removeAll() }
                    return .some(state.pending)
                }
                return .none
            }
            if let line { return line }
            let chunk = try handle.read(upToCount: 1 << 16) ?? Data()
            state.withLock { state in
                if chunk.isEmpty { state.finished = true } else { state.pending.append(contentsOf: chunk) }
            }
        }
    }
}
