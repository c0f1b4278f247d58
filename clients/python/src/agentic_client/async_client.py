"""The asynchronous client: :class:`AsyncClient` (the same calls as :class:`Client`, awaited)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from types import TracebackType
from typing import (
    Any,
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Generic,
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


class AsyncClient:
    """An asynchronous client of the Agentic API (httpx ``AsyncClient`` underneath).

    ::

        async with AsyncClient("http://127.0.0.1:8080", api_key="agk_...") as client:
            agent = await client.agents.create(name="researcher")
            async for task in client.tasks.list(plan_id=plan_id):
                ...

    Arguments as for :class:`Client`.
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
        transport: Optional[httpx.AsyncBaseTransport] = None,
        http_client: Optional[httpx.AsyncClient] = None,
    ) -> None:
        self.config = ClientConfig.make(base_url, api_key, timeout, retry, max_attempts, headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            timeout=timeout, transport=transport, limits=httpx.Limits(max_connections=100, max_keepalive_connections=20)
        )
        self._headers = self.config.default_headers()
        self.claim_next_supported: Optional[bool] = None
        """Whether the server accepts ``claim_next`` on complete: None until the first such call."""
        self.agents = AsyncAgents(self)
        self.goals = AsyncGoals(self)
        self.plans = AsyncPlans(self)
        self.tasks = AsyncTasks(self)
        self.events = AsyncEvents(self)
        self.keys = AsyncKeys(self)
        self.limits = AsyncLimits(self)
        self.settings = AsyncSettings(self)
        self.webhooks = AsyncWebhooks(self)

    @classmethod
    def from_config(cls, config: ClientConfig, **kwargs: Any) -> "AsyncClient":
        return cls(
            config.base_url,
            config.api_key,
            timeout=config.timeout,
            retry=config.retry,
            headers=config.headers,
            **kwargs,
        )

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        await self.aclose()

    async def request(
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
        return await self.send(call)

    async def send(self, call: Call) -> Any:
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
                response = await self._http.request(
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
                await asyncio.sleep(delay)
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
                await asyncio.sleep(min(2.0, 0.05 * (2 ** min(in_progress_waits, 6))))
                continue
            if lost_answer and call.method == "DELETE" and error.status == 404:
                return None
            delay = policy.delay_after_error(error, attempt)
            if delay is None:
                raise error
            log.info("%s %s: %s; retrying in %.2f s (attempt %d)", call.method, call.path, error, delay, attempt)
            await asyncio.sleep(delay)

    async def openapi(self) -> str:
        return cast(str, await self.send(Call("GET", "/openapi.yaml", absolute=True, text=True)))

    async def ready(self) -> JSONObject:
        return cast(JSONObject, await self.send(Call("GET", "/health/ready", absolute=True)))

    async def documents(self, method: str, path: str) -> bool:
        return _core.openapi_documents(await self.openapi(), method, path)

    # --- the seed platform's L01Client method names (thin aliases) ---

    async def create_agent(
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
        return cast(Agent, await self.send(_core.create_call("agents", body)))

    async def get_agent(self, agent_id: str) -> Agent:
        return await self.agents.get(agent_id)

    async def list_agents(
        self, status: Optional[str] = None, limit: int = 100, agent_type: Optional[str] = None
    ) -> List[Agent]:
        return [
            a
            async for a in self.agents.list(
                status=status, agent_type=agent_type, page_size=min(limit, 200), max_items=limit
            )
        ]

    async def update_agent(self, agent_id: str, updates: Optional[Mapping[str, Any]] = None, **fields: Any) -> Agent:
        return await self.agents.update(agent_id, updates, **fields)

    async def delete_agent(self, agent_id: str) -> None:
        await self.agents.delete(agent_id)

    async def create_goal(
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
        return cast(Goal, await self.send(_core.create_call("goals", body)))

    async def get_goal(self, goal_id: str) -> Goal:
        return await self.goals.get(goal_id)

    async def update_goal(self, goal_id: str, updates: Optional[Mapping[str, Any]] = None, **fields: Any) -> Goal:
        return await self.goals.update(goal_id, updates, **fields)

    async def list_goals(
        self, agent_id: Optional[str] = None, status: Optional[str] = None, limit: int = 100
    ) -> List[Goal]:
        return [
            g
            async for g in self.goals.list(agent_id=agent_id, status=status, page_size=min(limit, 200), max_items=limit)
        ]

    async def create_plan(
        self,
        goal_id: str,
        agent_id: Optional[str] = None,
        steps: Optional[Sequence[Mapping[str, Any]]] = None,
        plan_type: str = "sequential",
        **fields: Any,
    ) -> Plan:
        return await self.create_plan_with_steps(goal_id, agent_id, list(steps or []), plan_type, **fields)

    async def create_plan_with_steps(
        self,
        goal_id: str,
        agent_id: Optional[str],
        steps: Sequence[Mapping[str, Any]],
        plan_type: str = "sequential",
        **fields: Any,
    ) -> Plan:
        """See :meth:`Client.create_plan_with_steps`."""
        body = _core.plan_with_steps_request(goal_id, agent_id, steps, plan_type, fields)
        return cast(Plan, await self.send(_core.create_call("plans", body)))

    async def get_plan(self, plan_id: str) -> Plan:
        return await self.plans.get(plan_id)

    async def update_plan(self, plan_id: str, updates: Optional[Mapping[str, Any]] = None, **fields: Any) -> Plan:
        return await self.plans.update(plan_id, updates, **fields)

    async def create_task(
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
        return cast(Task, await self.send(_core.create_call("tasks", body)))

    async def update_task(self, task_id: str, updates: Optional[Mapping[str, Any]] = None, **fields: Any) -> Task:
        changes = _core.merge(updates, **fields)
        changes.pop("completed_at", None)
        return await self.tasks.update(task_id, changes)

    async def publish_event(
        self,
        event_type: str,
        aggregate_id: Optional[str] = None,
        payload: Optional[JSONObject] = None,
        aggregate_type: Optional[str] = None,
        metadata: Optional[JSONObject] = None,
    ) -> Event:
        call = _core.seed_publish_call(event_type, aggregate_id, payload, aggregate_type, metadata)
        return cast(Event, await self.send(call))

    async def query_events(
        self, event_type: Optional[str] = None, aggregate_id: Optional[str] = None, limit: int = 100, after: int = 0
    ) -> List[Event]:
        """See :meth:`Client.query_events`."""
        found: List[Event] = []
        if limit > 0:
            async for event in self.events.iter(after=after, **_core.seed_query_args(event_type, aggregate_id, limit)):
                found.append(event)
                if len(found) >= limit:
                    break
        return found


class AsyncPageIterator(Generic[R]):
    """The items of a list, page after page (following ``next_cursor``): ``async for item in ...``."""

    def __init__(self, fetch: Callable[[Optional[str]], Awaitable[Any]], max_items: Optional[int] = None) -> None:
        self._fetch = fetch
        self._max_items = max_items
        self._items = self._generate()
        self.next_cursor: Optional[str] = None
        self.pages_fetched = 0

    async def pages(self) -> AsyncIterator[List[R]]:
        cursor: Optional[str] = None
        while True:
            page = await self._fetch(cursor)
            self.pages_fetched += 1
            cursor = page.get("next_cursor")
            self.next_cursor = cursor
            yield cast(List[R], page["data"])
            if not cursor:
                return

    async def _generate(self) -> AsyncIterator[R]:
        count = 0
        if self._max_items is not None and self._max_items <= 0:
            return
        async for page in self.pages():
            for item in page:
                yield item
                count += 1
                if self._max_items is not None and count >= self._max_items:
                    return

    def __aiter__(self) -> "AsyncPageIterator[R]":
        return self

    async def __anext__(self) -> R:
        return await self._items.__anext__()

    async def to_list(self) -> List[R]:
        return [item async for item in self]


class _AsyncResource(Generic[R]):
    _kind = ""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def _create(self, body: Dict[str, Any], idempotency_key: Optional[str]) -> R:
        return cast(R, await self._client.send(_core.create_call(self._kind, body, idempotency_key)))

    async def get(self, resource_id: str) -> R:
        return cast(R, await self._client.send(_core.get_call(self._kind, resource_id)))

    async def update(
        self,
        resource_id: str,
        changes: Optional[Mapping[str, Any]] = None,
        *,
        if_version: Optional[int] = None,
        **fields: Any,
    ) -> R:
        body = _core.merge(changes, **fields)
        return cast(R, await self._client.send(_core.update_call(self._kind, resource_id, body, if_version)))

    async def delete(self, resource_id: str, *, if_version: Optional[int] = None) -> None:
        await self._client.send(_core.delete_call(self._kind, resource_id, if_version))

    def _list(
        self, filters: Dict[str, Any], page_size: Optional[int], max_items: Optional[int]
    ) -> AsyncPageIterator[R]:
        async def fetch(cursor: Optional[str]) -> Any:
            return await self._client.send(_core.list_call(self._kind, filters, page_size, cursor))

        return AsyncPageIterator(fetch, max_items)


class AsyncAgents(_AsyncResource[Agent]):
    _kind = "agents"

    async def create(
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
        return await self._create(body, idempotency_key)

    def list(
        self,
        *,
        status: Optional[str] = None,
        agent_type: Optional[str] = None,
        page_size: Optional[int] = None,
        max_items: Optional[int] = None,
        **filters: Any,
    ) -> AsyncPageIterator[Agent]:
        return self._list(_core.merge(filters, status=status, agent_type=agent_type), page_size, max_items)


class AsyncGoals(_AsyncResource[Goal]):
    _kind = "goals"

    async def create(
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
        return await self._create(body, idempotency_key)

    def list(
        self,
        *,
        status: Optional[str] = None,
        agent_id: Optional[str] = None,
        page_size: Optional[int] = None,
        max_items: Optional[int] = None,
        **filters: Any,
    ) -> AsyncPageIterator[Goal]:
        return self._list(_core.merge(filters, status=status, agent_id=agent_id), page_size, max_items)

    async def cancel(self, goal_id: str, reason: Optional[str] = None) -> Goal:
        return cast(Goal, await self._client.send(_core.cancel_call("goals", goal_id, reason)))


class AsyncPlans(_AsyncResource[Plan]):
    _kind = "plans"

    async def create(
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
        return await self._create(body, idempotency_key)

    def list(
        self,
        *,
        status: Optional[str] = None,
        agent_id: Optional[str] = None,
        goal_id: Optional[str] = None,
        page_size: Optional[int] = None,
        max_items: Optional[int] = None,
        **filters: Any,
    ) -> AsyncPageIterator[Plan]:
        return self._list(_core.merge(filters, status=status, agent_id=agent_id, goal_id=goal_id), page_size, max_items)

    async def cancel(self, plan_id: str, reason: Optional[str] = None) -> Plan:
        return cast(Plan, await self._client.send(_core.cancel_call("plans", plan_id, reason)))


class AsyncTasks(_AsyncResource[Task]):
    _kind = "tasks"

    async def create(
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
        return await self._create(body, idempotency_key)

    def list(
        self,
        *,
        status: Optional[str] = None,
        agent_id: Optional[str] = None,
        plan_id: Optional[str] = None,
        page_size: Optional[int] = None,
        max_items: Optional[int] = None,
        **filters: Any,
    ) -> AsyncPageIterator[Task]:
        return self._list(_core.merge(filters, status=status, agent_id=agent_id, plan_id=plan_id), page_size, max_items)

    async def claim(
        self,
        agent_id: str,
        *,
        task_types: Optional[Sequence[str]] = None,
        plan_id: Optional[str] = None,
        lease_seconds: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> List[Task]:
        answer = await self._client.send(_core.claim_call(agent_id, task_types, plan_id, lease_seconds, limit))
        return cast(List[Task], answer["data"])

    async def heartbeat(self, task_id: str, agent_id: str, *, lease_seconds: Optional[int] = None) -> Task:
        return cast(Task, await self._client.send(_core.heartbeat_call(task_id, agent_id, lease_seconds)))

    async def release(self, task_id: str, agent_id: str) -> Task:
        """See :meth:`Tasks.release`."""
        return cast(Task, await self._client.send(_core.release_call(task_id, agent_id)))

    @overload
    async def complete(
        self,
        task_id: str,
        agent_id: str,
        outputs: Optional[JSONObject] = None,
        *,
        usage: Optional[Mapping[str, Any]] = None,
    ) -> Task: ...

    @overload
    async def complete(
        self,
        task_id: str,
        agent_id: str,
        outputs: Optional[JSONObject] = None,
        *,
        claim_next: Mapping[str, Any],
        usage: Optional[Mapping[str, Any]] = None,
    ) -> CompleteResult: ...

    async def complete(
        self,
        task_id: str,
        agent_id: str,
        outputs: Optional[JSONObject] = None,
        *,
        claim_next: Optional[Mapping[str, Any]] = None,
        usage: Optional[Mapping[str, Any]] = None,
    ) -> Union[Task, CompleteResult]:
        """See :meth:`Tasks.complete`."""
        if claim_next is None:
            return cast(Task, await self._client.send(_core.complete_call(task_id, agent_id, outputs, None, usage)))
        if self._client.claim_next_supported is not False:
            try:
                answer = await self._client.send(_core.complete_call(task_id, agent_id, outputs, claim_next, usage))
            except AgenticError as error:
                if not _core.rejects_claim_next(error):
                    raise
                log.info("the server does not take claim_next on complete; claiming separately from now on")
                self._client.claim_next_supported = False
            else:
                self._client.claim_next_supported = True
                return cast(CompleteResult, _core.complete_result(answer))
        task = cast(Task, await self._client.send(_core.complete_call(task_id, agent_id, outputs, None, usage)))
        claimed = await self.claim(agent_id, **_core.claim_args(claim_next))
        return CompleteResult(task=task, next=claimed)

    async def fail(
        self,
        task_id: str,
        agent_id: str,
        error: Union[str, BaseException, Mapping[str, Any], None] = None,
        *,
        retryable: Optional[bool] = None,
        usage: Optional[Mapping[str, Any]] = None,
    ) -> Task:
        """See :meth:`Tasks.fail`."""
        return cast(Task, await self._client.send(_core.fail_call(task_id, agent_id, error, retryable, usage)))

    async def cancel(self, task_id: str, reason: Optional[str] = None) -> Task:
        return cast(Task, await self._client.send(_core.cancel_call("tasks", task_id, reason)))

    async def retry(self, task_id: str, reason: Optional[str] = None) -> Task:
        """See :meth:`Tasks.retry`."""
        return cast(Task, await self._client.send(_core.retry_call(task_id, reason)))

    async def request_approval(
        self, task_id: str, agent_id: str, question: str, data: Optional[Mapping[str, Any]] = None
    ) -> Task:
        """See :meth:`Tasks.request_approval`."""
        return cast(Task, await self._client.send(_core.request_approval_call(task_id, agent_id, question, data)))

    async def approve_task(self, task_id: str, comment: Optional[str] = None) -> Task:
        """See :meth:`Tasks.approve_task`."""
        return cast(Task, await self._client.send(_core.approve_call(task_id, comment)))

    async def reject_task(self, task_id: str, reason: str) -> Task:
        """See :meth:`Tasks.reject_task`."""
        return cast(Task, await self._client.send(_core.reject_call(task_id, reason)))

    async def bulk(
        self,
        action: str,
        *,
        plan_id: Optional[str] = None,
        status: Optional[str] = None,
        task_type: Optional[str] = None,
        agent_id: Optional[str] = None,
    ) -> BulkOutcome:
        """See :meth:`Tasks.bulk`."""
        call = _core.bulk_call(action, plan_id, status, task_type, agent_id)
        return cast(BulkOutcome, await self._client.send(call))

    async def progress(
        self,
        task_id: str,
        agent_id: str,
        message: Optional[str] = None,
        *,
        percent: Optional[float] = None,
        data: Optional[JSONObject] = None,
    ) -> Event:
        """See :meth:`Tasks.progress`."""
        return cast(Event, await self._client.send(_core.progress_call(task_id, agent_id, message, percent, data)))

    async def history(self, task_id: str, *, after: int = 0, page_size: Optional[int] = None) -> AsyncIterator[Event]:
        """See :meth:`Tasks.history`."""
        position = after
        while True:
            page = cast(EventPage, await self._client.send(_core.history_call(task_id, position, page_size)))
            for event in page["data"]:
                yield event
            if not page["data"]:
                return
            position = page["next_after"]


class AsyncKeys:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        name: str,
        scope: str = "write",
        *,
        tenant: Optional[str] = None,
        expires_at: Optional[str] = None,
        rate_limit: Optional[Mapping[str, Any]] = None,
    ) -> ApiKeyCreated:
        return cast(
            ApiKeyCreated, await self._client.send(_core.key_create_call(name, scope, tenant, expires_at, rate_limit))
        )

    async def list(self, *, tenant: Optional[str] = None) -> List[ApiKey]:
        answer = await self._client.send(Call("GET", "/keys", params=_core.params(tenant=tenant)))
        return cast(List[ApiKey], answer["data"])

    async def revoke(self, key_id: str) -> None:
        await self._client.send(Call("DELETE", f"/keys/{key_id}"))

    async def whoami(self) -> WhoAmI:
        """``GET /api/v1/whoami`` (any scope): this client's key — its id, tenant, scope, rate limit."""
        return cast(WhoAmI, await self._client.send(Call("GET", "/whoami")))


class AsyncLimits:
    """See :class:`Limits`: concurrency limits, awaited."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def set_concurrency(self, key: str, max_running: int) -> ConcurrencyLimit:
        """``PUT /limits/concurrency/{key}`` (admin): creates or changes the key's limit."""
        return cast(ConcurrencyLimit, await self._client.send(_core.limit_set_call(key, max_running)))

    async def get_concurrency(self, key: str) -> ConcurrencyLimit:
        """``GET /limits/concurrency/{key}``; :class:`NotFound` when the key has no limit."""
        return cast(ConcurrencyLimit, await self._client.send(_core.limit_get_call(key)))

    async def list_concurrency(self) -> List[ConcurrencyLimit]:
        """``GET /limits/concurrency``: every limit of the tenant."""
        answer = await self._client.send(_core.limit_list_call())
        return cast(List[ConcurrencyLimit], answer["data"])

    async def delete_concurrency(self, key: str) -> None:
        """``DELETE /limits/concurrency/{key}`` (admin); :class:`NotFound` when the key has no limit."""
        await self._client.send(_core.limit_delete_call(key))


class AsyncSettings:
    """See :class:`Settings`: the tenant's own defaults, awaited."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(self) -> TenantSettings:
        """``GET /settings``."""
        return cast(TenantSettings, await self._client.send(_core.settings_get_call()))

    async def update(
        self, *, default_retry_policy: Optional[Mapping[str, Any]] = _core.NOT_GIVEN, **extra: Any
    ) -> TenantSettings:
        """``PATCH /settings`` (admin), as :meth:`Settings.update`: ``None`` clears the policy (JSON
        ``null``); naming no setting is the server's 400 (:class:`ValidationError`, ``no_fields``)."""
        call = _core.settings_update_call(default_retry_policy, extra)
        return cast(TenantSettings, await self._client.send(call))


class AsyncWebhooks:
    """See :class:`Webhooks`: the tenant's webhooks and their deliveries (admin), awaited."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        url: str,
        types: Union[str, Sequence[str]],
        secret: Optional[str] = None,
        *,
        webhook_id: Optional[str] = None,
    ) -> WebhookCreated:
        """``POST /webhooks``; the answer's ``secret`` is shown only this once."""
        call = _core.webhook_create_call(url, types, secret, webhook_id)
        return cast(WebhookCreated, await self._client.send(call))

    async def list(self) -> List[Webhook]:
        """``GET /webhooks``: every webhook of the tenant, newest first, no secrets."""
        answer = await self._client.send(_core.webhook_list_call())
        return cast(List[Webhook], answer["data"])

    async def get(self, webhook_id: str) -> Webhook:
        """``GET /webhooks/{id}``; :class:`NotFound` when there is none."""
        return cast(Webhook, await self._client.send(_core.webhook_get_call(webhook_id)))

    async def delete(self, webhook_id: str) -> None:
        """``DELETE /webhooks/{id}``: the webhook and its deliveries."""
        await self._client.send(_core.webhook_delete_call(webhook_id))

    def deliveries(
        self, webhook_id: str, *, page_size: Optional[int] = None, max_items: Optional[int] = None
    ) -> AsyncPageIterator[WebhookDelivery]:
        """``GET /webhooks/{id}/deliveries``, newest first: ``async for delivery in ...``."""

        async def fetch(cursor: Optional[str]) -> Any:
            return await self._client.send(_core.webhook_deliveries_call(webhook_id, page_size, cursor))

        return AsyncPageIterator(fetch, max_items)

    async def redeliver(self, webhook_id: str, delivery_id: str) -> WebhookDelivery:
        """``POST /webhooks/{id}/deliveries/{delivery_id}/redeliver``: due now, ``pending``."""
        call = _core.webhook_redeliver_call(webhook_id, delivery_id)
        return cast(WebhookDelivery, await self._client.send(call))

    async def allowed_hosts(self) -> WebhookAllowedHosts:
        """``GET /webhooks/allowed-hosts``."""
        return cast(WebhookAllowedHosts, await self._client.send(_core.webhook_hosts_get_call()))

    async def set_allowed_hosts(self, hosts: Union[str, Sequence[str]]) -> WebhookAllowedHosts:
        """``PUT /webhooks/allowed-hosts``: replaces the list."""
        return cast(WebhookAllowedHosts, await self._client.send(_core.webhook_hosts_set_call(hosts)))


class AsyncEvents:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(
        self,
        after: Optional[int] = None,
        types: Types = None,
        wait: Optional[float] = None,
        limit: Optional[int] = None,
        *,
        resource_id: Optional[str] = None,
    ) -> EventPage:
        """See :meth:`Events.list`."""
        call = _core.events_call(after, types, wait, limit, self._client.config.timeout, resource_id)
        return cast(EventPage, await self._client.send(call))

    async def iter(
        self,
        after: int = 0,
        types: Types = None,
        *,
        page_size: Optional[int] = None,
        follow: bool = False,
        wait: float = 25.0,
        resource_id: Optional[str] = None,
    ) -> AsyncIterator[Event]:
        """See :meth:`Events.iter`."""
        position = after
        while True:
            wait_for = wait if follow else None
            page = await self.list(after=position, types=types, wait=wait_for, limit=page_size, resource_id=resource_id)
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
    ) -> "AsyncEventStream":
        """See :meth:`Events.stream`."""
        return AsyncEventStream(
            self._client, types, last_event_id, after, reconnect, read_timeout, max_reconnect_delay, resource_id
        )

    async def publish(
        self, type: str, data: Optional[JSONObject] = None, *, resource_id: Optional[str] = None
    ) -> Event:
        return cast(Event, await self._client.send(_core.publish_call(type, data, resource_id)))

    async def head(self) -> int:
        """The id of the newest event this key can see (0 when none), in O(log n) small requests."""

        async def first_after(position: int) -> Optional[int]:
            data = (await self.list(after=position, limit=1))["data"]
            return data[0]["event_id"] if data else None

        last = await first_after(0)
        if last is None:
            return 0
        step = 1
        while True:
            found = await first_after(last + step - 1)
            if found is None:
                break
            last, step = found, step * 2
        low, high = last, last + step
        while high - low > 1:
            middle = (low + high) // 2
            found = await first_after(middle - 1)
            if found is not None and found < high:
                low = found
            else:
                high = middle
        return low


class AsyncEventStream:
    """See :class:`EventStream`: ``async for event in client.events.stream(...)``; ``await aclose()``."""

    def __init__(
        self,
        client: AsyncClient,
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

    def __aiter__(self) -> "AsyncEventStream":
        return self

    async def __anext__(self) -> Event:
        return await self._events.__anext__()

    async def aclose(self) -> None:
        await self._events.aclose()

    async def __aenter__(self) -> "AsyncEventStream":
        return self

    async def __aexit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        await self.aclose()

    async def _generate(self) -> AsyncGenerator[Event, None]:
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
                async with client._http.stream("GET", url, params=query, headers=headers, timeout=timeout) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        error = error_from_response(response)
                        if response.status_code not in _core.STREAM_RETRYABLE or not self._reconnect:
                            raise error
                        delay = max(delay, error.retry_after or 0.0)
                        log.info("event stream: %s; reconnecting", error)
                    else:
                        failures = 0
                        decoder = _core.SSEDecoder()
                        keep_alives = self.keep_alives
                        async for line in response.aiter_lines():
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
            await asyncio.sleep(min(self._max_delay, delay * (2 ** min(failures - 1, 5))))
