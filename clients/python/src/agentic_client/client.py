"""The synchronous client: :class:`Client`."""

from __future__ import annotations

import itertools
import json
import logging
import time
from types import TracebackType
from typing import (
    Any,
    Callable,
    Dict,
    Generator,
    Generic,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Type,
    TypeVar,
    Union,
    cast,
    overload,
)

import httpx

from . import _core
from ._core import NO_BODY, Call, ClientConfig, RetryPolicy
from .errors import AgenticError, ConnectionFailed, error_from_response
from .types import (
    Agent,
    ApiKey,
    ApiKeyCreated,
    BulkOutcome,
    WhoAmI,
    CompleteResult,
    ConcurrencyLimit,
    Event,
    EventPage,
    Goal,
    JSONObject,
    Plan,
    Task,
    TenantSettings,
    Webhook,
    WebhookAllowedHosts,
    WebhookCreated,
    WebhookDelivery,
)

log = logging.getLogger("agentic_client")

R = TypeVar("R")
Types = Optional[Union[str, Sequence[str]]]


class Client:
    """A synchronous client of the Agentic API.

    ::

        with Client("http://127.0.0.1:8080", api_key="agk_...") as client:
            agent = client.agents.create(name="researcher")
            for task in client.tasks.list(plan_id=plan_id):
                ...

    ``base_url`` defaults to ``$AGENTIC_URL`` or ``http://127.0.0.1:8080`` (a trailing ``/api/v1`` is
    accepted too); ``api_key`` to ``$AGENTIC_API_KEY``. ``timeout`` is per request, in seconds.
    ``retry`` (or just ``max_attempts``) sets the :class:`RetryPolicy`. ``transport`` or
    ``http_client`` replace the underlying httpx transport or client.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        timeout: float = 30.0,
        retry: Optional[RetryPolicy] = None,
        max_attempts: Optional[int] = None,
        headers: Optional[Mapping[str, str]] = None,
        transport: Optional[httpx.BaseTransport] = None,
        http_client: Optional[httpx.Client] = None,
    ) -> None:
        self.config = ClientConfig.make(base_url, api_key, timeout, retry, max_attempts, headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            timeout=timeout, transport=transport, limits=httpx.Limits(max_connections=100, max_keepalive_connections=20)
        )
        self._headers = self.config.default_headers()
        self.claim_next_supported: Optional[bool] = None
        """Whether the server accepts ``claim_next`` on complete: None until the first such call."""
        self.agents = Agents(self)
        self.goals = Goals(self)
        self.plans = Plans(self)
        self.tasks = Tasks(self)
        self.events = Events(self)
        self.keys = Keys(self)
        self.limits = Limits(self)
        self.settings = Settings(self)
        self.webhooks = Webhooks(self)

    @classmethod
    def from_config(cls, config: ClientConfig, **kwargs: Any) -> "Client":
        return cls(
            config.base_url,
            config.api_key,
            timeout=config.timeout,
            retry=config.retry,
            headers=config.headers,
            **kwargs,
        )

    # --- plumbing ---

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = NO_BODY,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        idempotency_key: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """Any call of the API (``path`` under ``/api/v1``), with the client's retries and errors."""
        call = Call(
            method.upper(),
            path,
            params=_core.params(**dict(params or {})),
            body=json,
            headers=dict(headers or {}),
            timeout=timeout,
            idempotency_key=idempotency_key,
        )
        return self.send(call)

    def send(self, call: Call) -> Any:
        """Sends ``call``, retrying as the :class:`RetryPolicy` allows, and decodes the answer."""
        policy = self.config.retry
        url = self.config.url(call.path, call.absolute)
        headers = dict(self._headers)
        headers.update(call.headers)
        timeout = call.timeout or self.config.timeout
        attempt = 0
        in_progress_waits = 0
        lost_answer = False
        started = time.monotonic()
        while True:
            attempt += 1
            try:
                response = self._http.request(
                    call.method, url, params=call.params, content=call.content, headers=headers, timeout=timeout
                )
            except (httpx.UnsupportedProtocol, httpx.LocalProtocolError):
                raise
            except httpx.TransportError as exc:
                lost_answer = True
                delay = policy.delay_after_transport_error(attempt)
                if delay is None:
                    raise ConnectionFailed(
                        f"{call.method} {call.path}: {exc!r} (attempt {attempt} of {policy.max_attempts})", cause=exc
                    ) from exc
                log.info("%s %s: %r; retrying in %.2f s (attempt %d)", call.method, call.path, exc, delay, attempt)
                time.sleep(delay)
                continue
            if response.status_code < 400:
                return _core.decode(response, call.text)
            error = error_from_response(response)
            if (
                call.method == "POST"
                and _core.is_in_progress(error)
                and time.monotonic() - started < policy.in_progress_wait
            ):
                attempt -= 1
                in_progress_waits += 1
                time.sleep(min(2.0, 0.05 * (2 ** min(in_progress_waits, 6))))
                continue
            if lost_answer and call.method == "DELETE" and error.status == 404:
                return None  # an earlier attempt deleted it, and its answer was lost
            delay = policy.delay_after_error(error, attempt)
            if delay is None:
                raise error
            log.info("%s %s: %s; retrying in %.2f s (attempt %d)", call.method, call.path, error, delay, attempt)
            time.sleep(delay)

    def openapi(self) -> str:
        """The server's OpenAPI document (``GET /openapi.yaml``, no key needed)."""
        return cast(str, self.send(Call("GET", "/openapi.yaml", absolute=True, text=True)))

    def ready(self) -> JSONObject:
        """``GET /health/ready``: raises :class:`ServiceUnavailable` when the server is not ready."""
        return cast(JSONObject, self.send(Call("GET", "/health/ready", absolute=True)))

    def documents(self, method: str, path: str) -> bool:
        """Whether the server's OpenAPI document describes ``method path`` (e.g. ``POST /api/v1/events``)."""
        return _core.openapi_documents(self.openapi(), method, path)

    # --- the seed platform's L01Client method names (thin aliases) ---

    def create_agent(
        self,
        name: Optional[str] = None,
        agent_type: Optional[str] = None,
        configuration: Optional[JSONObject] = None,
        metadata: Optional[JSONObject] = None,
        **fields: Any,
    ) -> Agent:
        body = _core.merge(
            fields, **_core.fields(name=name, agent_type=agent_type, configuration=configuration, metadata=metadata)
        )
        return cast(Agent, self.send(_core.create_call("agents", body)))

    def get_agent(self, agent_id: str) -> Agent:
        return self.agents.get(agent_id)

    def list_agents(
        self, status: Optional[str] = None, limit: int = 100, agent_type: Optional[str] = None
    ) -> List[Agent]:
        return list(self.agents.list(status=status, agent_type=agent_type, page_size=min(limit, 200), max_items=limit))

    def update_agent(self, agent_id: str, updates: Optional[Mapping[str, Any]] = None, **fields: Any) -> Agent:
        return self.agents.update(agent_id, updates, **fields)

    def delete_agent(self, agent_id: str) -> None:
        self.agents.delete(agent_id)

    def create_goal(
        self,
        agent_id: Optional[str] = None,
        description: Optional[str] = None,
        success_criteria: Optional[List[Any]] = None,
        priority: Optional[int] = None,
        **fields: Any,
    ) -> Goal:
        body = _core.merge(
            fields,
            **_core.fields(
                agent_id=agent_id, description=description, success_criteria=success_criteria, priority=priority
            ),
        )
        return cast(Goal, self.send(_core.create_call("goals", body)))

    def get_goal(self, goal_id: str) -> Goal:
        return self.goals.get(goal_id)

    def update_goal(self, goal_id: str, updates: Optional[Mapping[str, Any]] = None, **fields: Any) -> Goal:
        return self.goals.update(goal_id, updates, **fields)

    def list_goals(self, agent_id: Optional[str] = None, status: Optional[str] = None, limit: int = 100) -> List[Goal]:
        return list(self.goals.list(agent_id=agent_id, status=status, page_size=min(limit, 200), max_items=limit))

    def create_plan(
        self,
        goal_id: str,
        agent_id: Optional[str] = None,
        steps: Optional[Sequence[Mapping[str, Any]]] = None,
        plan_type: str = "sequential",
        **fields: Any,
    ) -> Plan:
        return self.create_plan_with_steps(goal_id, agent_id, list(steps or []), plan_type, **fields)

    def create_plan_with_steps(
        self,
        goal_id: str,
        agent_id: Optional[str],
        steps: Sequence[Mapping[str, Any]],
        plan_type: str = "sequential",
        **fields: Any,
    ) -> Plan:
        """A plan and one task per step, chained by ``depends_on`` when ``plan_type == "sequential"``.

        One request: the server creates the plan and its tasks together or not at all (a bad step is a
        ``ValidationError`` naming ``tasks[i].<field>``, and nothing is left behind). The answer is the
        plan with ``tasks: [{ref, task_id}]``."""
        body = _core.plan_with_steps_request(goal_id, agent_id, steps, plan_type, fields)
        return cast(Plan, self.send(_core.create_call("plans", body)))

    def get_plan(self, plan_id: str) -> Plan:
        return self.plans.get(plan_id)

    def update_plan(self, plan_id: str, updates: Optional[Mapping[str, Any]] = None, **fields: Any) -> Plan:
        return self.plans.update(plan_id, updates, **fields)

    def create_task(
        self,
        plan_id: str,
        agent_id: Optional[str] = None,
        description: Optional[str] = None,
        task_type: Optional[str] = None,
        input_data: Optional[JSONObject] = None,
        **fields: Any,
    ) -> Task:
        body = _core.merge(
            fields,
            **_core.fields(
                plan_id=plan_id, agent_id=agent_id, description=description, task_type=task_type, input_data=input_data
            ),
        )
        return cast(Task, self.send(_core.create_call("tasks", body)))

    def update_task(self, task_id: str, updates: Optional[Mapping[str, Any]] = None, **fields: Any) -> Task:
        changes = _core.merge(updates, **fields)
        changes.pop("completed_at", None)  # the seed sends it; the server stamps it itself
        return self.tasks.update(task_id, changes)

    def publish_event(
        self,
        event_type: str,
        aggregate_id: Optional[str] = None,
        payload: Optional[JSONObject] = None,
        aggregate_type: Optional[str] = None,
        metadata: Optional[JSONObject] = None,
    ) -> Event:
        """A client event of type ``x.<event_type>`` about ``aggregate_id`` (``POST /api/v1/events``)."""
        call = _core.seed_publish_call(event_type, aggregate_id, payload, aggregate_type, metadata)
        return cast(Event, self.send(call))

    def query_events(
        self, event_type: Optional[str] = None, aggregate_id: Optional[str] = None, limit: int = 100, after: int = 0
    ) -> List[Event]:
        """Up to ``limit`` events of type ``x.<event_type>`` (every type when None) about ``aggregate_id``
        (about anything when None), oldest first; the server does the filtering."""
        events = self.events.iter(after=after, **_core.seed_query_args(event_type, aggregate_id, limit))
        return list(itertools.islice(events, max(0, limit)))


