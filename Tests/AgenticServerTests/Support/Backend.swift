import AgenticCore
import AgenticStore
import Foundation
import Logging
import Testing

/// The store backends every contract test runs against. PostgreSQL joins when `scripts/test` (or
/// anyone) sets `AGENTIC_TEST_POSTGRES_URL`; `BackendAvailabilityTests` fails if it is missing
/// without an explicit opt-out, so a run can never silently skip it.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static var postgresURL: String? { ProcessInfo.processInfo.environment["AGENTIC_TEST_POSTGRES_URL"] }

    static var available: [Backend] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    /// The URL of an empty database of this backend, for a server process of the test's own.
    func freshDatabaseURL() async throws -> String {
        switch self {
        case .sqlite: return "sqlite://\(TestFiles.temporaryDirectory())/agentic.sqlite"
        case .postgres: return try await TestPostgres.freshDatabaseURL()
        }
    }

    /// A fresh store, not yet running or migrated. SQLite gets its own file; PostgreSQL shares the
    /// test database, and tests isolate themselves by tenant, unless `isolated` asks for a database
    /// of their own (for tests of work that spans tenants, such as pruning) or `url` names one (a
    /// cluster of the test's own).
    func openStore(isolated: Bool = false, url given: String? = nil, poolSize: Int = 4, clock: (any WallClock)? = nil) async throws -> any Store {
        let logger = Logger(label: "test")
        let clock = clock ?? SystemClock()
        switch self {
        case .sqlite:
            let path = TestFiles.temporaryDirectory() + "/agentic.sqlite"
            return try await StoreFactory.open(.sqlite(path: path), logger: logger, clock: clock)
        case .postgres:
            guard var url = given ?? Self.postgresURL else { throw TestFailure("AGENTIC_TEST_POSTGRES_URL is not set") }
            if isolated && given == nil { url = try await TestPostgres.freshDatabaseURL() }
            // Many test stores share one cluster on two busy cores: wait for a connection as long as it takes.
            return try await StoreFactory.open(
                try DatabaseLocation(url: url), poolSize: poolSize, leaseDeadline: .seconds(30), logger: logger, clock: clock)
        }
    }

    /// Runs `body` with a fresh, migrated store whose services run meanwhile; stops and closes it after.
    func withStore<T>(
        isolated: Bool = false, url: String? = nil, poolSize: Int = 4, clock: (any WallClock)? = nil, _ body: (any Store) async throws -> T
    ) async throws -> T {
        let store = try await openStore(isolated: isolated, url: url, poolSize: poolSize, clock: clock)
        return try await store.run {
            try await store.migrate()
            return try await body(store)
        }
    }

    /// A fresh, migrated SQLite store (which runs nothing in the background); close it with `closing`.
    func makeStore() async throws -> any Store {
        precondition(self == .sqlite, "a PostgreSQL store needs its services running: use withStore")
        let store = try await openStore()
        try await store.migrate()
        return store
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum TestFiles {
    /// A new empty directory under the system temp folder.
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "agentic-test-" + UUID().uuidString.prefix(12).lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The package root (to find built binaries and repository files).
    static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }

    /// The `agentic` binary the tests run as a real process: `AGENTIC_BIN`, else the debug build.
    static var agenticBinary: String {
        ProcessInfo.processInfo.environment["AGENTIC_BIN"] ?? packageRoot + "/.build/debug/agentic"
    }
}


/// Runs `body` with `store`, its services running, and stops and closes it however `body` ends: an
/// SQLite connection released without being closed stops the whole test process.
func closing<T>(_ store: any Store, _ body: (any Store) async throws -> T) async throws -> T {
    try await store.run { try await body(store) }
}
