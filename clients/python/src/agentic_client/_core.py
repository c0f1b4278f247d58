"""What the sync and async clients share: configuration, the retry policy, request building, the
body builders of every call, and the Server-Sent Events decoder. No I/O happens here."""

from __future__ import annotations

import json
import os
import random
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple, Union

import httpx

from .errors import AgenticError

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
API_PREFIX = "/api/v1"
USER_AGENT = "agentic-client-python/0.1.0"

KINDS: Dict[str, str] = {"agents": "agent_id", "goals": "goal_id", "plans": "plan_id", "tasks": "task_id"}
"""Each resource collection and the name of its identity field."""


class _NoBody:
    """Marks a call without a request body (``None`` would be the JSON ``null``)."""

    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY: Any = _NoBody()


class _NotGiven:
    """Marks an argument left out, where ``None`` means something (the JSON ``null``: clear it)."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long the client retries a call.

    - Connection errors (refused, reset, timed out, a response cut short) and the statuses in
      ``retry_statuses`` (429, 502, 503, 504) are retried up to ``max_attempts`` attempts in all, with
      exponential backoff from ``backoff_initial`` to ``backoff_max`` seconds (jittered), or after the
      server's ``Retry-After`` when it sends one (unless it exceeds ``max_retry_after``).
    - Every POST carries an ``Idempotency-Key`` that every retry of that call reuses, so a retry of a
      request that did reach the server gets the first answer replayed instead of running twice.
    - ``409 idempotency_in_progress`` (the first attempt is still running on the server) is waited
      out for up to ``in_progress_wait`` seconds, without counting against ``max_attempts``.
    """

    max_attempts: int = 6
    backoff_initial: float = 0.25
    backoff_max: float = 8.0
    max_retry_after: float = 60.0
    in_progress_wait: float = 75.0
    retry_statuses: FrozenSet[int] = frozenset({429, 502, 503, 504})

    def backoff(self, attempt: int) -> float:
        """The pause after failed attempt number ``attempt`` (1-based): half fixed, half random."""
        ceiling = min(self.backoff_max, self.backoff_initial * (2.0 ** max(0, attempt - 1)))
        return ceiling / 2 + random.random() * ceiling / 2

    def delay_after_error(self, error: AgenticError, attempt: int) -> Optional[float]:
        """The pause before the next attempt after ``error`` ended attempt ``attempt``, or None to give up."""
        if error.status not in self.retry_statuses or attempt >= self.max_attempts:
            return None
        retry_after = error.retry_after
        if retry_after is None:
            return self.backoff(attempt)
        if retry_after > self.max_retry_after:
            return None
        # A little jitter on top keeps many clients told "1 s" from coming back in the same millisecond.
        return retry_after + random.random() * min(0.25, self.backoff_initial)

    def delay_after_transport_error(self, attempt: int) -> Optional[float]:
        return None if attempt >= self.max_attempts else self.backoff(attempt)


@dataclass(frozen=True)
class ClientConfig:
    """Everything a client is made of, so that another client (sync or async) can be made alike."""

    base_url: str
    api_key: Optional[str]
    timeout: float
    retry: RetryPolicy
    headers: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def make(
        base_url: Optional[str],
        api_key: Optional[str],
        timeout: float,
        retry: Optional[RetryPolicy],
        max_attempts: Optional[int],
        headers: Optional[Mapping[str, str]],
    ) -> "ClientConfig":
        url = base_url or os.environ.get("AGENTIC_URL") or DEFAULT_BASE_URL
        url = url.rstrip("/")
        if url.endswith(API_PREFIX):
            url = url[: -len(API_PREFIX)]
        key = api_key if api_key is not None else os.environ.get("AGENTIC_API_KEY")
        policy = retry or RetryPolicy()
        if max_attempts is not None:
            policy = RetryPolicy(
                max_attempts=max_attempts,
                backoff_initial=policy.backoff_initial,
                backoff_max=policy.backoff_max,
                max_retry_after=policy.max_retry_after,
                in_progress_wait=policy.in_progress_wait,
                retry_statuses=policy.retry_statuses,
            )
        return ClientConfig(url, key, timeout, policy, dict(headers or {}))

    def default_headers(self) -> Dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.api_key:
            headers["X-API-Key"] = self.api_key
        headers.update(self.headers)
        return headers

    def url(self, path: str, absolute: bool = False) -> str:
        return self.base_url + (path if absolute else API_PREFIX + path)