class PageIterator(Generic[R]):
    """The items of a list, page after page (following ``next_cursor``), fetched as they are needed."""

    def __init__(self, fetch: Callable[[Optional[str]], Any], max_items: Optional[int] = None) -> None:
        self._fetch = fetch
        self._max_items = max_items
        self._items = self._generate()
        self.next_cursor: Optional[str] = None
        self.pages_fetched = 0

    def pages(self) -> Iterator[List[R]]:
        """The pages themselves (lists of items)."""
        cursor: Optional[str] = None
        while True:
            page = self._fetch(cursor)
            self.pages_fetched += 1
            cursor = page.get("next_cursor")
            self.next_cursor = cursor
            yield cast(List[R], page["data"])
            if not cursor:
                return

    def _generate(self) -> Iterator[R]:
        count = 0
        if self._max_items is not None and self._max_items <= 0:
            return
        for page in self.pages():
            for item in page:
                yield item
                count += 1
                if self._max_items is not None and count >= self._max_items:
                    return

    def __iter__(self) -> "PageIterator[R]":
        return self

    def __next__(self) -> R:
        return next(self._items)


class _Resource(Generic[R]):
    _kind = ""

    def __init__(self, client: Client) -> None:
        self._client = client

    @property
    def _id_field(self) -> str:
        return _core.KINDS[self._kind]

    def _create(self, body: Dict[str, Any], idempotency_key: Optional[str]) -> R:
        return cast(R, self._client.send(_core.create_call(self._kind, body, idempotency_key)))

    def get(self, resource_id: str) -> R:
        """``GET /{kind}/{id}``."""
        return cast(R, self._client.send(_core.get_call(self._kind, resource_id)))

    def update(
        self,
        resource_id: str,
        changes: Optional[Mapping[str, Any]] = None,
        *,
        if_version: Optional[int] = None,
        **fields: Any,
    ) -> R:
        """``PATCH``: changes only the named fields (None sends ``null``); ``if_version`` sends
        ``If-Match: "N"`` and raises :class:`VersionMismatch` when the resource moved on."""
        body = _core.merge(changes, **fields)
        return cast(R, self._client.send(_core.update_call(self._kind, resource_id, body, if_version)))

    def delete(self, resource_id: str, *, if_version: Optional[int] = None) -> None:
        """``DELETE``: 204, or :class:`NotFound`."""
        self._client.send(_core.delete_call(self._kind, resource_id, if_version))

    def _list(self, filters: Dict[str, Any], page_size: Optional[int], max_items: Optional[int]) -> PageIterator[R]:
        def fetch(cursor: Optional[str]) -> Any:
            return self._client.send(_core.list_call(self._kind, filters, page_size, cursor))

        return PageIterator(fetch, max_items)


