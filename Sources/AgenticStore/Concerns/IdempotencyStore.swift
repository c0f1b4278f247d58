import AgenticCore
import Foundation

/// Idempotency keys: a reservation per key, and the answer recorded with the change it guards.
public protocol IdempotencyStore: Sendable {
    func reserveIdempotencyKey(_ reservation: IdempotencyReservation) async throws -> IdempotencyOutcome
    /// Records the answer of a request that wrote nothing (a validation error): nothing else can
    /// commit under the reservation, so a separate transaction suffices.
    func completeIdempotencyKey(_ claim: IdempotencyClaim, response: StoredResponse) async throws
    /// Gives the key up after a server error, unless the answer was recorded meanwhile.
    func releaseIdempotencyKey(_ claim: IdempotencyClaim) async throws
    func pruneIdempotencyKeys(before cutoff: Timestamp) async throws -> Int
}
