"""tasks.release (POST /tasks/{id}/release) on Client and AsyncClient, against a real server: the
lease holder gives a task back unfinished, pending at once and the attempt not counted."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import List

import httpx
import pytest
from conftest import Tenant
from support import FaultProxy

from agentic_client import AsyncClient, Client, LeaseLost, NotFound, RetryPolicy, Task

QUICK = RetryPolicy(max_attempts=5, backoff_initial=0.01, backoff_max=0.1)


def test_release_gives_the_task_back_without_spending_an_attempt(client: Client) -> None:
    worker = client.agents.create("worker")["agent_id"]
    stranger = client.agents.create("stranger")["agent_id"]
    plan = client.plans.create(client.goals.create("g")["goal_id"])["plan_id"]
    task = client.tasks.create(plan, name="last chance", task_type="x", max_attempts=1)["task_id"]
    [claimed] = client.tasks.claim(worker, task_types=["x"], lease_seconds=60)
    assert claimed["task_id"] == task and claimed["attempts"] == 1

    with pytest.raises(LeaseLost):
        client.tasks.release(task, stranger)
    with pytest.raises(NotFound):
        client.tasks.release(str(uuid.uuid4()), worker)

    released: Task = client.tasks.release(task, worker)
    assert released["status"] == "pending" and released["attempts"] == 0
    assert released["lease_expires_at"] is None and released["error"] is None
    assert client.tasks.get(task)["status"] == "pending"
    [event] = client.events.list(types="task.released")["data"]
    assert event["resource_id"] == task and event["data"]["attempts"] == 0
    with pytest.raises(LeaseLost):
        client.tasks.release(task, worker)  # given back: no longer the holder

    # Its one attempt is still there: claimed again, a retryable failure is what ends it.
    [again] = client.tasks.claim(stranger, task_types=["x"])
    assert again["task_id"] == task and again["attempts"] == 1
    assert client.tasks.fail(task, stranger, "boom", retryable=True)["status"] == "failed"


def test_lost_answer_to_release_is_replayed(tenant: Tenant, proxy: FaultProxy) -> None:
    """The answer of a release is lost after the server acted: the client's retry (the same
    Idempotency-Key) gets the first answer, not 409 lease_lost."""
    direct = tenant.client()
    through = Client(proxy.base_url, tenant.key, retry=QUICK)
    worker = direct.agents.create("worker")["agent_id"]
    plan = direct.plans.create(direct.goals.create("g")["goal_id"])["plan_id"]
    task = direct.tasks.create(plan, name="t")["task_id"]
    direct.tasks.claim(worker)

    proxy.drop_responses(1, "POST", f"/api/v1/tasks/{task}/release")
    released = through.tasks.release(task, worker)
    assert proxy.dropped == 1 and released["status"] == "pending" and released["attempts"] == 0
    assert len(direct.events.list(types="task.released")["data"]) == 1
    through.close()
    direct.close()


def test_release_request() -> None:
    seen: List[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"task_id": "t1", "status": "pending"})

    with Client("http://127.0.0.1:9", "k", transport=httpx.MockTransport(handle)) as client:
        client.tasks.release("t1", "a1")
    [request] = seen
    assert (request.method, request.url.path) == ("POST", "/api/v1/tasks/t1/release")
    assert json.loads(request.content) == {"agent_id": "a1"} and request.headers.get("idempotency-key")


def test_async_release(tenant: Tenant) -> None:
    async def scenario() -> None:
        async with AsyncClient(tenant.base_url, tenant.key, retry=QUICK) as client:
            worker = (await client.agents.create("async-worker"))["agent_id"]
            stranger = (await client.agents.create("stranger"))["agent_id"]
            plan = (await client.plans.create((await client.goals.create("g"))["goal_id"]))["plan_id"]
            task = (await client.tasks.create(plan, name="t", max_attempts=1))["task_id"]
            [claimed] = await client.tasks.claim(worker)
            assert claimed["attempts"] == 1
            with pytest.raises(LeaseLost):
                await client.tasks.release(task, stranger)
            released: Task = await client.tasks.release(task, worker)
            assert released["status"] == "pending" and released["attempts"] == 0
            with pytest.raises(LeaseLost):
                await client.tasks.release(task, worker)
            [again] = await client.tasks.claim(stranger)
            assert again["task_id"] == task and again["attempts"] == 1

    asyncio.run(scenario())