class Agents(_Resource[Agent]):
    _kind = "agents"

    def create(
        self,
        name: str,
        *,
        agent_type: Optional[str] = None,
        status: Optional[str] = None,
        configuration: Optional[JSONObject] = None,
        metadata: Optional[JSONObject] = None,
        resource_limits: Optional[JSONObject] = None,
        did: Optional[str] = None,
        agent_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        **extra: Any,
    ) -> Agent:
        body = _core.merge(
            extra,
            **_core.fields(
                name=name,
                agent_type=agent_type,
                status=status,
                configuration=configuration,
                metadata=metadata,
                resource_limits=resource_limits,
                did=did,
                agent_id=agent_id,
            ),
        )
        return self._create(body, idempotency_key)

    def list(
        self,
        *,
        status: Optional[str] = None,
        agent_type: Optional[str] = None,
        page_size: Optional[int] = None,
        max_items: Optional[int] = None,
        **filters: Any,
    ) -> PageIterator[Agent]:
        return self._list(_core.merge(filters, status=status, agent_type=agent_type), page_size, max_items)


class Goals(_Resource[Goal]):
    _kind = "goals"

    def create(
        self,
        goal_text: Optional[str] = None,
        *,
        agent_id: Optional[str] = None,
        goal_type: Optional[str] = None,
        priority: Optional[int] = None,
        success_criteria: Optional[List[Any]] = None,
        constraints: Optional[JSONObject] = None,
        parent_goal_id: Optional[str] = None,
        metadata: Optional[JSONObject] = None,
        status: Optional[str] = None,
        agent_did: Optional[str] = None,
        goal_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        **extra: Any,
    ) -> Goal:
        body = _core.merge(
            extra,
            **_core.fields(
                goal_text=goal_text,
                agent_id=agent_id,
                goal_type=goal_type,
                priority=priority,
                success_criteria=success_criteria,
                constraints=constraints,
                parent_goal_id=parent_goal_id,
                metadata=metadata,
                status=status,
                agent_did=agent_did,
                goal_id=goal_id,
            ),
        )
        return self._create(body, idempotency_key)

    def list(
        self,
        *,
        status: Optional[str] = None,
        agent_id: Optional[str] = None,
        page_size: Optional[int] = None,
        max_items: Optional[int] = None,
        **filters: Any,
    ) -> PageIterator[Goal]:
        return self._list(_core.merge(filters, status=status, agent_id=agent_id), page_size, max_items)

    def cancel(self, goal_id: str, reason: Optional[str] = None) -> Goal:
        """Cancels the goal and everything still open below it."""
        return cast(Goal, self._client.send(_core.cancel_call("goals", goal_id, reason)))


