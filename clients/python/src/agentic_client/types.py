"""The resources of the Agentic HTTP API, as the server sends them.

Each is a ``TypedDict``: at run time a plain ``dict`` decoded from the JSON answer, with the contract's
exact ``snake_case`` field names (``agent["agent_id"]``, ``task["depends_on"]``), so code written
against raw JSON keeps working.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict

JSONObject = Dict[str, Any]
"""A free-form JSON object (``metadata``, ``inputs``, ``configuration``, …)."""

AGENT_STATUSES = ("created", "active", "idle", "busy", "suspended", "terminated", "error")
GOAL_STATUSES = ("pending", "active", "completed", "failed", "cancelled")
PLAN_STATUSES = ("draft", "active", "completed", "failed", "cancelled")
TASK_STATUSES = ("pending", "running", "completed", "failed", "blocked", "skipped", "cancelled", "awaiting_approval")
"""``awaiting_approval``: waiting for a person to approve or reject it (not claimable, not final)."""

FINAL_GOAL_STATUSES = frozenset({"completed", "failed", "cancelled"})
FINAL_PLAN_STATUSES = frozenset({"completed", "failed", "cancelled"})
FINAL_TASK_STATUSES = frozenset({"completed", "failed", "skipped", "cancelled"})

KEY_SCOPES = ("read", "write", "approve", "admin")
"""An API key's scopes, each allowing what the ones before it allow: ``approve`` adds approving and
rejecting tasks (``tasks.approve_task`` / ``reject_task``) to ``write``; ``admin`` allows everything."""


class Usage(TypedDict):
    """What work cost: summed on a task over its attempts, and per plan, goal and agent over their
    tasks (the ``usage`` of each). Workers report it on ``complete`` and ``fail``; tokens are input
    and output, ``cost_usd`` in dollars."""

    input_tokens: int
    output_tokens: int
    cost_usd: float


class Agent(TypedDict):
    agent_id: str
    did: str
    name: str
    agent_type: str
    status: str
    configuration: JSONObject
    metadata: JSONObject
    resource_limits: JSONObject
    """Free-form, but the server enforces ``max_tokens`` and ``max_cost_usd`` (a budget of the agent's
    own usage) and ``max_concurrent_tasks`` (the most tasks it holds at once)."""
    usage: Usage
    budget_exhausted: bool
    """Its usage reached ``resource_limits``' budget: its claims get nothing until an admin raises it."""
    version: int
    created_at: str
    updated_at: str


class GoalConstraints(TypedDict):
    max_token_budget: Optional[int]
    max_execution_time_sec: Optional[int]
    max_parallelism: Optional[int]
    deadline: Optional[str]
    require_approval: bool
    allowed_agent_types: List[str]
    forbidden_tools: List[str]
    cost_limit_usd: Optional[float]


class Goal(TypedDict):
    goal_id: str
    agent_id: Optional[str]
    agent_did: Optional[str]
    goal_text: str
    goal_type: str
    status: str
    priority: int
    constraints: GoalConstraints
    success_criteria: List[Any]
    parent_goal_id: Optional[str]
    metadata: JSONObject
    completed_at: Optional[str]
    expires_at: Optional[str]
    usage: Usage
    budget_exhausted: bool
    """Its usage reached ``constraints.max_token_budget`` or ``cost_limit_usd``: claims pass its tasks
    over until an admin raises the budget."""
    version: int
    created_at: str
    updated_at: str


class TaskCounts(TypedDict):
    pending: int
    running: int
    completed: int
    failed: int
    blocked: int
    skipped: int
    cancelled: int
    awaiting_approval: int


class Plan(TypedDict):
    plan_id: str
    goal_id: str
    agent_id: Optional[str]
    name: str
    status: str
    plan_type: Optional[str]
    resource_budget: JSONObject
    """Free-form, but the server enforces ``max_tokens`` (input and output together) and ``max_cost_usd``."""
    usage: Usage
    budget_exhausted: bool
    """Its usage reached ``resource_budget``: claims pass its tasks over until an admin raises it."""
    metadata: JSONObject
    task_counts: TaskCounts
    started_at: Optional[str]
    completed_at: Optional[str]
    version: int
    created_at: str
    updated_at: str


