"""Progress reports and a task's history, through Client and AsyncClient against a real server."""

from __future__ import annotations

import asyncio
from typing import List

import pytest
from conftest import Tenant

from agentic_client import AsyncClient, Client, LeaseLost, RateLimited, RetryPolicy


def running_task(client: Client) -> "tuple[str, str]":
    agent = client.agents.create("worker")["agent_id"]
    plan = client.create_plan(client.goals.create("g")["goal_id"], None, [{"name": "work", "max_attempts": 2}])
    [task] = client.tasks.claim(agent, plan_id=plan["plan_id"])
    return task["task_id"], agent


def test_progress_and_history(client: Client) -> None:
    task, agent = running_task(client)
    before = client.tasks.get(task)
    event = client.tasks.progress(task, agent, "read 3 of 10 pages", percent=30, data={"tokens": 1200})
    assert event["type"] == "task.progress" and event["resource_id"] == task
    assert event["data"] == {"task_id": task, "agent_id": agent, "message": "read 3 of 10 pages", "percent": 30, "data": {"tokens": 1200}}
    assert client.tasks.get(task)["version"] == before["version"]  # the task did not change
    client.tasks.fail(task, agent, "flaky")
    [again] = client.tasks.claim(agent)
    assert again["task_id"] == task
    client.tasks.progress(task, agent, percent=80)
    client.tasks.complete(task, agent, {"ok": True})
    types = [e["type"] for e in client.tasks.history(task, page_size=2)]
    assert types == ["task.created", "task.claimed", "task.progress", "task.retried", "task.claimed", "task.progress", "task.completed"]
    with pytest.raises(LeaseLost):
        client.tasks.progress(task, agent, "too late")


def test_progress_beyond_the_rate_is_rate_limited(tenant: Tenant) -> None:
    # No retries: a report beyond 20 within a second surfaces as RateLimited with its Retry-After.
    with Client(tenant.base_url, tenant.key, retry=RetryPolicy(max_attempts=1)) as client:
        task, agent = running_task(client)
        with pytest.raises(RateLimited) as caught:
            for n in range(25):
                client.tasks.progress(task, agent, percent=n)
        assert caught.value.retry_after is not None and caught.value.retry_after >= 1


def test_async_progress_and_history(tenant: Tenant) -> None:
    async def scenario() -> List[str]:
        with Client(tenant.base_url, tenant.key) as sync:
            task, agent = running_task(sync)
        async with AsyncClient(tenant.base_url, tenant.key) as client:
            await client.tasks.progress(task, agent, "step 1")
            await client.tasks.complete(task, agent, {})
            return [e["type"] async for e in client.tasks.history(task)]

    assert asyncio.run(scenario()) == ["task.created", "task.claimed", "task.progress", "task.completed"]