class Plans(_Resource[Plan]):
    _kind = "plans"

    def create(
        self,
        goal_id: str,
        *,
        name: Optional[str] = None,
        agent_id: Optional[str] = None,
        resource_budget: Optional[JSONObject] = None,
        metadata: Optional[JSONObject] = None,
        status: Optional[str] = None,
        plan_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        **extra: Any,
    ) -> Plan:
        body = _core.merge(
            extra,
            **_core.fields(
                goal_id=goal_id,
                name=name,
                agent_id=agent_id,
                resource_budget=resource_budget,
                metadata=metadata,
                status=status,
                plan_id=plan_id,
            ),
        )
        return self._create(body, idempotency_key)

    def list(
        self,
        *,
        status: Optional[str] = None,
        agent_id: Optional[str] = None,
        goal_id: Optional[str] = None,
        page_size: Optional[int] = None,
        max_items: Optional[int] = None,
        **filters: Any,
    ) -> PageIterator[Plan]:
        return self._list(_core.merge(filters, status=status, agent_id=agent_id, goal_id=goal_id), page_size, max_items)

    def cancel(self, plan_id: str, reason: Optional[str] = None) -> Plan:
        """Cancels the plan and its open tasks."""
        return cast(Plan, self._client.send(_core.cancel_call("plans", plan_id, reason)))