class Task(TypedDict):
    task_id: str
    plan_id: str
    agent_id: Optional[str]
    name: str
    description: str
    task_type: str
    status: str
    inputs: JSONObject
    outputs: JSONObject
    depends_on: List[str]
    priority: int
    timeout_seconds: int
    max_attempts: int
    attempts: int
    lease_expires_at: Optional[str]
    error: Optional[JSONObject]
    tool_name: Optional[str]
    concurrency_key: Optional[str]
    not_before: Optional[str]
    retry_policy: Optional[TaskRetryPolicy]
    schedule_to_start_seconds: Optional[int]
    """Unclaimed this long after it became due (``ready_at``, or ``not_before`` when later), the task
    fails with ``task.expired``; None waits for ever."""
    ready_at: Optional[str]
    """When it last entered the queue: created, back to pending, or its last dependency completed."""
    usage: Usage
    requires_approval: bool
    """It waits in ``awaiting_approval`` for a person's decision before it may be claimed (set on
    create, or by its goal's ``constraints.require_approval``)."""
    approval: Optional[JSONObject]
    """The question (``question``, ``data``, ``requested_by``, ``requested_at``: see
    ``tasks.request_approval``) and the decision once made (``decision``: ``"approved"`` or
    ``"rejected"``, ``decided_by``, ``decided_at``, ``comment`` or ``reason``); None before either."""
    created_by: Optional[str]
    """The id of the key that created it: that key may not approve or reject it."""
    started_at: Optional[str]
    completed_at: Optional[str]
    version: int
    created_at: str
    updated_at: str


class Event(TypedDict):
    event_id: int
    type: str
    resource_id: Optional[str]
    data: JSONObject
    actor: str
    created_at: str


class EventPage(TypedDict):
    data: List[Event]
    next_after: int


class RateLimit(TypedDict):
    requests_per_second: float
    burst: int


class ApiKey(TypedDict):
    key_id: str
    name: str
    scope: str
    """One of :data:`KEY_SCOPES`."""
    tenant: str
    prefix: str
    expires_at: Optional[str]
    rate_limit: Optional[RateLimit]
    created_at: str
    revoked_at: Optional[str]


class WhoAmI(TypedDict):
    key_id: str
    tenant: str
    scope: str
    """One of :data:`KEY_SCOPES`."""
    rate_limit: Optional[RateLimit]


class ApiKeyCreated(TypedDict):
    """The answer to ``POST /api/v1/keys``: the only time the secret ``key`` is shown."""

    key_id: str
    key: str
    name: str
    scope: str
    """One of :data:`KEY_SCOPES`."""
    tenant: str
    prefix: str
    expires_at: Optional[str]
    rate_limit: Optional[RateLimit]
    created_at: str


class CompleteResult(TypedDict):
    """``complete(..., claim_next=...)``: the completed task and the tasks claimed in its place."""

    task: Task
    next: List[Task]


class BulkProblem(TypedDict):
    """A task ``tasks.bulk`` left as it was, and why (the problem's ``code`` and ``detail``)."""

    task_id: str
    code: str
    detail: str


class BulkOutcome(TypedDict):
    """The answer to ``POST /api/v1/tasks/bulk``: how many tasks the filter ``matched``, how many were
    ``changed`` and ``unchanged`` (already so, or refused: the first 20 refusals are in ``problems``);
    ``truncated`` when more than 10,000 matched (send it again for the rest)."""

    action: str
    matched: int
    changed: int
    unchanged: int
    truncated: bool
    problems: List[BulkProblem]


class TaskRetryPolicy(TypedDict):
    """How long a task waits before its next attempt after a retryable failure or an expired lease
    (a task's ``retry_policy``, a tenant's ``default_retry_policy``): ``initial_seconds`` after the
    first attempt, times ``multiplier`` after each further one, never more than ``max_seconds``; with
    ``jitter`` the wait is drawn between half of that and all of it. A policy sent may leave members
    out: they take their defaults (1.0, 2.0, 300.0, True).

    Not to be confused with :class:`agentic_client.RetryPolicy`, how the *client* retries its calls."""

    initial_seconds: float
    multiplier: float
    max_seconds: float
    jitter: bool