@dataclass
class Call:
    """One API call, before it is sent (and as every retry of it sends it again)."""

    method: str
    path: str
    params: Optional[Dict[str, str]] = None
    body: Any = NO_BODY
    headers: Dict[str, str] = field(default_factory=dict)
    timeout: Optional[float] = None
    idempotency_key: Optional[str] = None
    absolute: bool = False
    text: bool = False

    def __post_init__(self) -> None:
        if self.method == "POST" and "Idempotency-Key" not in self.headers:
            self.headers["Idempotency-Key"] = self.idempotency_key or str(uuid.uuid4())
        self.content: Optional[bytes] = None
        if self.body is not NO_BODY:
            # Encoded once: a retry must send the very same bytes, or the server sees another request.
            self.content = json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            self.headers.setdefault("Content-Type", "application/json")


def params(**values: Any) -> Dict[str, str]:
    """Query parameters without the ones left out (None); lists become comma lists."""
    out: Dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, (list, tuple, set, frozenset)):
            out[name] = ",".join(str(v) for v in value)
        else:
            out[name] = str(value)
    return out


def fields(**values: Any) -> Dict[str, Any]:
    """A body from keyword arguments, without those left at None."""
    return {k: v for k, v in values.items() if v is not None}


def merge(base: Optional[Mapping[str, Any]], **more: Any) -> Dict[str, Any]:
    out = dict(base or {})
    out.update(more)
    return out


def if_match(version: Optional[int]) -> Dict[str, str]:
    return {} if version is None else {"If-Match": f'"{int(version)}"'}


def decode(response: httpx.Response, text: bool = False) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    if text:
        return response.text
    return json.loads(response.content)


def is_in_progress(error: AgenticError) -> bool:
    return error.status == 409 and error.code == "idempotency_in_progress"


def error_dict(error: Union[str, BaseException, Mapping[str, Any], None]) -> Any:
    """A task's ``error`` from what a worker has: an exception becomes ``{type, message}``."""
    if error is None or isinstance(error, (str, Mapping)):
        return dict(error) if isinstance(error, Mapping) else error
    message = str(error) or repr(error)
    return {"type": type(error).__name__, "message": message[:10000]}


# --- the calls -------------------------------------------------------------------------------------


def create_call(kind: str, body: Dict[str, Any], idempotency_key: Optional[str] = None) -> Call:
    return Call("POST", f"/{kind}", body=body, idempotency_key=idempotency_key)


def get_call(kind: str, resource_id: str) -> Call:
    return Call("GET", f"/{kind}/{resource_id}")


def update_call(kind: str, resource_id: str, changes: Dict[str, Any], if_version: Optional[int]) -> Call:
    return Call("PATCH", f"/{kind}/{resource_id}", body=changes, headers=if_match(if_version))


def delete_call(kind: str, resource_id: str, if_version: Optional[int]) -> Call:
    return Call("DELETE", f"/{kind}/{resource_id}", headers=if_match(if_version))


def list_call(kind: str, filters: Dict[str, Any], page_size: Optional[int], cursor: Optional[str]) -> Call:
    return Call("GET", f"/{kind}", params=params(limit=page_size, cursor=cursor, **filters))


def cancel_call(kind: str, resource_id: str, reason: Optional[str]) -> Call:
    return Call("POST", f"/{kind}/{resource_id}/cancel", body=fields(reason=reason))


def retry_call(task_id: str, reason: Optional[str]) -> Call:
    return Call("POST", f"/tasks/{task_id}/retry", body=fields(reason=reason))


