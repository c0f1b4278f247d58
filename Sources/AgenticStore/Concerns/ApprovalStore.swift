import AgenticCore
import Foundation

/// Human in the loop: tasks that wait in `awaiting_approval` until a person decides. Deciding
/// needs an `approve` key (enforced by the routes) that neither created the task nor asked.
public protocol ApprovalStore: Sendable {
    /// `awaiting_approval` → `pending` (`task.approved`, the approver as actor).
    func approveTask(_ id: UUID, _ request: ApproveRequest, by caller: Caller) async throws -> PlanTask
    /// `awaiting_approval` → `failed` with `error: {code: "rejected", reason}`; dependents are skipped
    /// (`task.rejected`).
    func rejectTask(_ id: UUID, _ request: RejectRequest, by caller: Caller) async throws -> PlanTask
    /// The lease holder asks mid-task: the lease is released, the attempt not counted, and the
    /// task waits for a decision (`task.approval_requested`).
    func requestApproval(_ id: UUID, _ question: ApprovalQuestion, by caller: Caller) async throws -> PlanTask
}
