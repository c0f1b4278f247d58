/// Calls `fetch` every 25 ms until `done` holds for its result or `timeout` passes, and returns the last
/// result (the test's own expectations then judge it). For what shows up a moment after the write,
/// such as PostgreSQL events waiting for older transactions to end.
func poll<T>(timeout: Duration = .seconds(15), _ fetch: () async throws -> T, until done: (T) -> Bool) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        let result = try await fetch()
        if done(result) || ContinuousClock.now > deadline { return result }
        try await Task.sleep(for: .milliseconds(25))
    }
}