def bulk_call(
    action: str,
    plan_id: Optional[str],
    status: Optional[str],
    task_type: Optional[str],
    agent_id: Optional[str],
) -> Call:
    """``POST /tasks/bulk``: only the filter members given are sent. With none the filter goes out
    empty and the server answers 422 naming ``filter`` (it refuses to act on every task at once)."""
    body = {
        "action": action,
        "filter": fields(plan_id=plan_id, status=status, task_type=task_type, agent_id=agent_id),
    }
    return Call("POST", "/tasks/bulk", body=body)


def claim_call(
    agent_id: str,
    task_types: Optional[Sequence[str]],
    plan_id: Optional[str],
    lease_seconds: Optional[int],
    limit: Optional[int],
) -> Call:
    body = fields(
        agent_id=agent_id,
        task_types=list(task_types) if task_types is not None else None,
        plan_id=plan_id,
        lease_seconds=lease_seconds,
        limit=limit,
    )
    return Call("POST", "/tasks/claim", body=body)


def heartbeat_call(task_id: str, agent_id: str, lease_seconds: Optional[int]) -> Call:
    return Call("POST", f"/tasks/{task_id}/heartbeat", body=fields(agent_id=agent_id, lease_seconds=lease_seconds))


def release_call(task_id: str, agent_id: str) -> Call:
    return Call("POST", f"/tasks/{task_id}/release", body={"agent_id": agent_id})


def request_approval_call(task_id: str, agent_id: str, question: str, data: Optional[Mapping[str, Any]]) -> Call:
    body = fields(agent_id=agent_id, question=question, data=dict(data) if data is not None else None)
    return Call("POST", f"/tasks/{task_id}/request-approval", body=body)


def approve_call(task_id: str, comment: Optional[str]) -> Call:
    return Call("POST", f"/tasks/{task_id}/approve", body=fields(comment=comment))


def reject_call(task_id: str, reason: str) -> Call:
    return Call("POST", f"/tasks/{task_id}/reject", body={"reason": reason})


def complete_call(
    task_id: str,
    agent_id: str,
    outputs: Optional[Mapping[str, Any]],
    claim_next: Optional[Mapping[str, Any]],
    usage: Optional[Mapping[str, Any]] = None,
) -> Call:
    body = fields(
        agent_id=agent_id,
        outputs=dict(outputs) if outputs is not None else None,
        claim_next=dict(claim_next) if claim_next is not None else None,
        usage=dict(usage) if usage is not None else None,
    )
    return Call("POST", f"/tasks/{task_id}/complete", body=body)


def fail_call(
    task_id: str, agent_id: str, error: Any, retryable: Optional[bool], usage: Optional[Mapping[str, Any]] = None
) -> Call:
    body: Dict[str, Any] = {"agent_id": agent_id}
    if error is not None:
        body["error"] = error_dict(error)
    if retryable is not None:
        body["retryable"] = retryable
    if usage is not None:
        body["usage"] = dict(usage)
    return Call("POST", f"/tasks/{task_id}/fail", body=body)


def rejects_claim_next(error: AgenticError) -> bool:
    """Whether the server answered a ``complete`` with ``claim_next`` by not knowing the field."""
    return error.status in (400, 422) and error.names_field("claim_next")


def rejects_usage(error: AgenticError) -> bool:
    """Whether the server refused a ``complete`` or ``fail`` for its ``usage`` (a member out of range,
    or a server that does not know the field yet): nothing was recorded, the same call without it
    would go through."""
    return error.status in (400, 422) and any(
        str(e.get("field", "")) == "usage" or str(e.get("field", "")).startswith("usage.") for e in error.errors
    )


def complete_result(answer: Any) -> Dict[str, Any]:
    """``{"task": ..., "next": [...]}`` from a complete-with-claim_next answer."""
    if isinstance(answer, dict) and "task" in answer and isinstance(answer.get("task"), dict):
        return {"task": answer["task"], "next": list(answer.get("next") or [])}
    return {"task": answer, "next": []}


