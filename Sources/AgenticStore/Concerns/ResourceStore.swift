import AgenticCore
import Foundation

/// The resources: create, read, update, delete and list agents, goals, plans and tasks, and cancel
/// goals and plans with everything below them. Every change appends its events in the same
/// transaction.
public protocol ResourceStore: Sendable {
    // MARK: agents
    func createAgent(_ draft: AgentDraft, by caller: Caller) async throws -> Agent
    func agent(_ id: UUID, tenant: String) async throws -> Agent
    func updateAgent(_ id: UUID, _ patch: AgentPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Agent
    func deleteAgent(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws
    func listAgents(_ query: ListQuery, tenant: String) async throws -> Page<Agent>

    // MARK: goals
    func createGoal(_ draft: GoalDraft, by caller: Caller) async throws -> Goal
    func goal(_ id: UUID, tenant: String) async throws -> Goal
    func updateGoal(_ id: UUID, _ patch: GoalPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Goal
    func deleteGoal(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws
    func listGoals(_ query: ListQuery, tenant: String) async throws -> Page<Goal>
    func cancelGoal(_ id: UUID, by caller: Caller) async throws -> Goal

    // MARK: plans
    func createPlan(_ draft: PlanDraft, by caller: Caller) async throws -> Plan
    /// Creates a plan with its whole task graph, all or nothing.
    func createPlan(_ creation: PlanCreation, by caller: Caller) async throws -> CreatedPlan
    func plan(_ id: UUID, tenant: String) async throws -> Plan
    /// The plan and its first `limit` tasks (as `listTasks` pages them), in one snapshot.
    func plan(_ id: UUID, withTasks limit: Int, tenant: String) async throws -> (Plan, Page<PlanTask>)
    func updatePlan(_ id: UUID, _ patch: PlanPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> Plan
    func deletePlan(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws
    func listPlans(_ query: ListQuery, tenant: String) async throws -> Page<Plan>
    func cancelPlan(_ id: UUID, by caller: Caller) async throws -> Plan

    // MARK: tasks
    func createTask(_ draft: TaskDraft, by caller: Caller) async throws -> PlanTask
    func task(_ id: UUID, tenant: String) async throws -> PlanTask
    func updateTask(_ id: UUID, _ patch: TaskPatch, ifMatch: VersionPrecondition?, by caller: Caller) async throws -> PlanTask
    func deleteTask(_ id: UUID, ifMatch: VersionPrecondition?, by caller: Caller) async throws
    func listTasks(_ query: ListQuery, tenant: String) async throws -> Page<PlanTask>
}
