import Foundation
import Testing

@Suite("Test environment", .timeLimit(.minutes(3)))
struct BackendAvailabilityTests {
    @Test("PostgreSQL is part of the run (scripts/test provides it)")
    func postgresIsConfigured() {
        let sqliteOnly = ProcessInfo.processInfo.environment["AGENTIC_TEST_SQLITE_ONLY"] == "1"
        #expect(
            Backend.postgresURL != nil || sqliteOnly,
            "AGENTIC_TEST_POSTGRES_URL is not set, so the PostgreSQL half of the contract suite did not run. Use scripts/test, or set AGENTIC_TEST_SQLITE_ONLY=1 to accept that knowingly.")
    }
}
