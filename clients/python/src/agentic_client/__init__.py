"""Python client and worker for Agentic, the control plane for AI-agent platforms.

- :class:`Client` / :class:`AsyncClient`: every call of the HTTP API (``client.agents``, ``goals``,
  ``plans``, ``tasks``, ``events``, ``keys``, ``limits``, ``settings``, ``webhooks``), with safe
  retries and typed errors.
- :func:`verify_webhook`: checks a webhook delivery's signature, in the receiver.
- :class:`Worker`: runs your handlers for tasks it claims from the work queue.
"""

from ._core import ClientConfig, RetryPolicy
from .async_client import AsyncClient, AsyncEventStream, AsyncPageIterator
from .client import Client, EventStream, PageIterator
from .errors import (
    AgenticError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    LeaseLost,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    ValidationError,
    VersionMismatch,
)
from .signing import sign_webhook, verify_webhook
from .types import (
    Agent,
    ApiKey,
    ApiKeyCreated,
    BulkOutcome,
    BulkProblem,
    CompleteResult,
    ConcurrencyLimit,
    Event,
    EventPage,
    FieldError,
    Goal,
    GoalConstraints,
    JSONObject,
    Plan,
    RateLimit,
    Task,
    TaskCounts,
    TaskRetryPolicy,
    TenantSettings,
    Usage,
    Webhook,
    WebhookAllowedHosts,
    WebhookCreated,
    WebhookDelivery,
    WhoAmI,
)
from .worker import ApprovalRequested, NonRetryable, TaskCancelled, Worker, WorkerStats, WorkerTask

__version__ = "0.1.0"

__all__ = [
    "Agent",
    "AgenticError",
    "ApiKey",
    "ApiKeyCreated",
    "ApprovalRequested",
    "AsyncClient",
    "AsyncEventStream",
    "AsyncPageIterator",
    "BulkOutcome",
    "BulkProblem",
    "Client",
    "ClientConfig",
    "CompleteResult",
    "ConcurrencyLimit",
    "Conflict",
    "ConnectionFailed",
    "Event",
    "EventPage",
    "EventStream",
    "FieldError",
    "Forbidden",
    "Goal",
    "GoalConstraints",
    "JSONObject",
    "LeaseLost",
    "NonRetryable",
    "NotFound",
    "PageIterator",
    "Plan",
    "RateLimit",
    "RateLimited",
    "RetryPolicy",
    "ServiceUnavailable",
    "Task",
    "TaskCancelled",
    "TaskCounts",
    "TaskRetryPolicy",
    "TenantSettings",
    "Unauthorized",
    "Usage",
    "ValidationError",
    "VersionMismatch",
    "Webhook",
    "WebhookAllowedHosts",
    "WebhookCreated",
    "WebhookDelivery",
    "WhoAmI",
    "Worker",
    "WorkerStats",
    "WorkerTask",
    "__version__",
    "sign_webhook",
    "verify_webhook",
]