class Tasks(_Resource[Task]):
    _kind = "tasks"

    def create(
        self,
        plan_id: str,
        *,
        name: Optional[str] = None,
        description: Optional[str] = None,
        task_type: Optional[str] = None,
        inputs: Optional[JSONObject] = None,
        depends_on: Optional[Sequence[str]] = None,
        priority: Optional[int] = None,
        timeout_seconds: Optional[int] = None,
        max_attempts: Optional[int] = None,
        agent_id: Optional[str] = None,
        tool_name: Optional[str] = None,
        status: Optional[str] = None,
        task_id: Optional[str] = None,
        not_before: Optional[str] = None,
        delay_seconds: Optional[int] = None,
        retry_policy: Optional[Mapping[str, Any]] = None,
        concurrency_key: Optional[str] = None,
        schedule_to_start_seconds: Optional[int] = None,
        requires_approval: Optional[bool] = None,
        idempotency_key: Optional[str] = None,
        **extra: Any,
    ) -> Task:
        body = _core.merge(
            extra,
            **_core.fields(
                plan_id=plan_id,
                name=name,
                description=description,
                task_type=task_type,
                inputs=inputs,
                depends_on=list(depends_on) if depends_on is not None else None,
                priority=priority,
                timeout_seconds=timeout_seconds,
                max_attempts=max_attempts,
                agent_id=agent_id,
                tool_name=tool_name,
                status=status,
                task_id=task_id,
                not_before=not_before,
                delay_seconds=delay_seconds,
                retry_policy=dict(retry_policy) if retry_policy is not None else None,
                concurrency_key=concurrency_key,
                schedule_to_start_seconds=schedule_to_start_seconds,
                requires_approval=requires_approval,
            ),
        )
        return self._create(body, idempotency_key)

    def list(
        self,
        *,
        status: Optional[str] = None,
        agent_id: Optional[str] = None,
        plan_id: Optional[str] = None,
        page_size: Optional[int] = None,
        max_items: Optional[int] = None,
        **filters: Any,
    ) -> PageIterator[Task]:
        return self._list(_core.merge(filters, status=status, agent_id=agent_id, plan_id=plan_id), page_size, max_items)

    def claim(
        self,
        agent_id: str,
        *,
        task_types: Optional[Sequence[str]] = None,
        plan_id: Optional[str] = None,
        lease_seconds: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> List[Task]:
        """``POST /tasks/claim``: up to ``limit`` ready tasks, each leased to ``agent_id`` (empty when none is ready)."""
        answer = self._client.send(_core.claim_call(agent_id, task_types, plan_id, lease_seconds, limit))
        return cast(List[Task], answer["data"])

    def heartbeat(self, task_id: str, agent_id: str, *, lease_seconds: Optional[int] = None) -> Task:
        """Extends the lease; :class:`LeaseLost` when the caller no longer holds it."""
        return cast(Task, self._client.send(_core.heartbeat_call(task_id, agent_id, lease_seconds)))

    def release(self, task_id: str, agent_id: str) -> Task:
        """``POST /tasks/{id}/release``: the lease holder gives the task back unfinished. It is
        ``pending`` again at once and the attempt does not count (``attempts`` goes back down by one;
        event ``task.released``), so stopping mid-task never uses up the task's retries.
        :class:`LeaseLost` unless ``agent_id`` holds the lease."""
        return cast(Task, self._client.send(_core.release_call(task_id, agent_id)))

    @overload
    def complete(
        self,
        task_id: str,
        agent_id: str,
        outputs: Optional[JSONObject] = None,
        *,
        usage: Optional[Mapping[str, Any]] = None,
    ) -> Task: ...

    @overload
    def complete(
        self,
        task_id: str,
        agent_id: str,
        outputs: Optional[JSONObject] = None,
        *,
        claim_next: Mapping[str, Any],
        usage: Optional[Mapping[str, Any]] = None,
    ) -> CompleteResult: ...

    def complete(
        self,
        task_id: str,
        agent_id: str,
        outputs: Optional[JSONObject] = None,
        *,
        claim_next: Optional[Mapping[str, Any]] = None,
        usage: Optional[Mapping[str, Any]] = None,
    ) -> Union[Task, CompleteResult]:
        """Completes the caller's task with ``outputs``.

        ``usage`` (``{"input_tokens", "output_tokens", "cost_usd"}``, members left out count 0) is what
        the attempt cost: the server adds it to the task's ``usage`` and to the totals of its plan, its
        goal and the agent, and a budget it reaches stops further claims of their work (see
        :class:`~agentic_client.types.Usage`). A bad member is a :class:`ValidationError` naming it
        (``usage.cost_usd``) and nothing is recorded.

        With ``claim_next`` (``{"task_types", "plan_id", "lease_seconds", "limit"}``) the answer is
        ``{"task": ..., "next": [tasks claimed in the same breath]}``. A server that does not know
        ``claim_next`` yet is detected once (its 422 naming the field); from then on the client
        completes and then claims in two requests, with the same answer."""
        if claim_next is None:
            return cast(Task, self._client.send(_core.complete_call(task_id, agent_id, outputs, None, usage)))
        if self._client.claim_next_supported is not False:
            try:
                answer = self._client.send(_core.complete_call(task_id, agent_id, outputs, claim_next, usage))
            except AgenticError as error:
                if not _core.rejects_claim_next(error):
                    raise
                log.info("the server does not take claim_next on complete; claiming separately from now on")
                self._client.claim_next_supported = False
            else:
                self._client.claim_next_supported = True
                return cast(CompleteResult, _core.complete_result(answer))
        task = cast(Task, self._client.send(_core.complete_call(task_id, agent_id, outputs, None, usage)))
        claimed = self.claim(agent_id, **_core.claim_args(claim_next))
        return CompleteResult(task=task, next=claimed)

    def fail(
        self,
        task_id: str,
        agent_id: str,
        error: Union[str, BaseException, Mapping[str, Any], None] = None,
        *,
        retryable: Optional[bool] = None,
        usage: Optional[Mapping[str, Any]] = None,
    ) -> Task:
        """Records a failed attempt (an exception becomes ``{"type", "message"}``); with attempts left
        and ``retryable`` (the default) the task goes back to ``pending``. ``usage``: what the attempt
        cost, counted as on :meth:`complete`."""
        return cast(Task, self._client.send(_core.fail_call(task_id, agent_id, error, retryable, usage)))

    def cancel(self, task_id: str, reason: Optional[str] = None) -> Task:
        """Cancels the task (its dependents are skipped)."""
        return cast(Task, self._client.send(_core.cancel_call("tasks", task_id, reason)))

    def retry(self, task_id: str, reason: Optional[str] = None) -> Task:
        """``POST /tasks/{id}/retry``: puts a ``failed``, ``cancelled`` or ``skipped`` task back to
        ``pending`` with ``attempts`` 0 (no error, lease or delay), brings back the dependents skipped
        because of it, and reopens its plan and goal if they had ended.

        :class:`NotFound` for an unknown task; :class:`Conflict` with ``code`` ``invalid_transition``
        for any other status, or ``dependencies_not_met`` when a dependency of it ended without
        completing (retry that one first)."""
        return cast(Task, self._client.send(_core.retry_call(task_id, reason)))

    def request_approval(
        self, task_id: str, agent_id: str, question: str, data: Optional[Mapping[str, Any]] = None
    ) -> Task:
        """``POST /tasks/{id}/request-approval``: the lease holder asks a person mid-task. The lease is
        released and the attempt does not count; the task waits in ``awaiting_approval`` with
        ``approval["question"]`` (and ``data``, what the person needs to decide) until someone
        approves it (it is claimable again) or rejects it (it fails). Event ``task.approval_requested``.
        :class:`LeaseLost` unless ``agent_id`` holds the lease."""
        return cast(Task, self._client.send(_core.request_approval_call(task_id, agent_id, question, data)))

    def approve_task(self, task_id: str, comment: Optional[str] = None) -> Task:
        """``POST /tasks/{id}/approve``: a task ``awaiting_approval`` becomes ``pending`` (claimable);
        ``approval`` records the decision (``decision: "approved"``, ``decided_by``, ``decided_at``,
        ``comment``). Event ``task.approved``.

        Needs an ``approve`` (or ``admin``) key that neither created the task nor asked:
        :class:`Forbidden` otherwise (a key cannot approve its own work). :class:`Conflict`
        (``invalid_transition``) when the task is not awaiting approval."""
        return cast(Task, self._client.send(_core.approve_call(task_id, comment)))

    def reject_task(self, task_id: str, reason: str) -> Task:
        """``POST /tasks/{id}/reject``: a task ``awaiting_approval`` fails with ``error``
        ``{"code": "rejected", "reason": reason}`` and its dependents are skipped. Event
        ``task.rejected``. The same keys may reject as may approve (see :meth:`approve_task`)."""
        return cast(Task, self._client.send(_core.reject_call(task_id, reason)))

    def bulk(
        self,
        action: str,
        *,
        plan_id: Optional[str] = None,
        status: Optional[str] = None,
        task_type: Optional[str] = None,
        agent_id: Optional[str] = None,
    ) -> BulkOutcome:
        """``POST /tasks/bulk``: ``action`` (``"cancel"`` or ``"retry"``) on every task of the tenant the
        filter matches (up to 10,000, oldest first), each as :meth:`cancel` or :meth:`retry` would.

        Only the filter members given are sent; at least one is needed, else :class:`ValidationError`
        naming ``filter``. The answer says how many tasks ``matched``, ``changed`` and stayed
        ``unchanged``, lists in ``problems`` the first tasks left as they were and why, and is
        ``truncated`` when more matched (call it again)."""
        call = _core.bulk_call(action, plan_id, status, task_type, agent_id)
        return cast(BulkOutcome, self._client.send(call))

    def progress(
        self,
        task_id: str,
        agent_id: str,
        message: Optional[str] = None,
        *,
        percent: Optional[float] = None,
        data: Optional[JSONObject] = None,
    ) -> Event:
        """Reports a step of the work as a ``task.progress`` event; the task itself does not change.
        :class:`LeaseLost` unless ``agent_id`` holds the lease; at most 20 per second per task (more
        are rate limited and retried after ``Retry-After``)."""
        return cast(Event, self._client.send(_core.progress_call(task_id, agent_id, message, percent, data)))

    def history(self, task_id: str, *, after: int = 0, page_size: Optional[int] = None) -> Iterator[Event]:
        """Every event about the task, oldest first (``GET /tasks/{id}/events``), page after page."""
        position = after
        while True:
            page = cast(EventPage, self._client.send(_core.history_call(task_id, position, page_size)))
            yield from page["data"]
            if not page["data"]:
                return
            position = page["next_after"]


class Keys:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        name: str,
        scope: str = "write",
        *,
        tenant: Optional[str] = None,
        expires_at: Optional[str] = None,
        rate_limit: Optional[Mapping[str, Any]] = None,
    ) -> ApiKeyCreated:
        """``POST /api/v1/keys`` (admin): the answer holds the secret ``key``, shown only this once.
        ``scope`` is one of :data:`~agentic_client.types.KEY_SCOPES` (``"approve"`` may also approve
        and reject tasks)."""
        return cast(
            ApiKeyCreated, self._client.send(_core.key_create_call(name, scope, tenant, expires_at, rate_limit))
        )

    def list(self, *, tenant: Optional[str] = None) -> List[ApiKey]:
        """The keys of this tenant (or ``tenant``, or ``"*"`` for all: admins of the default tenant)."""
        answer = self._client.send(Call("GET", "/keys", params=_core.params(tenant=tenant)))
        return cast(List[ApiKey], answer["data"])

    def revoke(self, key_id: str) -> None:
        self._client.send(Call("DELETE", f"/keys/{key_id}"))

    def whoami(self) -> WhoAmI:
        """``GET /api/v1/whoami`` (any scope): this client's key — its id, tenant, scope, rate limit."""
        return cast(WhoAmI, self._client.send(Call("GET", "/whoami")))


