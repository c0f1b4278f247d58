"""The Worker, in this process: handlers, failures, cancellation, stopping, waking on events, and
both ways of claiming the next task (claim_next on complete, or a separate claim)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any, Callable, Dict, List, Optional

import httpx
import pytest
from conftest import Tenant
from support import wait_until

from agentic_client import AsyncClient, Client, NonRetryable, Worker, WorkerTask
from agentic_client._core import openapi_schema_has_property
from agentic_client.types import FINAL_PLAN_STATUSES


def start(worker: Worker, until: Optional[Callable[[], bool]] = None) -> threading.Thread:
    thread = threading.Thread(target=worker.run, kwargs={"until": until, "handle_signals": False}, daemon=True)
    thread.start()
    return thread


def plan_final(client: Client, plan_id: str) -> Callable[[], bool]:
    return lambda: client.plans.get(plan_id)["status"] in FINAL_PLAN_STATUSES


def new_plan(client: Client) -> str:
    return client.plans.create(client.goals.create("g")["goal_id"])["plan_id"]


def test_sync_and_async_handlers(client: Client) -> None:
    agent = client.agents.create("w")["agent_id"]
    plan = new_plan(client)
    first = client.tasks.create(plan, name="r", task_type="research", inputs={"topic": "ants"})
    second = client.tasks.create(plan, name="w", task_type="write", depends_on=[first["task_id"]])
    seen: List[str] = []
    worker = Worker(client, agent_id=agent, concurrency=2, lease_seconds=30, poll_interval=1)

    @worker.task("research")
    def research(task: WorkerTask) -> Dict[str, Any]:
        seen.append(threading.current_thread().name)
        assert not task.cancelled and task.data["status"] == "running" and task["inputs"] == {"topic": "ants"}
        return {"summary": task.inputs["topic"].upper()}

    @worker.task("write")
    async def write(task: WorkerTask) -> Dict[str, Any]:
        await asyncio.sleep(0.01)
        return {"words": 3}

    assert worker.task_types == ["research", "write"]
    stats = worker.run(until=plan_final(client, plan), handle_signals=False)
    assert stats.completed == 2 and stats.claimed == 2 and stats.failed == 0
    assert client.tasks.get(first["task_id"])["outputs"] == {"summary": "ANTS"}
    assert client.tasks.get(second["task_id"])["outputs"] == {"words": 3}
    assert client.plans.get(plan)["status"] == "completed"
    assert seen and seen[0].startswith("agentic-task-")  # sync handlers run off the event loop


def test_failures_retry_and_non_retryable(client: Client) -> None:
    agent = client.agents.create("w")["agent_id"]
    plan = new_plan(client)
    flaky = client.tasks.create(plan, name="flaky", task_type="flaky", max_attempts=3)
    broken = client.tasks.create(plan, name="broken", task_type="broken", max_attempts=2)
    doomed = client.tasks.create(plan, name="doomed", task_type="doomed", max_attempts=5)
    attempts: Dict[str, int] = {}
    worker = Worker(client, agent_id=agent, lease_seconds=30, poll_interval=0.5)

    @worker.task()
    def handle(task: WorkerTask) -> Optional[Dict[str, Any]]:
        attempts[task.task_type] = attempts.get(task.task_type, 0) + 1
        if task.task_type == "flaky" and task.attempts < 3:
            raise ConnectionError("try again")
        if task.task_type == "broken":
            raise ValueError("always broken")
        if task.task_type == "doomed":
            raise NonRetryable("bad input")
        return None

    assert worker.task_types is None  # a catch-all handler claims every type
    stats = worker.run(until=plan_final(client, plan), handle_signals=False)
    assert attempts == {"flaky": 3, "broken": 2, "doomed": 1}
    assert client.tasks.get(flaky["task_id"])["status"] == "completed"
    assert client.tasks.get(flaky["task_id"])["outputs"] == {}
    failed = client.tasks.get(broken["task_id"])
    assert failed["status"] == "failed" and failed["error"] == {"type": "ValueError", "message": "always broken"}
    final = client.tasks.get(doomed["task_id"])
    assert final["status"] == "failed" and final["attempts"] == 1
    assert final["error"] == {"type": "NonRetryable", "message": "bad input"}
    assert stats.failed == 5 and stats.completed == 1
    retried = [e for e in client.events.iter(types="task.retried")]
    assert sorted(e["data"]["name"] for e in retried) == ["broken", "flaky", "flaky"]


def test_cancelled_task_is_seen_and_its_result_dropped(client: Client) -> None:
    agent = client.agents.create("w")["agent_id"]
    plan = new_plan(client)
    task = client.tasks.create(plan, name="long", task_type="long")
    running = threading.Event()
    noticed = threading.Event()
    worker = Worker(client, agent_id=agent, lease_seconds=3, poll_interval=0.5)

    @worker.task("long")
    def long(task: WorkerTask) -> Dict[str, Any]:
        running.set()
        if task.wait_cancelled(20):
            noticed.set()
        return {"late": True}

    thread = start(worker)
    assert running.wait(10)
    client.tasks.cancel(task["task_id"])
    assert noticed.wait(10)
    wait_until(lambda: worker.stats.dropped == 1, 10, what="the late result to be dropped")
    worker.stop()
    thread.join(10)
    assert not thread.is_alive()
    after = client.tasks.get(task["task_id"])
    assert after["status"] == "cancelled" and after["outputs"] == {}
    assert [e["type"] for e in client.events.iter(types="task.") if e["resource_id"] == task["task_id"]] == [
        "task.created",
        "task.claimed",
        "task.cancelled",
    ]


def test_lease_lost_on_heartbeat_sets_cancelled(client: Client) -> None:
    """The heartbeat's 409 lease_lost (here: the task is put back to pending under the handler)."""
    agent = client.agents.create("w")["agent_id"]
    plan = new_plan(client)
    task = client.tasks.create(plan, name="t", task_type="t")
    running = threading.Event()
    reasons: List[str] = []
    worker = Worker(client, agent_id=agent, concurrency=1, lease_seconds=3, poll_interval=0.5)

    @worker.task("t")
    async def handle(task: WorkerTask) -> Dict[str, Any]:
        if task.attempts > 1:
            return {"attempt": task.attempts}
        running.set()
        if await task.sleep(20):
            reasons.append(task.reason or "")
        return {"attempt": 1}

    thread = start(worker, until=plan_final(client, plan))
    assert running.wait(10)
    client.tasks.update(task["task_id"], status="pending")  # back to the queue: the lease is gone
    thread.join(20)
    assert not thread.is_alive()
    assert len(reasons) == 1 and "lease" in reasons[0]
    assert client.tasks.get(task["task_id"])["outputs"] == {"attempt": 2}  # the first attempt's result was dropped
    assert worker.stats.dropped == 1 and worker.stats.completed == 1


