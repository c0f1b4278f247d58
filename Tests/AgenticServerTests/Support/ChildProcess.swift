import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, its standard output and error written to a file.
///
/// Not Foundation's `Process`: on Linux its `run()` reads past a buffer while listing
/// `/proc/self/fd` (swift-corelibs-foundation #5472, Swift 6.3) and crashed the test process now and
/// then — more often the more descriptors the tests hold open.
final class ChildProcess: Sendable {
    let processIdentifier: pid_t
    let outputPath: String
    /// nil while running; then the exit status (or 128 + the signal that ended it).
    private let exit = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` and `environment` (every variable, as given).
    init(_ executable: String, _ arguments: [String], environment: [String: String], outputPath: String) throws {
        self.outputPath = outputPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw TestFailure("could not start \(executable): \(String(cString: strerror(result)))") }
        processIdentifier = pid
    }

    /// Whether it still runs (reaping it once it has exited).
    var isRunning: Bool {
        exit.withLock { exit in
            guard exit == nil else { return false }
            var status: Int32 = 0
            let reaped = waitpid(processIdentifier, &status, WNOHANG)
            guard reaped == processIdentifier else { return reaped == 0 }
            // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (they are C macros).
            let signal = status & 0x7f
            exit = signal == 0 ? (status >> 8) & 0xff : 128 + signal
            return false
        }
    }

    /// The exit status once it has exited (see `isRunning`).
    var terminationStatus: Int32 { exit.withLock { $0 } ?? -1 }

    func signal(_ signal: Int32) {
        if isRunning { kill(processIdentifier, signal) }
    }

    func terminate() { signal(SIGTERM) }

    /// Everything it wrote so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    deinit {
        if isRunning {
            kill(processIdentifier, SIGKILL)
            var status: Int32 = 0
            waitpid(processIdentifier, &status, 0)
        }
    }
}
