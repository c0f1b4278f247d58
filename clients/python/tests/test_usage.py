"""Usage: complete and fail carry what an attempt cost (Client and AsyncClient), added to the task,
its plan and goal, and the agent."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Iterator, List, Optional

import httpx
import pytest
from conftest import FAST_RETRY, Tenant

from agentic_client import AsyncClient, Client, ValidationError
from agentic_client._core import rejects_usage
from agentic_client.types import Usage

NOTHING = {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}


def usage(input_tokens: int = 0, output_tokens: int = 0, cost_usd: float = 0.0) -> Usage:
    return Usage(input_tokens=input_tokens, output_tokens=output_tokens, cost_usd=cost_usd)


class Reporter:
    """``tasks.complete`` and ``tasks.fail`` of a Client, or of an AsyncClient run to the end on a
    loop of its own: one test body checks both."""

    def __init__(self, flavour: str, tenant: Tenant) -> None:
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        if flavour == "async":
            self.loop = asyncio.new_event_loop()
            self.async_client = AsyncClient(tenant.base_url, tenant.key, retry=FAST_RETRY)
            self.tasks: Any = self.async_client.tasks
        else:
            self.client = tenant.client()
            self.tasks = self.client.tasks

    def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        answer = getattr(self.tasks, method)(*args, **kwargs)
        return self.loop.run_until_complete(answer) if self.loop is not None else answer

    def close(self) -> None:
        if self.loop is not None:
            self.loop.run_until_complete(self.async_client.aclose())
            self.loop.close()
        else:
            self.client.close()


@pytest.fixture(params=["sync", "async"])
def report(request: pytest.FixtureRequest, tenant: Tenant) -> Iterator[Reporter]:
    reporter = Reporter(str(request.param), tenant)
    try:
        yield reporter
    finally:
        reporter.close()


def test_complete_and_fail_add_usage_to_the_task_plan_goal_and_agent(client: Client, report: Reporter) -> None:
    worker = client.agents.create("worker")["agent_id"]
    bystander = client.agents.create("bystander")["agent_id"]
    goal = client.goals.create("g")["goal_id"]
    first_plan = client.plans.create(goal)["plan_id"]
    second_plan = client.plans.create(goal)["plan_id"]
    a = client.tasks.create(first_plan, name="a", max_attempts=2)["task_id"]
    b = client.tasks.create(second_plan, name="b")["task_id"]
    c = client.tasks.create(second_plan, name="c", depends_on=[b])["task_id"]

    client.tasks.claim(worker, plan_id=first_plan)
    failed = report("fail", a, worker, "rate limited", usage=usage(100, 20, 0.25))
    assert failed["status"] == "pending" and failed["usage"] == usage(100, 20, 0.25)
    client.tasks.claim(worker, plan_id=first_plan)
    done = report("complete", a, worker, {"ok": 1}, usage={"input_tokens": 50})  # members left out count 0
    assert done["status"] == "completed" and done["usage"] == usage(150, 20, 0.25)

    client.tasks.claim(worker, plan_id=second_plan)
    outcome = report("complete", b, worker, {}, claim_next={"limit": 1}, usage={"output_tokens": 5, "cost_usd": 0.5})
    assert outcome["task"]["usage"] == usage(0, 5, 0.5) and [t["task_id"] for t in outcome["next"]] == [c]

    # A usage the server refuses records nothing, and the task stays as it was.
    with pytest.raises(ValidationError) as refused:
        report("complete", c, worker, {}, usage={"input_tokens": 1, "cost_usd": -1})
    assert refused.value.names_field("usage.cost_usd") and rejects_usage(refused.value)
    with pytest.raises(ValidationError) as refused:
        report("fail", c, worker, "x", usage={"tokens": 3})
    assert refused.value.names_field("usage.tokens") and rejects_usage(refused.value)
    with pytest.raises(ValidationError) as other:
        report("complete", c, worker, {}, claim_next={"limit": 0}, usage={"input_tokens": 1})
    assert other.value.names_field("claim_next.limit") and not rejects_usage(other.value)
    still = client.tasks.get(c)
    assert still["status"] == "running" and still["usage"] == NOTHING
    assert report("fail", c, worker, "gave up", retryable=False)["usage"] == NOTHING  # none given, none added

    assert client.plans.get(first_plan)["usage"] == usage(150, 20, 0.25)
    assert client.plans.get(second_plan)["usage"] == usage(0, 5, 0.5)
    assert client.goals.get(goal)["usage"] == usage(150, 25, 0.75)
    assert client.agents.get(worker)["usage"] == usage(150, 25, 0.75)
    assert client.agents.get(bystander)["usage"] == NOTHING


def test_usage_is_sent_only_when_given() -> None:
    """Without ``usage`` the body has no such member, so a server that predates it takes the call."""
    bodies: List[Dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"task_id": "t", "status": "completed"})

    with Client("http://127.0.0.1:9", "k", transport=httpx.MockTransport(handle)) as client:
        client.tasks.complete("t", "a", {"x": 1})
        client.tasks.complete("t", "a", {"x": 1}, usage=usage(1, 2, 0.5))
        client.tasks.fail("t", "a", "boom")
        client.tasks.fail("t", "a", "boom", usage={"cost_usd": 0.5})
    assert bodies == [
        {"agent_id": "a", "outputs": {"x": 1}},
        {"agent_id": "a", "outputs": {"x": 1}, "usage": {"input_tokens": 1, "output_tokens": 2, "cost_usd": 0.5}},
        {"agent_id": "a", "error": "boom"},
        {"agent_id": "a", "error": "boom", "usage": {"cost_usd": 0.5}},
    ]