def test_wakes_on_events_not_on_the_timer(client: Client) -> None:
    agent = client.agents.create("w")["agent_id"]
    plan = new_plan(client)
    done = threading.Event()
    worker = Worker(client, agent_id=agent, lease_seconds=30, poll_interval=60, event_wait=20)

    @worker.task("quick")
    def quick(task: WorkerTask) -> Dict[str, Any]:
        done.set()
        return {}

    thread = start(worker)
    time.sleep(1.0)  # the worker found nothing and now waits on the event log
    started = time.monotonic()
    client.tasks.create(plan, name="new", task_type="quick")
    assert done.wait(10)
    assert time.monotonic() - started < 5  # far sooner than the 60-s timer
    worker.stop()
    thread.join(10)


def test_stop_finishes_running_tasks_and_claims_no_more(client: Client) -> None:
    agent = client.agents.create("w")["agent_id"]
    plan = new_plan(client)
    for i in range(5):
        client.tasks.create(plan, name=f"t{i}", task_type="slow")
    running = threading.Semaphore(0)
    worker = Worker(client, agent_id=agent, concurrency=2, lease_seconds=30, poll_interval=0.5)

    @worker.task("slow")
    def slow(task: WorkerTask) -> Dict[str, Any]:
        running.release()
        time.sleep(0.8)
        return {"done": True}

    thread = start(worker)
    assert running.acquire(timeout=10) and running.acquire(timeout=10)
    worker.stop()
    thread.join(15)
    assert not thread.is_alive()
    assert worker.stats.claimed == 2 and worker.stats.completed == 2 and worker.stats.released == 0
    counts = client.plans.get(plan)["task_counts"]
    assert counts["completed"] == 2 and counts["pending"] == 3 and counts["running"] == 0