class TenantSettings(TypedDict):
    """The tenant's own defaults (``GET|PATCH /api/v1/settings``): the retry policy a task without one
    of its own follows (None: retry at once), and when an admin last changed them (None: never)."""

    default_retry_policy: Optional[TaskRetryPolicy]
    updated_at: Optional[str]


class ConcurrencyLimit(TypedDict):
    """At most ``max_running`` tasks whose ``concurrency_key`` is ``key`` run at once in the tenant;
    ``running`` is how many do now (``/api/v1/limits/concurrency/{key}``)."""

    key: str
    max_running: int
    running: int
    created_at: str
    updated_at: str


WEBHOOK_DELIVERY_STATES = ("pending", "delivered", "failed")
"""A delivery's ``state``: ``pending`` until an attempt gets a ``2xx`` (``delivered``) or 24 hours pass
(``failed``); a redelivery makes it ``pending`` again."""


class Webhook(TypedDict):
    """A webhook (``GET /api/v1/webhooks[/{id}]``, admin): the tenant's events of ``types`` (exact types
    and prefixes ending in ``.``) are POSTed to ``url``, signed. Its secret is never shown after the
    create answer (:class:`WebhookCreated`)."""

    webhook_id: str
    url: str
    types: List[str]
    created_at: str


class WebhookCreated(TypedDict):
    """The answer to ``POST /api/v1/webhooks``: the only time the ``secret`` that signs every delivery
    is shown (the one given, or a generated ``whsec_`` and 64 hex digits)."""

    webhook_id: str
    url: str
    types: List[str]
    secret: str
    created_at: str


class WebhookDelivery(TypedDict):
    """One event on its way to one webhook, over all its attempts (``GET /api/v1/webhooks/{id}/deliveries``).

    ``state`` is one of :data:`WEBHOOK_DELIVERY_STATES`; ``last_status`` is the HTTP status of the last
    attempt (None when it got no answer: refused, timed out, host off the allow-list — then
    ``last_error`` says why); ``next_attempt_at`` is None once it is ``delivered`` or ``failed``."""

    delivery_id: str
    webhook_id: str
    event_id: int
    event_type: str
    resource_id: Optional[str]
    state: str
    attempts: int
    next_attempt_at: Optional[str]
    last_attempt_at: Optional[str]
    last_status: Optional[int]
    last_error: Optional[str]
    delivered_at: Optional[str]
    expires_at: str
    created_at: str


class WebhookAllowedHosts(TypedDict):
    """The hosts the tenant's webhooks may target (``GET|PUT /api/v1/webhooks/allowed-hosts``): exact
    host names or IP addresses, any port; ``updated_at`` is None until an admin first sets them."""

    hosts: List[str]
    updated_at: Optional[str]


class FieldError(TypedDict):
    field: str
    message: str


__all__ = [
    "AGENT_STATUSES",
    "Agent",
    "ApiKey",
    "ApiKeyCreated",
    "BulkOutcome",
    "BulkProblem",
    "CompleteResult",
    "ConcurrencyLimit",
    "Event",
    "EventPage",
    "FINAL_GOAL_STATUSES",
    "FINAL_PLAN_STATUSES",
    "FINAL_TASK_STATUSES",
    "FieldError",
    "GOAL_STATUSES",
    "Goal",
    "GoalConstraints",
    "JSONObject",
    "KEY_SCOPES",
    "PLAN_STATUSES",
    "Plan",
    "RateLimit",
    "TASK_STATUSES",
    "Task",
    "TaskCounts",
    "TaskRetryPolicy",
    "TenantSettings",
    "Usage",
    "WEBHOOK_DELIVERY_STATES",
    "Webhook",
    "WebhookAllowedHosts",
    "WebhookCreated",
    "WebhookDelivery",
    "WhoAmI",
]