def claim_args(claim_next: Mapping[str, Any]) -> Dict[str, Any]:
    """The ``claim`` arguments in a ``claim_next`` object, for the two-request fallback."""
    return {
        "task_types": claim_next.get("task_types"),
        "plan_id": claim_next.get("plan_id"),
        "lease_seconds": claim_next.get("lease_seconds"),
        "limit": claim_next.get("limit"),
    }


def events_call(
    after: Optional[int],
    types: Optional[Union[str, Sequence[str]]],
    wait: Optional[float],
    limit: Optional[int],
    timeout: float,
    resource_id: Optional[str] = None,
) -> Call:
    wait_seconds = None if wait is None else max(0, min(30, int(round(wait))))
    query = params(after=after, types=types_param(types), resource_id=resource_id, limit=limit, wait=wait_seconds)
    call = Call("GET", "/events", params=query)
    if wait_seconds:
        call.timeout = max(timeout, wait_seconds + 15.0)
    return call


def types_param(types: Optional[Union[str, Sequence[str]]]) -> Optional[str]:
    if types is None:
        return None
    if isinstance(types, str):
        return types
    return ",".join(types)


def progress_call(
    task_id: str, agent_id: str, message: Optional[str], percent: Optional[float], data: Optional[Mapping[str, Any]]
) -> Call:
    body = fields(agent_id=agent_id, message=message, percent=percent, data=dict(data) if data is not None else None)
    return Call("POST", f"/tasks/{task_id}/progress", body=body)


def history_call(task_id: str, after: int, limit: Optional[int]) -> Call:
    return Call("GET", f"/tasks/{task_id}/events", params=params(after=after, limit=limit))


def publish_call(type: str, data: Optional[Mapping[str, Any]], resource_id: Optional[str]) -> Call:
    body: Dict[str, Any] = {"type": type, "data": dict(data or {})}
    if resource_id is not None:
        body["resource_id"] = resource_id
    return Call("POST", "/events", body=body)


# --- the seed's events: x.<event_type> about an aggregate ----------------------------------------------


def seed_event_type(event_type: Optional[str]) -> Optional[str]:
    """The type a seed event is stored as: ``x.<event_type>`` (a type given with its ``x.`` as it is)."""
    if event_type is None or event_type.startswith("x."):
        return event_type
    return "x." + event_type


def seed_publish_call(
    event_type: str,
    aggregate_id: Optional[str],
    payload: Optional[Mapping[str, Any]],
    aggregate_type: Optional[str],
    metadata: Optional[Mapping[str, Any]],
) -> Call:
    """``publish_event``: a client event ``x.<event_type>`` about ``aggregate_id`` (its ``resource_id``)."""
    data = {"aggregate_type": aggregate_type, "payload": dict(payload or {}), "metadata": dict(metadata or {})}
    return publish_call("x." + event_type, data, aggregate_id)


def seed_query_args(event_type: Optional[str], aggregate_id: Optional[str], limit: int) -> Dict[str, Any]:
    """The ``events.iter`` arguments of ``query_events``: the server filters on the type and on
    ``resource_id`` (nothing is read to be thrown away), in pages of ``limit`` (1 to 1,000)."""
    return {"types": seed_event_type(event_type), "resource_id": aggregate_id, "page_size": max(1, min(limit, 1000))}


def key_create_call(
    name: str,
    scope: str,
    tenant: Optional[str],
    expires_at: Optional[str],
    rate_limit: Optional[Mapping[str, Any]],
) -> Call:
    body = fields(name=name, scope=scope, tenant=tenant, expires_at=expires_at)
    if rate_limit is not None:
        body["rate_limit"] = dict(rate_limit)
    return Call("POST", "/keys", body=body)


# --- concurrency limits and settings -----------------------------------------------------------------


def limit_path(key: str) -> str:
    """``/limits/concurrency/{key}``, the key percent-encoded whole (``/`` as ``%2F``, a space as
    ``%20``); a key of ``.`` or ``..`` has its dots encoded too, or the URL would lose it as a dot
    segment."""
    segment = urllib.parse.quote(key, safe="")
    if segment in (".", ".."):
        segment = segment.replace(".", "%2E")
    return "/limits/concurrency/" + segment