def test_drain_timeout_releases_what_is_still_running(client: Client) -> None:
    """Released, not failed: a task on its last attempt is pending again with the attempt not counted."""
    agent = client.agents.create("w")["agent_id"]
    plan = new_plan(client)
    task = client.tasks.create(plan, name="stuck", task_type="stuck", max_attempts=1)
    running = threading.Event()
    saw_cancel = threading.Event()
    worker = Worker(client, agent_id=agent, lease_seconds=30, poll_interval=0.5, drain_timeout=0.5)

    @worker.task("stuck")
    def stuck(task: WorkerTask) -> Dict[str, Any]:
        running.set()
        if task.wait_cancelled(30):
            saw_cancel.set()
        return {"too": "late"}

    thread = start(worker)
    assert running.wait(10)
    started = time.monotonic()
    worker.stop()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert saw_cancel.wait(5)
    released = client.tasks.get(task["task_id"])
    assert released["status"] == "pending" and released["attempts"] == 0 and released["error"] is None
    assert worker.stats.released == 1 and worker.stats.failed == 0
    assert [e["type"] for e in client.tasks.history(task["task_id"])][-2:] == ["task.claimed", "task.released"]


class StopDuring(httpx.AsyncBaseTransport):
    """The real server, but ``worker.stop()`` is called while a request whose path ends with
    ``suffix`` is on its way: what that request brings back arrives after the stop."""

    def __init__(self, suffix: str) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.suffix = suffix
        self.worker: Optional[Worker] = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith(self.suffix) and self.worker is not None:
            self.worker.stop()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def stopping_worker(tenant: Tenant, suffix: str, concurrency: int) -> "tuple[Worker, List[str]]":
    transport = StopDuring(suffix)
    worker = Worker(
        AsyncClient(tenant.base_url, tenant.key, transport=transport),
        agent_id=None,
        concurrency=concurrency,
        lease_seconds=30,
        poll_interval=0.5,
    )
    transport.worker = worker
    ran: List[str] = []

    @worker.task("job")
    def job(task: WorkerTask) -> Dict[str, Any]:
        ran.append(task.task_id)
        return {}

    return worker, ran


@pytest.mark.parametrize("during, concurrency, started, released", [("/tasks/claim", 2, 0, 2), ("/complete", 1, 1, 1)])
def test_tasks_that_come_after_the_stop_are_given_back(
    tenant: Tenant, during: str, concurrency: int, started: int, released: int
) -> None:
    """A claim, or a completion with claim_next, on its way when the worker is stopped brings tasks
    back: they are released (pending, the attempt not counted), never started."""
    client = tenant.client()
    plan = new_plan(client)
    for i in range(3):
        client.tasks.create(plan, name=f"t{i}", task_type="job", max_attempts=1)
    worker, ran = stopping_worker(tenant, during, concurrency)
    worker.run(handle_signals=False)
    assert len(ran) == worker.stats.completed == started and worker.stats.released == released
    statuses = sorted((t["status"], t["attempts"]) for t in client.tasks.list(plan_id=plan))
    assert statuses == [("completed", 1)] * started + [("pending", 0)] * (3 - started), statuses
    given_back = {e["resource_id"] for e in client.events.list(types="task.released")["data"]}
    assert len(given_back) == released and not given_back & set(ran)
    client.close()


# --- claim_next: complete and claim the next task in one request ------------------------------------


class ClaimNextServer(httpx.AsyncBaseTransport):
    """Plays a server that takes ``claim_next`` on complete (answering ``{"task", "next"}``), on top
    of the real one; or, with ``reject``, one that answers 422 naming the field."""

    def __init__(self, reject: bool = False) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.reject = reject
        self.combined = 0
        self.rejected = 0
        self.claims = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path.endswith("/tasks/claim"):
            self.claims += 1
        if request.method == "POST" and path.endswith("/complete"):
            body = json.loads(request.content)
            if "claim_next" in body:
                if self.reject:
                    self.rejected += 1
                    problem = {
                        "type": "urn:agentic:problem:validation_failed",
                        "title": "Unprocessable Content",
                        "status": 422,
                        "detail": "Invalid field `claim_next`: is not a known field",
                        "code": "validation_failed",
                        "request_id": "emulated",
                        "errors": [{"field": "claim_next", "message": "is not a known field"}],
                    }
                    return httpx.Response(422, json=problem, headers={"content-type": "application/problem+json"})
                claim = body.pop("claim_next")
                completed = await self._forward(request, path, body, "-complete")
                if completed.status_code >= 300:
                    return completed
                claimed = await self._forward(
                    request, "/api/v1/tasks/claim", {"agent_id": body["agent_id"], **claim}, "-claim"
                )
                self.combined += 1
                return httpx.Response(200, json={"task": completed.json(), "next": claimed.json()["data"]})
        return await self.inner.handle_async_request(request)

    async def _forward(self, original: httpx.Request, path: str, body: Dict[str, Any], suffix: str) -> httpx.Response:
        headers = {k: v for k, v in original.headers.items() if k.lower() not in ("content-length", "idempotency-key")}
        headers["idempotency-key"] = original.headers["idempotency-key"] + suffix
        request = httpx.Request(
            "POST", original.url.copy_with(path=path), headers=headers, content=json.dumps(body).encode()
        )
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    async def aclose(self) -> None:
        await self.inner.aclose()


