import AgenticCore
import AgenticStore
import Foundation
import MCP

/// Agents, goals, plans (with their tasks) and tasks as MCP resources, `agentic://<kind>/<id>`.
/// Reading one needs what `GET /<kind>/{id}` needs: a `read` key.
enum MCPResources {
    static let scope = Scope.read

    /// How many of each kind `resources/list` shows, newest first (the templates reach the rest).
    static let listed = 20

    static let templates: [Resource.Template] = [
        .init(uriTemplate: "agentic://agents/{agent_id}", name: "agent", description: "An agent", mimeType: "application/json"),
        .init(uriTemplate: "agentic://goals/{goal_id}", name: "goal", description: "A goal", mimeType: "application/json"),
        .init(
            uriTemplate: "agentic://plans/{plan_id}", name: "plan", description: "A plan with its tasks (the first 500)",
            mimeType: "application/json"),
        .init(uriTemplate: "agentic://tasks/{task_id}", name: "task", description: "A task", mimeType: "application/json"),
    ]

    /// The newest agents, goals and plans of the caller's tenant.
    static func list(_ call: MCPCall) async throws -> [Resource] {
        func query(_ kind: ResourceKind) throws -> ListQuery { try ListQuery.parse([("limit", String(listed))], for: kind) }
        var resources: [Resource] = []
        for agent in try await call.store.listAgents(try query(.agent), tenant: call.tenant).items {
            resources.append(Resource(name: agent.name, uri: "agentic://agents/\(agent.id.lowercased)", mimeType: "application/json"))
        }
        for goal in try await call.store.listGoals(try query(.goal), tenant: call.tenant).items {
            resources.append(
                Resource(name: String(goal.goalText.prefix(80)), uri: "agentic://goals/\(goal.id.lowercased)", mimeType: "application/json"))
        }
        for plan in try await call.store.listPlans(try query(.plan), tenant: call.tenant).items {
            resources.append(Resource(name: plan.name, uri: "agentic://plans/\(plan.id.lowercased)", mimeType: "application/json"))
        }
        return resources
    }

    /// The resource's JSON, as its HTTP read answers it; a URI of no resource is a 404.
    static func read(_ uri: String, _ call: MCPCall) async throws -> [UInt8] {
        let prefix = "agentic://"
        let parts = uri.hasPrefix(prefix) ? uri.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false) : []
        guard parts.count == 2, let id = UUID(uuidString: String(parts[1])) else {
            throw AgenticError(code: .notFound, status: 404, detail: "No resource has the URI \(uri); see resources/templates/list")
        }
        switch parts[0] {
        case "agents": return try await call.store.agent(id, tenant: call.tenant).jsonBytes()
        case "goals": return try await call.store.goal(id, tenant: call.tenant).jsonBytes()
        case "plans":
            let (plan, tasks) = try await call.store.plan(id, withTasks: PlanRoutes.includedTasks, tenant: call.tenant)
            return PlanRoutes.withTasks(plan, tasks)
        case "tasks": return try await call.store.task(id, tenant: call.tenant).jsonBytes()
        default:
            throw AgenticError(code: .notFound, status: 404, detail: "No resource has the URI \(uri); see resources/templates/list")
        }
    }
}