class Limits:
    """Concurrency limits (``/api/v1/limits/concurrency``): claims never hand out a task whose
    ``concurrency_key`` is at its limit. Any key reads them; only an admin key sets or deletes one."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def set_concurrency(self, key: str, max_running: int) -> ConcurrencyLimit:
        """``PUT /limits/concurrency/{key}`` (admin): at most ``max_running`` (1–1,000,000) tasks with
        ``concurrency_key == key`` run at once. Creates the limit or changes it; it holds back claims
        only (tasks already running keep running). ``key`` may hold any character (it is
        percent-encoded in the path)."""
        return cast(ConcurrencyLimit, self._client.send(_core.limit_set_call(key, max_running)))

    def get_concurrency(self, key: str) -> ConcurrencyLimit:
        """``GET /limits/concurrency/{key}``: the limit and how many of its tasks are ``running``;
        :class:`NotFound` when the key has none."""
        return cast(ConcurrencyLimit, self._client.send(_core.limit_get_call(key)))

    def list_concurrency(self) -> List[ConcurrencyLimit]:
        """``GET /limits/concurrency``: every limit of the tenant (one list, no pages)."""
        answer = self._client.send(_core.limit_list_call())
        return cast(List[ConcurrencyLimit], answer["data"])

    def delete_concurrency(self, key: str) -> None:
        """``DELETE /limits/concurrency/{key}`` (admin): the key's tasks are no longer limited;
        :class:`NotFound` when it had no limit."""
        self._client.send(_core.limit_delete_call(key))


class Settings:
    """The tenant's own defaults (``/api/v1/settings``): any key reads them, only an admin changes them."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(self) -> TenantSettings:
        """``GET /settings``: ``{"default_retry_policy": {...} or None, "updated_at": ... or None}``."""
        return cast(TenantSettings, self._client.send(_core.settings_get_call()))

    def update(
        self, *, default_retry_policy: Optional[Mapping[str, Any]] = _core.NOT_GIVEN, **extra: Any
    ) -> TenantSettings:
        """``PATCH /settings`` (admin): changes only the settings given, and answers them all.

        ``default_retry_policy`` is the policy a task without its own ``retry_policy`` follows after a
        retryable failure or an expired lease (read when the retry is scheduled): a dict of
        ``initial_seconds``, ``multiplier``, ``max_seconds``, ``jitter`` (members left out take their
        defaults), or ``None`` to clear it (sent as JSON ``null``). Bad values are a
        :class:`ValidationError` naming ``default_retry_policy.<member>``; a call naming no setting
        at all is sent as ``{}`` and the server refuses it: :class:`ValidationError` (400,
        ``code == "no_fields"``)."""
        call = _core.settings_update_call(default_retry_policy, extra)
        return cast(TenantSettings, self._client.send(call))


