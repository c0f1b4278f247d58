"""A worker that drains the work queue with your handlers: :class:`Worker`.

::

    worker = Worker(client, agent_id=agent_id, concurrency=4, lease_seconds=60)

    @worker.task("research")
    def research(task: WorkerTask) -> dict:
        return {"summary": summarise(task.inputs["topic"])}

    worker.run()   # until SIGTERM/SIGINT

It claims ready tasks of its handlers' types, heartbeats each at a third of the lease while its
handler runs, completes it with the handler's dict (or fails it with the handler's exception —
retryable unless it is :class:`NonRetryable`) along with what the handler counted with
:meth:`WorkerTask.add_usage`, and waits for new work on the event log (with a timer
as well, so a missed event never stalls it). A handler that needs a person's decision first calls
:meth:`WorkerTask.request_approval`: the worker gives the task back to wait for it (the attempt not
counted), and runs the handler again once the task is approved. A task cancelled while its handler runs shows
``task.cancelled``; its late result is dropped quietly. On SIGTERM/SIGINT it stops claiming and
finishes what it holds; what is still running after ``drain_timeout`` is released (pending again at
once, the attempt not counted) so another worker picks it up, and so is what a claim in flight
brings after the stop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    TypeVar,
    Union,
)

from . import _core

from .async_client import AsyncClient
from .client import Client
from .errors import AgenticError, LeaseLost, NotFound
from .types import Event, JSONObject, Task, Usage

log = logging.getLogger("agentic_client.worker")

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")

Handler = Callable[["WorkerTask"], Any]
Until = Callable[[], Union[bool, Awaitable[bool]]]

WAKE_TYPES = (
    "task.created",
    "task.updated",
    "task.completed",
    "task.retried",
    "task.lease_expired",
    "task.released",
    "task.cancelled",
    "task.reopened",
    "task.approved",
    "goal.budget_exhausted",
    "plan.budget_exhausted",
    "agent.budget_exhausted",
    "goal.updated",
    "plan.updated",
    "agent.updated",
)
"""The events that may make a task ready (or cancel one a handler runs): what the worker waits on.
A goal, plan or agent whose budget ran out holds its work back until an update raises it, so an
update of one whose budget is not (or no longer) exhausted wakes the worker too."""

ANY_TYPE = "*"


class NonRetryable(Exception):
    """Raised by a handler: the task fails for good instead of going back to the queue."""


class TaskCancelled(Exception):
    """Raised by :meth:`WorkerTask.raise_if_cancelled` once the task was cancelled or its lease lost."""


class ApprovalRequested(Exception):
    """Raised by :meth:`WorkerTask.request_approval`: the handler stops here and the worker asks a
    person (``POST /tasks/{id}/request-approval``) instead of completing or failing the task. Let it
    propagate out of the handler (a handler that catches every ``Exception`` should re-raise it)."""

    def __init__(self, question: str, data: Optional[JSONObject] = None) -> None:
        super().__init__(question)
        self.question = question
        self.data = data


class WorkerTask:
    """What a handler gets: the claimed task (``.data``, or ``task["inputs"]``) and its ``.cancelled`` flag.

    ``cancelled`` turns true when the task is cancelled (or its lease is lost) while the handler runs;
    the handler may stop early (:meth:`raise_if_cancelled`, :meth:`wait_cancelled`) — whatever it
    returns afterwards is dropped. :meth:`add_usage` counts what the work costs;
    :meth:`request_approval` stops the work until a person approves it."""

    def __init__(self, data: Task) -> None:
        self.data: Task = data
        self._cancelled = threading.Event()
        self._async_waiters: List[asyncio.Future[None]] = []
        self.reason: Optional[str] = None
        self._usage: Optional[Usage] = None
        self._usage_lock = threading.Lock()

    @property
    def task_id(self) -> str:
        return self.data["task_id"]

    @property
    def id(self) -> str:
        return self.data["task_id"]

    @property
    def task_type(self) -> str:
        return self.data["task_type"]

    @property
    def inputs(self) -> JSONObject:
        return self.data["inputs"]

    @property
    def attempts(self) -> int:
        return self.data["attempts"]

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def approval(self) -> Optional[JSONObject]:
        """The task's ``approval`` when it was claimed: the question asked and the decision (None
        when it never waited for one)."""
        return self.data.get("approval")

    def request_approval(self, question: str, data: Optional[JSONObject] = None) -> JSONObject:
        """Asks a person before going on: raises :class:`ApprovalRequested`, which ends the handler;
        the worker then sends ``question`` (and ``data``, what the person needs to decide) with
        ``tasks.request_approval``. The task waits in ``awaiting_approval`` (its lease released, the
        attempt not counted). Once someone approves it, it is claimed again and the handler runs from
        the start: this call then finds the decision on the task and returns the approval (with the
        approver's ``comment``, if any) instead of asking again. A rejection fails the task.

        Only the question last decided is remembered, so ask a task one question (put what a person
        needs into ``data``). What :meth:`add_usage` counted before asking is not reported (the
        worker reports usage with a completion or failure only)."""
        approval = self.approval
        if approval is not None and approval.get("decision") == "approved" and approval.get("question") == question:
            return approval
        raise ApprovalRequested(question, data)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]  # type: ignore[literal-required]

    def add_usage(self, input_tokens: int = 0, output_tokens: int = 0, cost_usd: float = 0.0) -> None:
        """Counts what the work cost — a model call's tokens and price, say; call it after each one,
        from any thread. The worker reports the sum with the task's completion, or with its failure
        when the handler raises afterwards (the server adds it to the task, its plan and goal, and the
        agent, whose budgets it may use up). Nothing is reported for a result that is dropped
        (cancelled, lease lost) or a task given back when the worker stops.

        :class:`TypeError` for a count that is not a whole number (or a price not a number),
        :class:`ValueError` for a negative one."""
        _check_usage("input_tokens", input_tokens, whole=True)
        _check_usage("output_tokens", output_tokens, whole=True)
        _check_usage("cost_usd", cost_usd, whole=False)
        with self._usage_lock:
            so_far = self._usage or Usage(input_tokens=0, output_tokens=0, cost_usd=0.0)
            self._usage = Usage(
                input_tokens=so_far["input_tokens"] + input_tokens,
                output_tokens=so_far["output_tokens"] + output_tokens,
                cost_usd=so_far["cost_usd"] + cost_usd,
            )

    @property
    def usage(self) -> Optional[Usage]:
        """What :meth:`add_usage` counted so far (None when the handler reported nothing)."""
        with self._usage_lock:
            return None if self._usage is None else Usage(**self._usage)

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise TaskCancelled(self.reason or "cancelled")

    def wait_cancelled(self, timeout: Optional[float] = None) -> bool:
        """Blocks (a sync handler's interruptible sleep) until cancelled or ``timeout``; True if cancelled."""
        return self._cancelled.wait(timeout)

    async def sleep(self, seconds: float) -> bool:
        """An async handler's interruptible sleep: True if it ended because the task was cancelled."""
        if self.cancelled:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._async_waiters.append(future)
        try:
            await asyncio.wait_for(asyncio.shield(future), seconds)
        except asyncio.TimeoutError:
            pass
        finally:
            self._async_waiters.remove(future)
        return self.cancelled

    def _cancel(self, reason: str) -> None:
        if self.cancelled:
            return
        self.reason = reason
        self._cancelled.set()
        for future in list(self._async_waiters):
            if not future.done():
                future.set_result(None)

    def __repr__(self) -> str:
        return f"WorkerTask({self.task_id!r}, type={self.task_type!r}, cancelled={self.cancelled})"


def _check_usage(name: str, value: Any, whole: bool) -> None:
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise TypeError(f"{name} must be {'a whole number' if whole else 'a number'}, not {value!r}")
    if (isinstance(value, float) and not math.isfinite(value)) or value < 0:
        raise ValueError(f"{name} must be 0 or more (and finite), not {value!r}")


@dataclass
class WorkerStats:
    claimed: int = 0
    completed: int = 0
    failed: int = 0
    dropped: int = 0
    released: int = 0
    awaiting_approval: int = 0
    """Tasks whose handler asked a person (:meth:`WorkerTask.request_approval`) and were given back."""


class Worker:
    """Runs handlers for claimed tasks. See the module documentation.

    - ``client``: a :class:`Client` or :class:`AsyncClient` (the worker works asynchronously; given a
      sync client it makes an async one with the same URL, key, timeout and retry policy — pass an
      :class:`AsyncClient` to choose its transport too).
    - ``agent_id``: the agent the worker claims as (created, named ``agent_name``, when None).
    - ``task_types``: the types to claim; by default those of the registered handlers (every type
      when a catch-all handler, ``@worker.task()``, is registered).
    - ``concurrency``: tasks run at once; ``lease_seconds``: the lease asked for (heartbeats go at a
      third of it); ``plan_id``: claim only that plan's tasks.
    - ``poll_interval``: the longest it waits for work without an event; ``event_wait``: the
      long-poll on the event log; ``drain_timeout``: how long a stop waits for running handlers.
    - ``use_claim_next``: complete and claim the next task in one request when the server offers it.
    """

    def __init__(
        self,
        client: Union[Client, AsyncClient],
        agent_id: Optional[str] = None,
        task_types: Optional[Sequence[str]] = None,
        *,
        concurrency: int = 4,
        lease_seconds: int = 60,
        plan_id: Optional[str] = None,
        poll_interval: float = 5.0,
        event_wait: float = 20.0,
        drain_timeout: float = 30.0,
        use_claim_next: bool = True,
        agent_name: Optional[str] = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not 1 <= lease_seconds <= 3600:
            raise ValueError("lease_seconds must be between 1 and 3600")
        self._client_given = client
        self.agent_id = agent_id
        self.agent_name = agent_name or f"worker-{socket.gethostname()}-{os.getpid()}"
        self._task_types = list(task_types) if task_types is not None else None
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds
        self.plan_id = plan_id
        self.poll_interval = poll_interval
        self.event_wait = event_wait
        self.drain_timeout = drain_timeout
        self.use_claim_next = use_claim_next
        self.stats = WorkerStats()
        self._handlers: Dict[str, Handler] = {}
        self._active: Dict[str, WorkerTask] = {}
        self._running: Set[asyncio.Task[None]] = set()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._wake: Optional[asyncio.Event] = None
        self._stop_requested = False
        self._signals = 0
        self._client: Optional[AsyncClient] = None

    # --- registration ---

    def task(self, task_type: Optional[str] = None) -> Callable[[F], F]:
        """Registers the decorated function (sync or async) as the handler of ``task_type`` (of every
        type without a handler of its own when None)."""

        def register(handler: F) -> F:
            self.handle(task_type, handler)
            return handler

        return register

    def handle(self, task_type: Optional[str], handler: Handler) -> None:
        self._handlers[task_type or ANY_TYPE] = handler

    @property
    def task_types(self) -> Optional[List[str]]:
        """What the worker claims: the given types, else its handlers' (None: every type)."""
        if self._task_types is not None:
            return list(self._task_types)
        if ANY_TYPE in self._handlers:
            return None
        return sorted(self._handlers)

    def _handler_for(self, task_type: str) -> Optional[Handler]:
        return self._handlers.get(task_type) or self._handlers.get(ANY_TYPE)

    # --- running ---

    def run(self, *, until: Optional[Until] = None, handle_signals: bool = True) -> WorkerStats:
        """Runs until :meth:`stop`, SIGTERM/SIGINT (in the main thread), or ``until()`` answers true
        while the worker is idle; then finishes (or releases) what it holds. Returns the stats."""
        asyncio.run(self.run_async(until=until, handle_signals=handle_signals))
        return self.stats

    def stop(self) -> None:
        """Stops claiming; running handlers are finished (up to ``drain_timeout``). Thread-safe."""
        self._stop_requested = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._wake_up)
            except RuntimeError:
                pass

    def _on_signal(self, name: str) -> None:
        self._signals += 1
        if self._signals == 1:
            log.info("%s: no more claims; finishing %d running task(s)", name, len(self._active))
        else:
            log.info("%s again: releasing running tasks now", name)
            self.drain_timeout = 0.0
        self.stop()

    def _wake_up(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def run_async(self, *, until: Optional[Until] = None, handle_signals: bool = False) -> WorkerStats:
        """:meth:`run` for an event loop that is already running."""
        if not self._handlers:
            raise ValueError("no handlers: register one with @worker.task(...)")
        types = self.task_types
        if types is not None and ANY_TYPE not in self._handlers:
            missing = [t for t in types if t not in self._handlers]
            if missing:
                raise ValueError(f"no handler for task types {missing}")
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._signals = 0
        owned = not isinstance(self._client_given, AsyncClient)
        client = (
            self._client_given
            if isinstance(self._client_given, AsyncClient)
            else AsyncClient.from_config(self._client_given.config)
        )
        if isinstance(self._client_given, Client) and self._client_given.claim_next_supported is not None:
            client.claim_next_supported = self._client_given.claim_next_supported
        self._client = client
        installed: List[signal.Signals] = []
        if handle_signals and threading.current_thread() is threading.main_thread():
            for sig, name in ((signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")):
                try:
                    self._loop.add_signal_handler(sig, self._on_signal, name)
                    installed.append(sig)
                except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix loops
                    pass
        watcher: Optional[asyncio.Task[None]] = None
        try:
            if self.agent_id is None:
                agent = await client.agents.create(self.agent_name, agent_type="worker", status="active")
                self.agent_id = agent["agent_id"]
                log.info("created agent %s (%s)", self.agent_name, self.agent_id)
            log.info(
                "worker %s claiming %s (concurrency %d, lease %d s)",
                self.agent_id,
                ",".join(types) if types else "every type",
                self.concurrency,
                self.lease_seconds,
            )
            watcher = asyncio.ensure_future(self._watch_events(client))
            await self._claim_loop(client, until)
        finally:
            if watcher is not None:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
            await self._drain(client)
            for sig in installed:
                self._loop.remove_signal_handler(sig)
            if isinstance(self._client_given, Client):
                self._client_given.claim_next_supported = client.claim_next_supported
            if owned:
                await client.aclose()
            self._client = None
            self._stop_requested = False  # the worker may run again
            log.info(
                "worker %s stopped: %d claimed, %d completed, %d failed, %d dropped, %d released",
                self.agent_id,
                self.stats.claimed,
                self.stats.completed,
                self.stats.failed,
                self.stats.dropped,
                self.stats.released,
            )
        return self.stats

    async def _claim_loop(self, client: AsyncClient, until: Optional[Until]) -> None:
        assert self._wake is not None and self.agent_id is not None
        failures = 0
        while not self._stop_requested:
            self._wake.clear()
            free = self.concurrency - len(self._active)
            claimed: List[Task] = []
            if free > 0:
                try:
                    claimed = await client.tasks.claim(
                        self.agent_id,
                        task_types=self.task_types,
                        plan_id=self.plan_id,
                        lease_seconds=self.lease_seconds,
                        limit=free,
                    )
                    failures = 0
                except AgenticError as error:
                    failures += 1
                    log.warning("claim failed: %s", error)
                    await self._sleep_or_wake(min(self.poll_interval, 0.5 * 2 ** min(failures, 5)))
                    continue
                if self._stop_requested and claimed:
                    log.info("stopping: giving back the %d task(s) claimed just now", len(claimed))
                    await self._release(client, [task["task_id"] for task in claimed])
                    break
                for task in claimed:
                    self._start(client, task)
            if claimed and len(claimed) == free:
                continue  # every slot taken: the next pass waits for one to free up
            if not self._active and not claimed and until is not None and await self._ask(until):
                log.info("nothing left to do")
                break
            await self._sleep_or_wake(self.poll_interval)

    async def _ask(self, until: Until) -> bool:
        try:
            if inspect.iscoroutinefunction(until):
                return bool(await until())
            loop = asyncio.get_running_loop()
            answer = await loop.run_in_executor(None, until)
            if inspect.isawaitable(answer):
                answer = await answer
            return bool(answer)
        except Exception as error:  # e.g. the server is unreachable right now: ask again later
            log.warning("until() failed: %s", error)
            return False

    async def _sleep_or_wake(self, seconds: float) -> None:
        assert self._wake is not None
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def _watch_events(self, client: AsyncClient) -> None:
        """Long-polls the event log and wakes the claim loop when work may have become ready."""
        position: Optional[int] = None
        while not self._stop_requested:
            try:
                if position is None:
                    position = await client.events.head()
                page = await client.events.list(after=position, types=WAKE_TYPES, wait=self.event_wait, limit=200)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the timer keeps the worker going meanwhile
                log.debug("event watch failed: %s", error)
                await asyncio.sleep(min(self.poll_interval, 2.0))
                continue
            position = page["next_after"]
            wake = False
            for event in page["data"]:
                if self._note_event(event):
                    wake = True
            if wake:
                self._wake_up()

    def _note_event(self, event: Event) -> bool:
        data = event.get("data") or {}
        task_id = event.get("resource_id")
        kind, _, change = event["type"].partition(".")
        if kind != "task":
            return self._note_budget(kind, change, task_id or "", data)
        if event["type"] == "task.cancelled":
            held = self._active.get(task_id or "")
            if held is not None:
                held._cancel("the task was cancelled")
            return False
        if self.plan_id is not None and data.get("plan_id") != self.plan_id:
            return False
        if event["type"] == "task.completed":
            return True  # its dependents, of any type, may be ready now
        types = self.task_types
        return types is None or data.get("task_type") in types

    def _note_budget(self, kind: str, change: str, resource_id: str, data: Mapping[str, Any]) -> bool:
        """A goal's, plan's or its own agent's budget ran out (logged), or an update may have raised it:
        worth a claim. Any update of one whose budget is not exhausted wakes the worker — it cannot
        tell a raise from another change, nor know of a budget that ran out before it started, and
        such updates (an admin's or planner's PATCH) are few."""
        if kind == "agent" and resource_id != self.agent_id:
            return False
        if change == "budget_exhausted":
            log_at = logging.WARNING if kind == "agent" else logging.INFO
            usage = data.get("usage")
            log.log(log_at, "%s %s: budget used up (%s); its work waits until it is raised", kind, resource_id, usage)
            return False
        return change == "updated" and data.get("budget_exhausted") is False

    def _start(self, client: AsyncClient, task: Task) -> None:
        held = WorkerTask(task)
        earlier = self._active.get(task["task_id"])
        if earlier is not None:
            # Handed out again, so the earlier lease is gone (leases are per agent, not per claim).
            earlier._cancel("the lease was lost: the task was claimed again")
        self._active[task["task_id"]] = held
        self.stats.claimed += 1
        job = asyncio.ensure_future(self._execute(client, held))
        self._running.add(job)
        job.add_done_callback(self._running.discard)

    async def _execute(self, client: AsyncClient, held: WorkerTask) -> None:
        assert self.agent_id is not None
        task_id = held.task_id
        handler = self._handler_for(held.task_type)
        heartbeat = asyncio.ensure_future(self._heartbeat(client, held))
        next_tasks: List[Task] = []
        try:
            result: Any = None
            failure: Optional[BaseException] = None
            started = time.monotonic()
            try:
                if handler is None:
                    raise NonRetryable(f"no handler for task type {held.task_type!r}")
                result = await self._call(handler, held)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failure = error
            finally:
                heartbeat.cancel()
                await asyncio.gather(heartbeat, return_exceptions=True)
            elapsed = time.monotonic() - started
            if held.cancelled:
                self.stats.dropped += 1
                log.info("task %s: %s; its result is dropped", task_id, held.reason)
                return
            if failure is None:
                next_tasks = await self._complete(client, held, result, elapsed)
            elif isinstance(failure, ApprovalRequested):
                await self._ask_approval(client, held, failure)
            else:
                await self._fail(client, held, failure)
        finally:
            if self._active.get(task_id) is held:
                del self._active[task_id]
            for task in next_tasks:
                self._start(client, task)
            self._wake_up()

    async def _call(self, handler: Handler, held: WorkerTask) -> Any:
        if inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(type(handler).__call__):
            return await handler(held)
        result = await self._in_thread(handler, held)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def _in_thread(self, handler: Handler, held: WorkerTask) -> Any:
        """Runs a sync handler in a daemon thread (one that is stuck never keeps the process alive)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def settle(value: Any, error: Optional[BaseException]) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)

        def target() -> None:
            try:
                value, error = handler(held), None
            except BaseException as exc:  # handed to the loop, which decides
                value, error = None, exc
            try:
                loop.call_soon_threadsafe(settle, value, error)
            except RuntimeError:  # the loop is gone: the worker ended without this task
                pass

        threading.Thread(target=target, name=f"agentic-task-{held.task_id[:8]}", daemon=True).start()
        return await future

    async def _heartbeat(self, client: AsyncClient, held: WorkerTask) -> None:
        assert self.agent_id is not None
        interval = self.lease_seconds / 3.0
        while True:
            await asyncio.sleep(interval)
            try:
                await client.tasks.heartbeat(held.task_id, self.agent_id, lease_seconds=self.lease_seconds)
            except LeaseLost as error:
                held._cancel(f"the lease was lost ({error.detail})")
                return
            except NotFound:
                held._cancel("the task was deleted")
                return
            except AgenticError as error:
                log.warning("task %s: heartbeat failed: %s", held.task_id, error)

    def _claim_next(self) -> Optional[Dict[str, Any]]:
        client = self._client
        if not self.use_claim_next or self._stop_requested or client is None or client.claim_next_supported is False:
            return None
        claim: Dict[str, Any] = {"lease_seconds": self.lease_seconds, "limit": 1}
        types = self.task_types
        if types is not None:
            claim["task_types"] = types
        if self.plan_id is not None:
            claim["plan_id"] = self.plan_id
        return claim

    async def _with_usage(self, held: WorkerTask, send: Callable[[Optional[Usage]], Awaitable[R]]) -> R:
        """Sends a completion or failure with the handler's usage. A usage the server refuses (out of
        range, or a server that does not know it) is dropped with a warning rather than the outcome:
        the work is done, and failing to record it would only have it done again."""
        usage = held.usage
        try:
            return await send(usage)
        except AgenticError as error:
            if usage is None or not _core.rejects_usage(error):
                raise
            log.warning("task %s: usage %s refused (%s); reported without it", held.task_id, usage, error)
            return await send(None)

    async def _complete(self, client: AsyncClient, held: WorkerTask, result: Any, elapsed: float) -> List[Task]:
        agent_id = self.agent_id
        assert agent_id is not None
        outputs = _outputs(result)
        claim_next = self._claim_next()

        async def send(usage: Optional[Usage]) -> List[Task]:
            if claim_next is None:
                await client.tasks.complete(held.task_id, agent_id, outputs, usage=usage)
                return []
            answer = await client.tasks.complete(held.task_id, agent_id, outputs, claim_next=claim_next, usage=usage)
            return answer["next"]

        try:
            next_tasks = await self._with_usage(held, send)
        except LeaseLost as error:
            self.stats.dropped += 1
            log.info("task %s: lease lost before completion (%s); result dropped", held.task_id, error.detail)
            return []
        except AgenticError as error:
            log.error(
                "task %s: could not complete: %s (its lease will run out and it will be retried)", held.task_id, error
            )
            return []
        self.stats.completed += 1
        log.info("task %s (%s) completed in %.3f s", held.task_id, held.task_type, elapsed)
        if next_tasks and self._stop_requested:
            log.info("stopping: giving back the %d task(s) that came with the completion", len(next_tasks))
            await self._release(client, [task["task_id"] for task in next_tasks])
            return []
        return next_tasks

    async def _fail(self, client: AsyncClient, held: WorkerTask, failure: BaseException) -> None:
        agent_id = self.agent_id
        assert agent_id is not None
        retryable = not isinstance(failure, NonRetryable)

        async def send(usage: Optional[Usage]) -> Task:
            return await client.tasks.fail(held.task_id, agent_id, error=failure, retryable=retryable, usage=usage)

        try:
            await self._with_usage(held, send)
        except LeaseLost:
            self.stats.dropped += 1
            log.info("task %s: lease lost before the failure was recorded", held.task_id)
            return
        except AgenticError as error:
            log.error("task %s: could not record its failure: %s", held.task_id, error)
            return
        self.stats.failed += 1
        log.warning(
            "task %s (%s) failed%s: %s: %s",
            held.task_id,
            held.task_type,
            "" if retryable else " for good",
            type(failure).__name__,
            failure,
        )

    async def _ask_approval(self, client: AsyncClient, held: WorkerTask, asked: ApprovalRequested) -> None:
        agent_id = self.agent_id
        assert agent_id is not None
        try:
            await client.tasks.request_approval(held.task_id, agent_id, asked.question, asked.data)
        except LeaseLost:
            self.stats.dropped += 1
            log.info("task %s: lease lost before its question was sent", held.task_id)
            return
        except AgenticError as error:
            log.error(
                "task %s: could not ask for approval: %s (its lease will run out and it will be retried)",
                held.task_id,
                error,
            )
            return
        self.stats.awaiting_approval += 1
        log.info("task %s (%s) awaits approval: %s", held.task_id, held.task_type, asked.question)

    async def _drain(self, client: AsyncClient) -> None:
        """Waits for running handlers up to ``drain_timeout``, then releases what is left."""
        if not self._running:
            return
        log.info("waiting up to %.1f s for %d running task(s)", self.drain_timeout, len(self._running))
        started = time.monotonic()
        while self._running:
            remaining = started + self.drain_timeout - time.monotonic()  # a second signal shortens it
            if remaining <= 0:
                break
            await asyncio.wait(set(self._running), timeout=min(remaining, 0.25))
        if not self._running:
            return
        leftovers = list(self._active.values())
        for held in leftovers:
            held._cancel("the worker stopped")
        jobs = list(self._running)
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        await self._release(client, [held.task_id for held in leftovers])
        self._active.clear()

    async def _release(self, client: AsyncClient, task_ids: Sequence[str]) -> None:
        """Gives tasks back unfinished (``POST /tasks/{id}/release``): pending again at once for
        another worker, the attempt not counted, so a worker stopping never spends a task's retries."""
        assert self.agent_id is not None
        for task_id in task_ids:
            try:
                await client.tasks.release(task_id, self.agent_id)
            except AgenticError as error:
                log.warning("task %s: could not release it (%s); its lease will run out", task_id, error)
                continue
            self.stats.released += 1
            log.info("task %s released", task_id)


def _outputs(result: Any) -> JSONObject:
    if result is None:
        return {}
    if isinstance(result, Mapping):
        return dict(result)
    return {"result": result}


__all__ = ["ApprovalRequested", "NonRetryable", "TaskCancelled", "WAKE_TYPES", "Worker", "WorkerStats", "WorkerTask"]