def limit_set_call(key: str, max_running: int) -> Call:
    return Call("PUT", limit_path(key), body={"max_running": max_running})


def limit_get_call(key: str) -> Call:
    return Call("GET", limit_path(key))


def limit_list_call() -> Call:
    return Call("GET", "/limits/concurrency")


def limit_delete_call(key: str) -> Call:
    return Call("DELETE", limit_path(key))


def settings_get_call() -> Call:
    return Call("GET", "/settings")


def settings_update_call(default_retry_policy: Any, extra: Mapping[str, Any]) -> Call:
    """``PATCH /settings``: only the settings given are sent; ``None`` sends ``null`` (clears it).
    With none given the body is ``{}`` and the server answers 400 ``no_fields``."""
    body: Dict[str, Any] = dict(extra)
    if default_retry_policy is not NOT_GIVEN:
        body["default_retry_policy"] = None if default_retry_policy is None else dict(default_retry_policy)
    return Call("PATCH", "/settings", body=body)


# --- webhooks ----------------------------------------------------------------------------------------


def string_list(values: Union[str, Sequence[str]]) -> List[str]:
    """A list of strings from a list, or from a comma string (as ``events.list(types=...)`` takes):
    a lone ``"task."`` must not become its characters."""
    if isinstance(values, str):
        return [value.strip() for value in values.split(",") if value.strip()]
    return list(values)


def webhook_path(webhook_id: str, *rest: str) -> str:
    """``/webhooks/{id}[/...]``, each id percent-encoded whole: an id is a path segment, never a path."""
    segments = [webhook_id, *rest]
    return "/webhooks/" + "/".join(urllib.parse.quote(segment, safe="") for segment in segments)


def webhook_create_call(
    url: str, types: Union[str, Sequence[str]], secret: Optional[str], webhook_id: Optional[str]
) -> Call:
    """``POST /webhooks``: ``secret`` only when given (the server generates one when it is absent)."""
    body = fields(webhook_id=webhook_id, url=url, types=string_list(types), secret=secret)
    return Call("POST", "/webhooks", body=body)


def webhook_list_call() -> Call:
    return Call("GET", "/webhooks")


def webhook_get_call(webhook_id: str) -> Call:
    return Call("GET", webhook_path(webhook_id))


def webhook_delete_call(webhook_id: str) -> Call:
    return Call("DELETE", webhook_path(webhook_id))


def webhook_deliveries_call(webhook_id: str, page_size: Optional[int], cursor: Optional[str]) -> Call:
    return Call("GET", webhook_path(webhook_id, "deliveries"), params=params(limit=page_size, cursor=cursor))


def webhook_redeliver_call(webhook_id: str, delivery_id: str) -> Call:
    return Call("POST", webhook_path(webhook_id, "deliveries", delivery_id, "redeliver"))


def webhook_hosts_get_call() -> Call:
    return Call("GET", "/webhooks/allowed-hosts")


def webhook_hosts_set_call(hosts: Union[str, Sequence[str]]) -> Call:
    """``PUT /webhooks/allowed-hosts``: the whole list, replacing the one stored (``[]`` empties it)."""
    return Call("PUT", "/webhooks/allowed-hosts", body={"hosts": string_list(hosts)})


# --- plans with steps --------------------------------------------------------------------------------