class Webhooks:
    """Webhooks (``/api/v1/webhooks``): the tenant's events POSTed to a URL as they happen, signed
    with the webhook's secret (see :func:`~agentic_client.verify_webhook`), at least once and in order
    per resource. Only an admin key reads or changes them: any other is :class:`Forbidden`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        url: str,
        types: Union[str, Sequence[str]],
        secret: Optional[str] = None,
        *,
        webhook_id: Optional[str] = None,
    ) -> WebhookCreated:
        """``POST /webhooks``: events of ``types`` (1–50 exact types and prefixes ending in ``.``: a
        list, or a comma string) go to ``url`` (``http`` or ``https``). The answer holds the
        ``secret`` (16–256 characters, or a generated ``whsec_`` and 64 hex digits when None), shown
        only this once. :class:`ValidationError` naming ``url`` when its host is not on
        :meth:`allowed_hosts`."""
        return cast(WebhookCreated, self._client.send(_core.webhook_create_call(url, types, secret, webhook_id)))

    def list(self) -> List[Webhook]:
        """``GET /webhooks``: every webhook of the tenant, newest first (one list, no pages), no secrets."""
        answer = self._client.send(_core.webhook_list_call())
        return cast(List[Webhook], answer["data"])

    def get(self, webhook_id: str) -> Webhook:
        """``GET /webhooks/{id}`` (without its secret); :class:`NotFound` when there is none."""
        return cast(Webhook, self._client.send(_core.webhook_get_call(webhook_id)))

    def delete(self, webhook_id: str) -> None:
        """``DELETE /webhooks/{id}``: the webhook and its deliveries; :class:`NotFound` when there is none."""
        self._client.send(_core.webhook_delete_call(webhook_id))

    def deliveries(
        self, webhook_id: str, *, page_size: Optional[int] = None, max_items: Optional[int] = None
    ) -> PageIterator[WebhookDelivery]:
        """``GET /webhooks/{id}/deliveries``: its deliveries, newest first, each with its ``state``,
        ``attempts`` and the last one's ``last_status`` / ``last_error``, page after page (pages of
        ``page_size``, 1–200, default 50)."""

        def fetch(cursor: Optional[str]) -> Any:
            return self._client.send(_core.webhook_deliveries_call(webhook_id, page_size, cursor))

        return PageIterator(fetch, max_items)

    def redeliver(self, webhook_id: str, delivery_id: str) -> WebhookDelivery:
        """``POST /webhooks/{id}/deliveries/{delivery_id}/redeliver``: the delivery is due now, whatever
        its state, with another 24 hours to succeed; the answer is it, ``pending``."""
        return cast(WebhookDelivery, self._client.send(_core.webhook_redeliver_call(webhook_id, delivery_id)))

    def allowed_hosts(self) -> WebhookAllowedHosts:
        """``GET /webhooks/allowed-hosts``: ``{"hosts": [...], "updated_at": ... or None}``."""
        return cast(WebhookAllowedHosts, self._client.send(_core.webhook_hosts_get_call()))

    def set_allowed_hosts(self, hosts: Union[str, Sequence[str]]) -> WebhookAllowedHosts:
        """``PUT /webhooks/allowed-hosts``: replaces the list (at most 100 exact host names or IP
        addresses, without scheme or port; ``[]`` empties it). Webhooks may target only these hosts,
        on any port: checked at create and at every attempt (a host removed gets failed attempts)."""
        return cast(WebhookAllowedHosts, self._client.send(_core.webhook_hosts_set_call(hosts)))


class Events:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(
        self,
        after: Optional[int] = None,
        types: Types = None,
        wait: Optional[float] = None,
        limit: Optional[int] = None,
        *,
        resource_id: Optional[str] = None,
    ) -> EventPage:
        """One page of events after ``after``, oldest first: ``{"data": [...], "next_after": N}``.

        ``types`` takes exact types and prefixes ending in ``.`` (a list or a comma string);
        ``resource_id`` keeps only the events about that resource; ``wait`` (≤ 30 s) holds the request
        until something arrives."""
        call = _core.events_call(after, types, wait, limit, self._client.config.timeout, resource_id)
        return cast(EventPage, self._client.send(call))

    def iter(
        self,
        after: int = 0,
        types: Types = None,
        *,
        page_size: Optional[int] = None,
        follow: bool = False,
        wait: float = 25.0,
        resource_id: Optional[str] = None,
    ) -> Iterator[Event]:
        """Every event after ``after`` (of ``types``, about ``resource_id``), page after page; with
        ``follow`` it then waits for new ones (long-polls) forever instead of stopping at the end of the log."""
        position = after
        while True:
            wait_for = wait if follow else None
            page = self.list(after=position, types=types, wait=wait_for, limit=page_size, resource_id=resource_id)
            position = page["next_after"]
            for event in page["data"]:
                yield event
            if not page["data"] and not follow:
                return

    def stream(
        self,
        types: Types = None,
        last_event_id: Optional[int] = None,
        *,
        after: Optional[int] = None,
        reconnect: bool = True,
        read_timeout: float = 45.0,
        max_reconnect_delay: float = 30.0,
        resource_id: Optional[str] = None,
    ) -> "EventStream":
        """Server-Sent Events from ``GET /events/stream`` (of ``types``, about ``resource_id``): an
        iterator of events that reconnects by itself after a dropped connection and resumes with
        ``Last-Event-ID`` (no gap, no repeat)."""
        return EventStream(
            self._client, types, last_event_id, after, reconnect, read_timeout, max_reconnect_delay, resource_id
        )

    def publish(self, type: str, data: Optional[JSONObject] = None, *, resource_id: Optional[str] = None) -> Event:
        """Appends a client event (``POST /api/v1/events``; types start with ``x.``)."""
        return cast(Event, self._client.send(_core.publish_call(type, data, resource_id)))

    def head(self) -> int:
        """The id of the newest event this key can see (0 when none), in O(log n) small requests."""

        def first_after(position: int) -> Optional[int]:
            data = self.list(after=position, limit=1)["data"]
            return data[0]["event_id"] if data else None

        last = first_after(0)
        if last is None:
            return 0
        step = 1
        while True:
            found = first_after(last + step - 1)
            if found is None:
                break
            last, step = found, step * 2
        low, high = last, last + step
        while high - low > 1:
            middle = (low + high) // 2
            found = first_after(middle - 1)
            if found is not None and found < high:
                low = found
            else:
                high = middle
        return low


class EventStream:
    """An endless iterator of events from ``GET /api/v1/events/stream``.

    It reconnects by itself after the connection drops (after the server's ``retry:`` delay, longer
    after repeated failures) and resumes with ``Last-Event-ID``: nothing missed, nothing twice.
    ``last_event_id`` is the id of the last event handed out; ``reconnects`` counts reconnections.
    Use it in a ``with`` block or call :meth:`close` to end it."""

    def __init__(
        self,
        client: Client,
        types: Types,
        last_event_id: Optional[int],
        after: Optional[int],
        reconnect: bool,
        read_timeout: float,
        max_reconnect_delay: float,
        resource_id: Optional[str] = None,
    ) -> None:
        self._client = client
        self._types = types
        self._resource_id = resource_id
        self._after = after
        self._reconnect = reconnect
        self._read_timeout = read_timeout
        self._max_delay = max_reconnect_delay
        self.last_event_id = last_event_id
        self.reconnects = 0
        self.keep_alives = 0
        self._events = self._generate()

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> Event:
        return next(self._events)

    def close(self) -> None:
        self._events.close()

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.close()

    def _generate(self) -> Generator[Event, None, None]:
        client = self._client
        url = client.config.url("/events/stream")
        delay = 1.0
        failures = 0
        timeout = httpx.Timeout(connect=10.0, read=self._read_timeout, write=10.0, pool=10.0)
        while True:
            query, extra = _core.stream_request(self._types, self._resource_id, self.last_event_id, self._after)
            headers = dict(client._headers)
            headers.update(extra)
            try:
                with client._http.stream("GET", url, params=query, headers=headers, timeout=timeout) as response:
                    if response.status_code >= 400:
                        response.read()
                        error = error_from_response(response)
                        if response.status_code not in _core.STREAM_RETRYABLE or not self._reconnect:
                            raise error
                        delay = max(delay, error.retry_after or 0.0)
                        log.info("event stream: %s; reconnecting", error)
                    else:
                        failures = 0
                        decoder = _core.SSEDecoder()
                        keep_alives = self.keep_alives
                        for line in response.iter_lines():
                            sse = decoder.feed(line)
                            if decoder.retry_ms is not None:
                                delay = decoder.retry_ms / 1000.0
                            self.keep_alives = keep_alives + decoder.comments
                            if sse is None or not sse.data:
                                continue
                            event_id, event = _core.event_from_sse(sse)
                            if self.last_event_id is not None and event_id <= self.last_event_id:
                                continue
                            self.last_event_id = event_id
                            yield cast(Event, event)
            except (httpx.TransportError, json.JSONDecodeError) as exc:
                if not self._reconnect:
                    raise ConnectionFailed(f"event stream: {exc!r}", cause=exc) from exc
                log.info("event stream dropped (%r); resuming after event %s", exc, self.last_event_id)
            if not self._reconnect:
                return
            failures += 1
            self.reconnects += 1
            time.sleep(min(self._max_delay, delay * (2 ** min(failures - 1, 5))))