def chain(client: Client, plan: str, n: int) -> List[str]:
    ids: List[str] = []
    for i in range(n):
        ids.append(client.tasks.create(plan, name=f"step {i}", task_type="step", depends_on=ids[-1:])["task_id"])
    return ids


def run_chain(tenant: Tenant, transport: Optional[ClaimNextServer]) -> "tuple[Worker, AsyncClient, Client, List[str]]":
    client = tenant.client()
    agent = client.agents.create("w")["agent_id"]
    plan = new_plan(client)
    ids = chain(client, plan, 6)
    async_client = AsyncClient(tenant.base_url, tenant.key, transport=transport)
    worker = Worker(async_client, agent_id=agent, concurrency=1, lease_seconds=30, poll_interval=5)
    order: List[str] = []

    @worker.task("step")
    def step(task: WorkerTask) -> Dict[str, Any]:
        order.append(task.task_id)
        return {"i": len(order)}

    worker.run(until=plan_final(client, plan), handle_signals=False)
    assert order == ids and client.plans.get(plan)["status"] == "completed"
    return worker, async_client, client, ids


def test_claim_next_when_the_server_offers_it(tenant: Tenant) -> None:
    emulated = ClaimNextServer()
    worker, async_client, client, ids = run_chain(tenant, emulated)
    assert async_client.claim_next_supported is True
    assert emulated.combined == 6  # every completion asked for the next task in the same request
    assert emulated.claims - emulated.combined <= 3  # the claim loop barely had to claim by itself
    assert worker.stats.completed == 6 and worker.stats.claimed == 6
    client.close()


def test_claim_next_falls_back_to_a_separate_claim(tenant: Tenant) -> None:
    emulated = ClaimNextServer(reject=True)
    worker, async_client, client, ids = run_chain(tenant, emulated)
    assert async_client.claim_next_supported is False
    assert emulated.rejected == 1  # detected once; no more claim_next after that
    assert worker.stats.completed == 6
    client.close()


def test_claim_next_against_this_server(tenant: Tenant) -> None:
    """This server takes claim_next (its document says so): the worker uses it and drains the chain."""
    client = tenant.client()
    assert openapi_schema_has_property(client.openapi(), "CompleteRequest", "claim_next")
    worker, async_client, client2, ids = run_chain(tenant, None)
    assert async_client.claim_next_supported is True
    client.close()
    client2.close()


def test_sync_client_complete_with_claim_next(client: Client) -> None:
    agent = client.agents.create("w")["agent_id"]
    plan = new_plan(client)
    ids = chain(client, plan, 2)
    [first] = client.tasks.claim(agent)
    result = client.tasks.complete(first["task_id"], agent, {"a": 1}, claim_next={"limit": 1, "lease_seconds": 30})
    assert result["task"]["status"] == "completed" and [t["task_id"] for t in result["next"]] == ids[1:]
    assert client.claim_next_supported is not None
    result = client.tasks.complete(ids[1], agent, {}, claim_next={"limit": 1})
    assert result["next"] == [] and client.plans.get(plan)["status"] == "completed"


def test_worker_needs_handlers(client: Client) -> None:
    with pytest.raises(ValueError):
        Worker(client, agent_id="a").run(handle_signals=False)
    worker = Worker(client, agent_id="a", task_types=["x", "y"])
    worker.task("x")(lambda task: {})
    with pytest.raises(ValueError):
        worker.run(handle_signals=False)


def test_worker_creates_its_agent(client: Client) -> None:
    plan = new_plan(client)
    client.tasks.create(plan, name="t")
    worker = Worker(client, agent_name="auto-worker", poll_interval=0.5)
    worker.task()(lambda task: {"ok": 1})
    worker.run(until=plan_final(client, plan), handle_signals=False)
    assert worker.agent_id is not None
    assert client.agents.get(worker.agent_id)["name"] == "auto-worker"