def plan_with_steps_request(
    goal_id: str,
    agent_id: Optional[str],
    steps: Sequence[Mapping[str, Any]],
    plan_type: str,
    plan_fields: Mapping[str, Any],
) -> Dict[str, Any]:
    """The body of ``create_plan(goal_id, agent_id, steps, plan_type)``: the plan with its tasks, one
    request the server creates all or nothing.

    Each step becomes a task of the plan's ``tasks`` with a ``ref`` (its own, or its position, ``"1"``
    for the first); ``sequential`` plans make each step wait for the one before it (unless the step
    names its own ``depends_on_refs``), ``parallel`` ones leave steps independent; ``plan_type`` is
    stored on the plan.
    """
    if plan_type not in ("sequential", "parallel"):
        raise ValueError("plan_type must be 'sequential' or 'parallel'")
    plan: Dict[str, Any] = {k: v for k, v in plan_fields.items() if v is not None}
    plan["goal_id"] = goal_id
    if agent_id is not None:
        plan["agent_id"] = agent_id
    plan["plan_type"] = plan_type
    if not steps:
        return plan
    tasks: List[Dict[str, Any]] = []
    previous: Optional[str] = None
    for index, step in enumerate(steps):
        task = {k: v for k, v in step.items() if v is not None}
        ref = str(task.get("ref") or index + 1)
        task["ref"] = ref
        if "name" not in task and "description" not in task:
            task["name"] = f"step {index + 1}"
        if plan_type == "sequential" and previous is not None and "depends_on_refs" not in task:
            task["depends_on_refs"] = [previous]
        tasks.append(task)
        previous = ref
    plan["tasks"] = tasks
    return plan


# --- Server-Sent Events ------------------------------------------------------------------------------


@dataclass
class ServerSentEvent:
    id: Optional[str]
    event: Optional[str]
    data: str


class SSEDecoder:
    """Decodes the lines of a ``text/event-stream`` (WHATWG rules): ``id``, ``event``, ``data``
    (joined by newlines), ``retry``; lines starting with ``:`` are comments; a blank line ends an
    event. An event cut off before its blank line is never produced."""

    def __init__(self) -> None:
        self._data: List[str] = []
        self._event: Optional[str] = None
        self._id: Optional[str] = None
        self.retry_ms: Optional[int] = None
        self.comments = 0

    def feed(self, line: str) -> Optional[ServerSentEvent]:
        line = line.rstrip("\r\n")
        if line == "":
            if not self._data:
                self._event = None
                return None
            event = ServerSentEvent(self._id, self._event, "\n".join(self._data))
            self._data = []
            self._event = None
            return event
        if line.startswith(":"):
            self.comments += 1
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._id = value
        elif name == "retry":
            if value.isdigit():
                self.retry_ms = int(value)
        return None


def stream_request(
    types: Optional[Union[str, Sequence[str]]],
    resource_id: Optional[str],
    last_event_id: Optional[int],
    after: Optional[int],
) -> Tuple[Dict[str, str], Dict[str, str]]:
    """Query parameters and headers of one (re)connection of an event stream."""
    query = params(types=types_param(types), resource_id=resource_id)
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    elif after is not None:
        query["after"] = str(after)
    return query, headers


def event_from_sse(sse: ServerSentEvent) -> Tuple[int, Dict[str, Any]]:
    event = json.loads(sse.data)
    event_id = int(sse.id) if sse.id and sse.id.isdigit() else int(event["event_id"])
    return event_id, event


STREAM_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Statuses an event stream waits out and reconnects after; others end the stream with the error."""


def openapi_documents(document: str, method: str, path: str) -> bool:
    """Whether an OpenAPI YAML document (as the server renders it) has ``method`` under ``path``.

    A line-based reading of the document's layout (paths at two spaces, methods at four), so the
    package needs no YAML parser."""
    inside = False
    for line in document.splitlines():
        if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            inside = line.strip()[:-1].strip("'\"") == path
            continue
        if not line.startswith(" ") and line.strip():
            inside = False
            continue
        if inside and line.startswith("    ") and not line.startswith("     ") and line.strip() == f"{method.lower()}:":
            return True
    return False


def openapi_schema_has_property(document: str, schema: str, prop: str) -> bool:
    """Whether the component ``schema`` of an OpenAPI YAML document lists ``prop`` among its properties."""
    inside = False
    for line in document.splitlines():
        if line.startswith("    ") and not line.startswith("     ") and line.rstrip().endswith(":"):
            inside = line.strip()[:-1] == schema
            continue
        if inside and line.strip().startswith(f"{prop}:") and line.startswith("        "):
            return True
    return False
