/// The OpenAPI 3.1 description of the whole API, served at `/openapi.yaml`.
///
/// It lives in the binary (no resource bundle to lose when the binary moves). The tests hold it to
/// the router — every route documented, nothing documented that is not served — and schemathesis
/// (`scripts/fuzz`) checks every response against it.
public enum OpenAPIDocument {
    public static let yaml = #"""
openapi: 3.1.0
info:
  title: Agentic API
  version: '1'
  description: |
    The control plane and system of record for AI-agent platforms: agents, goals, plans and tasks,
    a lease-based work queue, an event log, and API keys. Every error is RFC 9457 problem+json.
servers:
  - url: http://127.0.0.1:8080
security:
  - apiKey: []
  - bearer: []
tags:
  - name: agents
  - name: goals
  - name: plans
  - name: tasks
  - name: work queue
  - name: events
  - name: keys
  - name: operations
paths:
  /api/v1/agents:
    post:
      operationId: createAgent
      summary: "Create a agent"
      tags: ["agents"]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AgentCreate'}
      responses:
        '201':
          description: OK
          headers:
            Location: {$ref: '#/components/headers/Location'}
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Agent'}
          links:
            GetAgent:
              operationId: getAgent
              parameters: {id: '$response.body#/agent_id'}
            UpdateAgent:
              operationId: updateAgent
              parameters: {id: '$response.body#/agent_id'}
            DeleteAgent:
              operationId: deleteAgent
              parameters: {id: '$response.body#/agent_id'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    get:
      operationId: listAgents
      summary: "List agents, newest first"
      tags: ["agents"]
      parameters:
        - $ref: '#/components/parameters/limit'
        - $ref: '#/components/parameters/cursor'
        - $ref: '#/components/parameters/agentStatus'
        - $ref: '#/components/parameters/agentType'
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/AgentPage'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/agents/{id}:
    parameters:
      - $ref: '#/components/parameters/id'
    get:
      operationId: getAgent
      summary: "Read a agent"
      tags: ["agents"]
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Agent'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    patch:
      operationId: updateAgent
      summary: "Change the named fields of a agent"
      tags: ["agents"]
      parameters:
        - $ref: '#/components/parameters/ifMatch'
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AgentPatch'}
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Agent'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '412': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    delete:
      operationId: deleteAgent
      summary: "Delete a agent"
      tags: ["agents"]
      parameters:
        - $ref: '#/components/parameters/ifMatch'
      responses:
        '204':
          description: Deleted
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '412': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/goals:
    post:
      operationId: createGoal
      summary: "Create a goal"
      tags: ["goals"]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/GoalCreate'}
      responses:
        '201':
          description: OK
          headers:
            Location: {$ref: '#/components/headers/Location'}
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Goal'}
          links:
            GetGoal:
              operationId: getGoal
              parameters: {id: '$response.body#/goal_id'}
            UpdateGoal:
              operationId: updateGoal
              parameters: {id: '$response.body#/goal_id'}
            DeleteGoal:
              operationId: deleteGoal
              parameters: {id: '$response.body#/goal_id'}
            CancelGoal:
              operationId: cancelGoal
              parameters: {id: '$response.body#/goal_id'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    get:
      operationId: listGoals
      summary: "List goals, newest first"
      tags: ["goals"]
      parameters:
        - $ref: '#/components/parameters/limit'
        - $ref: '#/components/parameters/cursor'
        - $ref: '#/components/parameters/goalStatus'
        - $ref: '#/components/parameters/agentID'
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/GoalPage'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/goals/{id}:
    parameters:
      - $ref: '#/components/parameters/id'
    get:
      operationId: getGoal
      summary: "Read a goal"
      tags: ["goals"]
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Goal'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    patch:
      operationId: updateGoal
      summary: "Change the named fields of a goal"
      tags: ["goals"]
      parameters:
        - $ref: '#/components/parameters/ifMatch'
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/GoalPatch'}
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Goal'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '412': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    delete:
      operationId: deleteGoal
      summary: "Delete a goal"
      tags: ["goals"]
      parameters:
        - $ref: '#/components/parameters/ifMatch'
      responses:
        '204':
          description: Deleted
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '412': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/goals/{id}/cancel:
    parameters:
      - $ref: '#/components/parameters/id'
    post:
      operationId: cancelGoal
      summary: "Cancel a goal and everything still open below it"
      tags: ["goals"]
      requestBody:
        required: false
        content:
          application/json:
            schema: {$ref: '#/components/schemas/CancelRequest'}
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Goal'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/plans:
    post:
      operationId: createPlan
      summary: "Create a plan"
      tags: ["plans"]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/PlanCreate'}
      responses:
        '201':
          description: OK
          headers:
            Location: {$ref: '#/components/headers/Location'}
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Plan'}
          links:
            GetPlan:
              operationId: getPlan
              parameters: {id: '$response.body#/plan_id'}
            UpdatePlan:
              operationId: updatePlan
              parameters: {id: '$response.body#/plan_id'}
            DeletePlan:
              operationId: deletePlan
              parameters: {id: '$response.body#/plan_id'}
            CancelPlan:
              operationId: cancelPlan
              parameters: {id: '$response.body#/plan_id'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    get:
      operationId: listPlans
      summary: "List plans, newest first"
      tags: ["plans"]
      parameters:
        - $ref: '#/components/parameters/limit'
        - $ref: '#/components/parameters/cursor'
        - $ref: '#/components/parameters/planStatus'
        - $ref: '#/components/parameters/agentID'
        - $ref: '#/components/parameters/goalID'
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PlanPage'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/plans/{id}:
    parameters:
      - $ref: '#/components/parameters/id'
    get:
      operationId: getPlan
      summary: "Read a plan"
      tags: ["plans"]
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Plan'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    patch:
      operationId: updatePlan
      summary: "Change the named fields of a plan"
      tags: ["plans"]
      parameters:
        - $ref: '#/components/parameters/ifMatch'
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/PlanPatch'}
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Plan'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '412': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    delete:
      operationId: deletePlan
      summary: "Delete a plan"
      tags: ["plans"]
      parameters:
        - $ref: '#/components/parameters/ifMatch'
      responses:
        '204':
          description: Deleted
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '412': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/plans/{id}/cancel:
    parameters:
      - $ref: '#/components/parameters/id'
    post:
      operationId: cancelPlan
      summary: "Cancel a plan and its open tasks"
      tags: ["plans"]
      requestBody:
        required: false
        content:
          application/json:
            schema: {$ref: '#/components/schemas/CancelRequest'}
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Plan'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/tasks/claim:
    post:
      operationId: claimTasks
      summary: "Claim ready tasks with a lease"
      tags: ["work queue"]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ClaimRequest'}
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TaskList'}
          links:
            HeartbeatTask:
              operationId: heartbeatTask
              parameters: {id: '$response.body#/data/0/task_id'}
            CompleteTask:
              operationId: completeTask
              parameters: {id: '$response.body#/data/0/task_id'}
            FailTask:
              operationId: failTask
              parameters: {id: '$response.body#/data/0/task_id'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/tasks:
    post:
      operationId: createTask
      summary: "Create a task"
      tags: ["tasks"]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/TaskCreate'}
      responses:
        '201':
          description: OK
          headers:
            Location: {$ref: '#/components/headers/Location'}
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Task'}
          links:
            GetTask:
              operationId: getTask
              parameters: {id: '$response.body#/task_id'}
            UpdateTask:
              operationId: updateTask
              parameters: {id: '$response.body#/task_id'}
            DeleteTask:
              operationId: deleteTask
              parameters: {id: '$response.body#/task_id'}
            HeartbeatTask:
              operationId: heartbeatTask
              parameters: {id: '$response.body#/task_id'}
            CompleteTask:
              operationId: completeTask
              parameters: {id: '$response.body#/task_id'}
            FailTask:
              operationId: failTask
              parameters: {id: '$response.body#/task_id'}
            CancelTask:
              operationId: cancelTask
              parameters: {id: '$response.body#/task_id'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    get:
      operationId: listTasks
      summary: "List tasks, newest first"
      tags: ["tasks"]
      parameters:
        - $ref: '#/components/parameters/limit'
        - $ref: '#/components/parameters/cursor'
        - $ref: '#/components/parameters/taskStatus'
        - $ref: '#/components/parameters/agentID'
        - $ref: '#/components/parameters/planID'
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TaskPage'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/tasks/{id}:
    parameters:
      - $ref: '#/components/parameters/id'
    get:
      operationId: getTask
      summary: "Read a task"
      tags: ["tasks"]
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Task'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    patch:
      operationId: updateTask
      summary: "Change the named fields of a task"
      tags: ["tasks"]
      parameters:
        - $ref: '#/components/parameters/ifMatch'
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/TaskPatch'}
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Task'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '412': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    delete:
      operationId: deleteTask
      summary: "Delete a task"
      tags: ["tasks"]
      parameters:
        - $ref: '#/components/parameters/ifMatch'
      responses:
        '204':
          description: Deleted
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '412': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/tasks/{id}/heartbeat:
    parameters:
      - $ref: '#/components/parameters/id'
    post:
      operationId: heartbeatTask
      summary: "Extend the caller's lease"
      tags: ["work queue"]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/HeartbeatRequest'}
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Task'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/tasks/{id}/complete:
    parameters:
      - $ref: '#/components/parameters/id'
    post:
      operationId: completeTask
      summary: "Complete the caller's task"
      tags: ["work queue"]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/CompleteRequest'}
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Task'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/tasks/{id}/fail:
    parameters:
      - $ref: '#/components/parameters/id'
    post:
      operationId: failTask
      summary: "Record a failed attempt"
      tags: ["work queue"]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/FailRequest'}
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Task'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/tasks/{id}/cancel:
    parameters:
      - $ref: '#/components/parameters/id'
    post:
      operationId: cancelTask
      summary: "Cancel a task (its dependents are skipped)"
      tags: ["work queue"]
      requestBody:
        required: false
        content:
          application/json:
            schema: {$ref: '#/components/schemas/CancelRequest'}
      responses:
        '200':
          description: OK
          headers:
            ETag: {$ref: '#/components/headers/ETag'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Task'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/events:
    get:
      operationId: listEvents
      summary: "Events after a position, oldest first; long-polls with wait"
      tags: ["events"]
      parameters:
        - $ref: '#/components/parameters/after'
        - $ref: '#/components/parameters/types'
        - $ref: '#/components/parameters/eventLimit'
        - $ref: '#/components/parameters/wait'
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/EventPage'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/events/stream:
    get:
      operationId: streamEvents
      summary: "Server-Sent Events from Last-Event-ID (or after); a comment line every 15 s"
      tags: [events]
      parameters:
        - $ref: '#/components/parameters/after'
        - $ref: '#/components/parameters/types'
        - $ref: '#/components/parameters/lastEventID'
      responses:
        '200':
          description: An endless text/event-stream; each event is `id`, `event` (its type) and `data` (the event as JSON)
          content:
            text/event-stream:
              schema:
                type: object
                description: One server-sent event (comment lines carry no event)
                properties:
                  id: {type: string, pattern: '^[0-9]+$'}
                  event: {type: string}
                  data: {type: string, contentMediaType: application/json, description: The event object, as in GET /events}
                  retry: {type: integer}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/keys:
    post:
      operationId: createKey
      summary: "Create an API key (admin); the key is shown only in this response"
      tags: ["keys"]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/KeyCreate'}
      responses:
        '201':
          description: OK
          headers:
            Location: {$ref: '#/components/headers/Location'}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/KeyCreated'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
    get:
      operationId: listKeys
      summary: "List keys without secrets (admin)"
      tags: ["keys"]
      parameters:
        - $ref: '#/components/parameters/tenant'
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/KeyList'}
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /api/v1/keys/{id}:
    parameters:
      - $ref: '#/components/parameters/id'
    delete:
      operationId: revokeKey
      summary: "Revoke a key (admin); it stops working at once"
      tags: ["keys"]
      responses:
        '204':
          description: Revoked
        '400': {$ref: '#/components/responses/Problem'}
        '401': {$ref: '#/components/responses/Problem'}
        '403': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '405': {$ref: '#/components/responses/Problem'}
        '429': {$ref: '#/components/responses/Problem'}
        '503': {$ref: '#/components/responses/Problem'}
  /health/live:
    get:
      operationId: live
      summary: "The process runs"
      tags: [operations]
      security: []
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Health'}
        '405': {$ref: '#/components/responses/Problem'}
  /health/ready:
    get:
      operationId: ready
      summary: "The database is reachable and its schema current (else 503)"
      tags: [operations]
      security: []
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Readiness'}
        '503':
          description: Not ready; says what is down
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Readiness'}
        '405': {$ref: '#/components/responses/Problem'}
  /health/startup:
    get:
      operationId: startup
      summary: "Start-up work has finished"
      tags: [operations]
      security: []
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Health'}
        '405': {$ref: '#/components/responses/Problem'}
  /metrics:
    get:
      operationId: metrics
      summary: Prometheus metrics (text exposition format)
      tags: [operations]
      security: []
      responses:
        '200':
          description: Metrics
          content:
            text/plain:
              schema: {type: string}
        '405': {$ref: '#/components/responses/Problem'}
  /openapi.yaml:
    get:
      operationId: openapi
      summary: This document
      tags: [operations]
      security: []
      responses:
        '200':
          description: The OpenAPI document
          content:
            application/yaml:
              schema: {type: string}
        '405': {$ref: '#/components/responses/Problem'}
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-API-Key}
    bearer: {type: http, scheme: bearer}
  headers:
    Location:
      description: Path of the created resource
      schema: {type: string}
    ETag:
      description: The resource version, quoted
      schema: {type: string, pattern: '^"[0-9]+"$'}
  parameters:
    id:
      name: id
      in: path
      required: true
      description: "The resource id (lowercase UUID)"
      schema: {type: string, format: uuid}
    limit:
      name: limit
      in: query
      description: "Page size"
      schema: {type: integer, minimum: 1, maximum: 200, default: 50}
    cursor:
      name: cursor
      in: query
      description: "`next_cursor` of the previous page"
      schema: {type: string, maxLength: 128}
    agentID:
      name: agent_id
      in: query
      description: "Only those of this agent"
      schema: {type: string, format: uuid}
    goalID:
      name: goal_id
      in: query
      description: "Only those of this goal"
      schema: {type: string, format: uuid}
    planID:
      name: plan_id
      in: query
      description: "Only those of this plan"
      schema: {type: string, format: uuid}
    agentType:
      name: agent_type
      in: query
      description: "Only agents of this type"
      schema: {$ref: '#/components/schemas/Identifier'}
    agentStatus:
      name: status
      in: query
      description: "Only agents in this status"
      schema: {$ref: '#/components/schemas/AgentStatus'}
    goalStatus:
      name: status
      in: query
      description: "Only goals in this status"
      schema: {$ref: '#/components/schemas/GoalStatus'}
    planStatus:
      name: status
      in: query
      description: "Only plans in this status"
      schema: {$ref: '#/components/schemas/PlanStatus'}
    taskStatus:
      name: status
      in: query
      description: "Only tasks in this status"
      schema: {$ref: '#/components/schemas/TaskStatus'}
    ifMatch:
      name: If-Match
      in: header
      description: "Only act when one of the listed strong entity tags equals the resource's ETag, or * (else 412); weak tags never match"
      schema: {type: string}
    after:
      name: after
      in: query
      description: "Events after this position (0 when absent)"
      schema: {type: integer, minimum: 0, format: int64}
    types:
      name: types
      in: query
      description: "Comma list of exact types or prefixes ending in `.`"
      schema: {type: string, pattern: '^[A-Za-z][A-Za-z0-9_.:-]*(,[A-Za-z][A-Za-z0-9_.:-]*)*$'}
    eventLimit:
      name: limit
      in: query
      description: "Most events to return"
      schema: {type: integer, minimum: 1, maximum: 1000, default: 100}
    wait:
      name: wait
      in: query
      description: "Seconds to hold the request while nothing is there yet"
      schema: {type: integer, minimum: 0, maximum: 30, default: 0}
    lastEventID:
      name: Last-Event-ID
      in: header
      description: "Resume after this event"
      schema: {type: string, pattern: '^[0-9]+$'}
    tenant:
      name: tenant
      in: query
      description: "(admins of the default tenant) another tenant's keys, or * for all"
      schema: {type: string}
  responses:
    Problem:
      description: RFC 9457 problem details
      content:
        application/problem+json:
          schema: {$ref: '#/components/schemas/Problem'}
  schemas:
    JSONObject:
      type: object
      description: Free-form JSON object (nests at most 16 deep; strings ≤ 64 KiB; ≤ 1,000 entries per array or object; ≤ 256 KiB serialised)
      maxProperties: 1000
      additionalProperties: true
    Identifier:
      type: string
      pattern: '^[A-Za-z][A-Za-z0-9_.:-]*$'
      maxLength: 100
    Name:
      type: string
      minLength: 1
      maxLength: 200
    Text:
      type: string
      maxLength: 10000
    DID:
      type: string
      maxLength: 255
      pattern: '^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$'
    AgentStatus:
      type: string
      enum: [created, active, idle, busy, suspended, terminated, error]
    GoalStatus:
      type: string
      enum: [pending, active, completed, failed, cancelled]
    PlanStatus:
      type: string
      enum: [draft, active, completed, failed, cancelled]
    TaskStatus:
      type: string
      enum: [pending, running, completed, failed, blocked, skipped, cancelled]
    Priority:
      type: integer
      minimum: 0
      maximum: 10
    Agent:
      type: object
      required: [agent_id, did, name, agent_type, status, configuration, metadata, resource_limits, version, created_at, updated_at]
      properties:
        agent_id: {type: string, format: uuid}
        did: {$ref: '#/components/schemas/DID'}
        name: {$ref: '#/components/schemas/Name'}
        agent_type: {$ref: '#/components/schemas/Identifier'}
        status: {$ref: '#/components/schemas/AgentStatus'}
        configuration: {$ref: '#/components/schemas/JSONObject'}
        metadata: {$ref: '#/components/schemas/JSONObject'}
        resource_limits: {$ref: '#/components/schemas/JSONObject'}
        version: {type: integer, minimum: 1, format: int64}
        created_at: {type: string, format: date-time}
        updated_at: {type: string, format: date-time}
      additionalProperties: false
    AgentCreate:
      type: object
      required: [name]
      properties:
        agent_id: {type: string, format: uuid}
        did: {$ref: '#/components/schemas/DID'}
        name: {$ref: '#/components/schemas/Name'}
        agent_type: {$ref: '#/components/schemas/Identifier'}
        status: {$ref: '#/components/schemas/AgentStatus'}
        configuration: {$ref: '#/components/schemas/JSONObject'}
        metadata: {$ref: '#/components/schemas/JSONObject'}
        resource_limits: {$ref: '#/components/schemas/JSONObject'}
      additionalProperties: false
    AgentPatch:
      type: object
      minProperties: 1
      properties:
        did: {$ref: '#/components/schemas/DID'}
        name: {$ref: '#/components/schemas/Name'}
        agent_type: {$ref: '#/components/schemas/Identifier'}
        status: {$ref: '#/components/schemas/AgentStatus'}
        configuration: {$ref: '#/components/schemas/JSONObject'}
        metadata: {$ref: '#/components/schemas/JSONObject'}
        resource_limits: {$ref: '#/components/schemas/JSONObject'}
      additionalProperties: false
    GoalConstraints:
      type: object
      required: [max_token_budget, max_execution_time_sec, max_parallelism, deadline, require_approval, allowed_agent_types, forbidden_tools, cost_limit_usd]
      properties:
        max_token_budget: {type: [integer, 'null'], minimum: 0}
        max_execution_time_sec: {type: [integer, 'null'], minimum: 1, maximum: 31536000}
        max_parallelism: {type: integer, minimum: 1, maximum: 10000}
        deadline: {type: [string, 'null'], format: date-time}
        require_approval: {type: boolean}
        allowed_agent_types: {type: array, maxItems: 100, items: {$ref: '#/components/schemas/Identifier'}}
        forbidden_tools: {type: array, maxItems: 100, items: {type: string, minLength: 1, maxLength: 100}}
        cost_limit_usd: {type: [number, 'null'], minimum: 0, maximum: 1000000000000}
      additionalProperties: false
    GoalConstraintsInput:
      type: object
      properties:
        max_token_budget: {type: [integer, 'null'], minimum: 0}
        max_execution_time_sec: {type: [integer, 'null'], minimum: 1, maximum: 31536000}
        max_parallelism: {type: integer, minimum: 1, maximum: 10000}
        deadline: {type: [string, 'null'], format: date-time}
        require_approval: {type: boolean}
        allowed_agent_types: {type: [array, 'null'], maxItems: 100, items: {$ref: '#/components/schemas/Identifier'}}
        forbidden_tools: {type: [array, 'null'], maxItems: 100, items: {type: string, minLength: 1, maxLength: 100}}
        cost_limit_usd: {type: [number, 'null'], minimum: 0, maximum: 1000000000000}
      additionalProperties: false
    Goal:
      type: object
      required: [goal_id, agent_id, agent_did, goal_text, goal_type, status, priority, constraints, success_criteria, parent_goal_id, metadata, completed_at, version, created_at, updated_at]
      properties:
        goal_id: {type: string, format: uuid}
        agent_id: {type: [string, 'null'], format: uuid}
        agent_did: {oneOf: [{$ref: '#/components/schemas/DID'}, {type: 'null'}]}
        goal_text: {type: string, minLength: 1, maxLength: 10000}
        goal_type: {$ref: '#/components/schemas/Identifier'}
        status: {$ref: '#/components/schemas/GoalStatus'}
        priority: {$ref: '#/components/schemas/Priority'}
        constraints: {$ref: '#/components/schemas/GoalConstraints'}
        success_criteria: {type: array, maxItems: 100, items: {type: string, minLength: 1, maxLength: 1000}}
        parent_goal_id: {type: [string, 'null'], format: uuid}
        metadata: {$ref: '#/components/schemas/JSONObject'}
        completed_at: {type: [string, 'null'], format: date-time}
        version: {type: integer, minimum: 1, format: int64}
        created_at: {type: string, format: date-time}
        updated_at: {type: string, format: date-time}
      additionalProperties: false
    GoalCreate:
      type: object
      description: Needs goal_text (or its alias description), not both
      oneOf: [{required: [goal_text]}, {required: [description]}]
      properties:
        goal_id: {type: string, format: uuid}
        agent_id: {type: [string, 'null'], format: uuid}
        agent_did: {oneOf: [{$ref: '#/components/schemas/DID'}, {type: 'null'}]}
        goal_text: {type: string, minLength: 1, maxLength: 10000}
        goal_type: {$ref: '#/components/schemas/Identifier'}
        priority: {$ref: '#/components/schemas/Priority'}
        success_criteria: {type: array, maxItems: 100, items: {type: string, minLength: 1, maxLength: 1000}}
        parent_goal_id: {type: [string, 'null'], format: uuid}
        metadata: {$ref: '#/components/schemas/JSONObject'}
        constraints: {$ref: '#/components/schemas/GoalConstraintsInput'}
        status: {type: string, enum: [pending, active]}
        description: {type: string, minLength: 1, maxLength: 10000, description: 'Alias of goal_text (give one of them)'}
      additionalProperties: false
    GoalPatch:
      type: object
      minProperties: 1
      not: {required: [goal_text, description]}
      properties:
        agent_id: {type: [string, 'null'], format: uuid}
        agent_did: {oneOf: [{$ref: '#/components/schemas/DID'}, {type: 'null'}]}
        goal_text: {type: string, minLength: 1, maxLength: 10000}
        goal_type: {$ref: '#/components/schemas/Identifier'}
        priority: {$ref: '#/components/schemas/Priority'}
        success_criteria: {type: array, maxItems: 100, items: {type: string, minLength: 1, maxLength: 1000}}
        parent_goal_id: {type: [string, 'null'], format: uuid}
        metadata: {$ref: '#/components/schemas/JSONObject'}
        constraints: {$ref: '#/components/schemas/GoalConstraintsInput'}
        description: {type: string, minLength: 1, maxLength: 10000, description: 'Alias of goal_text (give one of them)'}
        status: {$ref: '#/components/schemas/GoalStatus'}
      additionalProperties: false
    TaskCounts:
      type: object
      required: [pending, running, completed, failed, blocked, skipped, cancelled]
      properties:
        pending: {type: integer, minimum: 0}
        running: {type: integer, minimum: 0}
        completed: {type: integer, minimum: 0}
        failed: {type: integer, minimum: 0}
        blocked: {type: integer, minimum: 0}
        skipped: {type: integer, minimum: 0}
        cancelled: {type: integer, minimum: 0}
      additionalProperties: false
    Plan:
      type: object
      required: [plan_id, goal_id, agent_id, name, status, resource_budget, metadata, task_counts, started_at, completed_at, version, created_at, updated_at]
      properties:
        plan_id: {type: string, format: uuid}
        goal_id: {type: string, format: uuid}
        agent_id: {type: [string, 'null'], format: uuid}
        name: {$ref: '#/components/schemas/Name'}
        status: {$ref: '#/components/schemas/PlanStatus'}
        resource_budget: {$ref: '#/components/schemas/JSONObject'}
        metadata: {$ref: '#/components/schemas/JSONObject'}
        task_counts: {$ref: '#/components/schemas/TaskCounts'}
        started_at: {type: [string, 'null'], format: date-time}
        completed_at: {type: [string, 'null'], format: date-time}
        version: {type: integer, minimum: 1, format: int64}
        created_at: {type: string, format: date-time}
        updated_at: {type: string, format: date-time}
      additionalProperties: false
    PlanCreate:
      type: object
      required: [goal_id]
      properties:
        plan_id: {type: string, format: uuid}
        goal_id: {type: string, format: uuid}
        agent_id: {type: [string, 'null'], format: uuid}
        name: {$ref: '#/components/schemas/Name'}
        resource_budget: {$ref: '#/components/schemas/JSONObject'}
        metadata: {$ref: '#/components/schemas/JSONObject'}
        status: {type: string, enum: [draft, active]}
      additionalProperties: false
    PlanPatch:
      type: object
      minProperties: 1
      properties:
        agent_id: {type: [string, 'null'], format: uuid}
        name: {$ref: '#/components/schemas/Name'}
        resource_budget: {$ref: '#/components/schemas/JSONObject'}
        metadata: {$ref: '#/components/schemas/JSONObject'}
        status: {$ref: '#/components/schemas/PlanStatus'}
      additionalProperties: false
    Task:
      type: object
      required: [task_id, plan_id, agent_id, name, description, task_type, status, inputs, outputs, depends_on, priority, timeout_seconds, max_attempts, attempts, lease_expires_at, error, tool_name, started_at, completed_at, version, created_at, updated_at]
      properties:
        task_id: {type: string, format: uuid}
        plan_id: {type: string, format: uuid}
        agent_id: {type: [string, 'null'], format: uuid}
        name: {$ref: '#/components/schemas/Name'}
        description: {$ref: '#/components/schemas/Text'}
        task_type: {$ref: '#/components/schemas/Identifier'}
        status: {$ref: '#/components/schemas/TaskStatus'}
        inputs: {$ref: '#/components/schemas/JSONObject'}
        outputs: {$ref: '#/components/schemas/JSONObject'}
        depends_on: {type: array, maxItems: 100, uniqueItems: true, items: {type: string, format: uuid}}
        priority: {$ref: '#/components/schemas/Priority'}
        timeout_seconds: {type: integer, minimum: 1, maximum: 86400}
        max_attempts: {type: integer, minimum: 1, maximum: 100}
        attempts: {type: integer, minimum: 0}
        lease_expires_at: {type: [string, 'null'], format: date-time}
        error: {oneOf: [{$ref: '#/components/schemas/JSONObject'}, {type: 'null'}]}
        tool_name: {oneOf: [{$ref: '#/components/schemas/Identifier'}, {type: 'null'}]}
        started_at: {type: [string, 'null'], format: date-time}
        completed_at: {type: [string, 'null'], format: date-time}
        version: {type: integer, minimum: 1, format: int64}
        created_at: {type: string, format: date-time}
        updated_at: {type: string, format: date-time}
      additionalProperties: false
    TaskCreate:
      type: object
      required: [plan_id]
      description: inputs/input_data and outputs/output_data are aliases (give one of each pair)
      not: {anyOf: [{required: [inputs, input_data]}, {required: [outputs, output_data]}]}
      properties:
        task_id: {type: string, format: uuid}
        plan_id: {type: string, format: uuid}
        agent_id: {type: [string, 'null'], format: uuid}
        name: {$ref: '#/components/schemas/Name'}
        description: {$ref: '#/components/schemas/Text'}
        task_type: {$ref: '#/components/schemas/Identifier'}
        inputs: {$ref: '#/components/schemas/JSONObject'}
        outputs: {$ref: '#/components/schemas/JSONObject'}
        depends_on: {type: array, maxItems: 100, uniqueItems: true, items: {type: string, format: uuid}}
        priority: {$ref: '#/components/schemas/Priority'}
        timeout_seconds: {type: integer, minimum: 1, maximum: 86400}
        max_attempts: {type: integer, minimum: 1, maximum: 100}
        error: {oneOf: [{$ref: '#/components/schemas/JSONObject'}, {type: 'null'}]}
        tool_name: {oneOf: [{$ref: '#/components/schemas/Identifier'}, {type: 'null'}]}
        status: {type: string, enum: [pending, blocked]}
        input_data: {$ref: '#/components/schemas/JSONObject'}
        output_data: {$ref: '#/components/schemas/JSONObject'}
      additionalProperties: false
    TaskPatch:
      type: object
      minProperties: 1
      not: {anyOf: [{required: [inputs, input_data]}, {required: [outputs, output_data]}]}
      properties:
        agent_id: {type: [string, 'null'], format: uuid}
        name: {$ref: '#/components/schemas/Name'}
        description: {$ref: '#/components/schemas/Text'}
        task_type: {$ref: '#/components/schemas/Identifier'}
        inputs: {$ref: '#/components/schemas/JSONObject'}
        outputs: {$ref: '#/components/schemas/JSONObject'}
        depends_on: {type: array, maxItems: 100, uniqueItems: true, items: {type: string, format: uuid}}
        priority: {$ref: '#/components/schemas/Priority'}
        timeout_seconds: {type: integer, minimum: 1, maximum: 86400}
        max_attempts: {type: integer, minimum: 1, maximum: 100}
        error: {oneOf: [{$ref: '#/components/schemas/JSONObject'}, {type: 'null'}]}
        tool_name: {oneOf: [{$ref: '#/components/schemas/Identifier'}, {type: 'null'}]}
        input_data: {$ref: '#/components/schemas/JSONObject'}
        output_data: {$ref: '#/components/schemas/JSONObject'}
        status: {$ref: '#/components/schemas/TaskStatus'}
      additionalProperties: false
    AgentPage:
      type: object
      required: [data, next_cursor]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Agent'}}
        next_cursor: {type: [string, 'null']}
      additionalProperties: false
    GoalPage:
      type: object
      required: [data, next_cursor]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Goal'}}
        next_cursor: {type: [string, 'null']}
      additionalProperties: false
    PlanPage:
      type: object
      required: [data, next_cursor]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Plan'}}
        next_cursor: {type: [string, 'null']}
      additionalProperties: false
    TaskPage:
      type: object
      required: [data, next_cursor]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Task'}}
        next_cursor: {type: [string, 'null']}
      additionalProperties: false
    TaskList:
      type: object
      required: [data]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Task'}}
      additionalProperties: false
    ClaimRequest:
      type: object
      required: [agent_id]
      properties:
        agent_id: {type: string, format: uuid}
        task_types: {type: [array, 'null'], maxItems: 100, items: {$ref: '#/components/schemas/Identifier'}}
        plan_id: {type: [string, 'null'], format: uuid}
        lease_seconds: {type: integer, minimum: 1, maximum: 3600, default: 60}
        limit: {type: integer, minimum: 1, maximum: 100, default: 1}
      additionalProperties: false
    HeartbeatRequest:
      type: object
      required: [agent_id]
      properties:
        agent_id: {type: string, format: uuid}
        lease_seconds: {type: integer, minimum: 1, maximum: 3600}
      additionalProperties: false
    CompleteRequest:
      type: object
      required: [agent_id]
      not: {required: [outputs, output_data]}
      properties:
        agent_id: {type: string, format: uuid}
        outputs: {$ref: '#/components/schemas/JSONObject'}
        output_data: {$ref: '#/components/schemas/JSONObject'}
      additionalProperties: false
    FailRequest:
      type: object
      required: [agent_id]
      properties:
        agent_id: {type: string, format: uuid}
        error: {oneOf: [{$ref: '#/components/schemas/JSONObject'}, {type: string, maxLength: 10000}, {type: 'null'}]}
        retryable: {type: boolean, default: true}
      additionalProperties: false
    CancelRequest:
      type: object
      properties:
        reason: {type: [string, 'null'], maxLength: 10000}
      additionalProperties: false
    Event:
      type: object
      required: [event_id, type, resource_id, data, actor, created_at]
      properties:
        event_id: {type: integer, minimum: 1, format: int64}
        type: {type: string}
        resource_id: {type: [string, 'null'], format: uuid}
        data: {type: object, description: The resource after the change}
        actor: {type: string, description: Key id that made the change, or system}
        created_at: {type: string, format: date-time}
      additionalProperties: false
    EventPage:
      type: object
      required: [data, next_after]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Event'}}
        next_after: {type: integer, minimum: 0, format: int64, description: Pass as after to continue}
      additionalProperties: false
    RateLimit:
      type: object
      required: [requests_per_second, burst]
      properties:
        requests_per_second: {type: number, minimum: 0.001, maximum: 1000000}
        burst: {type: integer, minimum: 1, maximum: 10000000}
      additionalProperties: false
    KeyCreate:
      type: object
      required: [name, scope]
      properties:
        name: {$ref: '#/components/schemas/Name'}
        scope: {type: string, enum: [admin, write, read]}
        tenant: {type: [string, 'null'], pattern: '^[a-z][a-z0-9-]{0,62}$'}
        expires_at: {type: [string, 'null'], format: date-time}
        rate_limit: {oneOf: [{$ref: '#/components/schemas/RateLimit'}, {type: 'null'}]}
      additionalProperties: false
    KeyCreated:
      type: object
      required: [key_id, name, scope, tenant, prefix, expires_at, rate_limit, created_at, key]
      properties:
        key_id: {type: string, format: uuid}
        name: {type: string}
        scope: {type: string, enum: [admin, write, read]}
        tenant: {type: string}
        prefix: {type: string}
        expires_at: {type: [string, 'null'], format: date-time}
        rate_limit: {oneOf: [{$ref: '#/components/schemas/RateLimit'}, {type: 'null'}]}
        created_at: {type: string, format: date-time}
        key: {type: string, pattern: '^agk_[A-Za-z0-9]{43}$', description: The secret; shown only here}
      additionalProperties: false
    Key:
      type: object
      required: [key_id, name, scope, tenant, prefix, expires_at, rate_limit, created_at, revoked_at]
      properties:
        key_id: {type: string, format: uuid}
        name: {type: string}
        scope: {type: string, enum: [admin, write, read]}
        tenant: {type: string}
        prefix: {type: string}
        expires_at: {type: [string, 'null'], format: date-time}
        rate_limit: {oneOf: [{$ref: '#/components/schemas/RateLimit'}, {type: 'null'}]}
        created_at: {type: string, format: date-time}
        revoked_at: {type: [string, 'null'], format: date-time}
      additionalProperties: false
    KeyList:
      type: object
      required: [data]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Key'}}
      additionalProperties: false
    Problem:
      type: object
      required: [type, title, status, detail, code, request_id]
      properties:
        type: {type: string}
        title: {type: string}
        status: {type: integer}
        detail: {type: string}
        code: {type: string, description: Stable machine-readable code}
        request_id: {type: string}
        errors: {type: array, items: {type: object, required: [field, message], properties: {field: {type: string}, message: {type: string}}}}
      additionalProperties: false
    Health:
      type: object
      required: [status]
      properties:
        status: {type: string, enum: [ok]}
      additionalProperties: false
    Readiness:
      type: object
      required: [status, checks]
      properties:
        status: {type: string, enum: [ok, unavailable]}
        checks: {type: object, required: [database], properties: {database: {type: object, required: [status], properties: {status: {type: string, enum: [up, down]}, schema_version: {type: integer}, expected_schema_version: {type: integer}, detail: {type: string}}}}}
      additionalProperties: false
"""#
}
