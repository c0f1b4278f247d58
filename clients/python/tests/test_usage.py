"""Usage and budgets: complete and fail carry what an attempt cost (Client and AsyncClient), a Worker
reports what its handlers count with task.add_usage, and a goal's token budget holds its work back
from a worker until an admin raises it."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
import time
from typing import Any, Dict, Iterator, List, Optional

import httpx
import pytest
from conftest import FAST_RETRY, Tenant
from support import wait_until

from agentic_client import AsyncClient, Client, Forbidden, NonRetryable, ValidationError, Worker, WorkerTask
from agentic_client._core import rejects_usage
from agentic_client.types import FINAL_GOAL_STATUSES, Usage

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


def test_add_usage_sums_and_checks_what_it_is_given() -> None:
    task = WorkerTask({"task_id": "t", "task_type": "x", "inputs": {}, "attempts": 1})  # type: ignore[typeddict-item]
    assert task.usage is None
    threads = [threading.Thread(target=lambda: [task.add_usage(1, 2, 0.5) for _ in range(500)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    task.add_usage(output_tokens=3)
    assert task.usage == usage(2000, 4003, 1000.0)
    for bad in (1.5, "3", True, None):
        with pytest.raises(TypeError):
            task.add_usage(input_tokens=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        task.add_usage(cost_usd="0.1")  # type: ignore[arg-type]
    for negative in ({"input_tokens": -1}, {"output_tokens": -5}, {"cost_usd": -0.01}, {"cost_usd": math.nan}):
        with pytest.raises(ValueError):
            task.add_usage(**negative)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        task.add_usage(cost_usd=math.inf)
    assert task.usage == usage(2000, 4003, 1000.0)  # a refused call adds nothing


def goal_final(client: Client, goal: str) -> Any:
    return lambda: client.goals.get(goal)["status"] in FINAL_GOAL_STATUSES


def test_worker_reports_what_handlers_count(client: Client) -> None:
    agent = client.agents.create("w")["agent_id"]
    goal = client.goals.create("g")["goal_id"]
    model_plan = client.plans.create(goal)["plan_id"]
    flaky_plan = client.plans.create(goal)["plan_id"]
    model = client.tasks.create(model_plan, name="model", task_type="model")["task_id"]
    quiet = client.tasks.create(model_plan, name="quiet", task_type="quiet")["task_id"]
    flaky = client.tasks.create(flaky_plan, name="flaky", task_type="flaky", max_attempts=2)["task_id"]
    worker = Worker(client, agent_id=agent, concurrency=2, lease_seconds=30, poll_interval=0.5)
    seen: Dict[str, Optional[Usage]] = {}

    @worker.task("model")
    def call_model(task: WorkerTask) -> Dict[str, Any]:  # sync: runs in a thread
        task.add_usage(100, 20, 0.25)
        task.add_usage(input_tokens=10, cost_usd=0.5)
        seen["model"] = task.usage
        return {"answer": 42}

    @worker.task("flaky")
    async def call_flaky(task: WorkerTask) -> Dict[str, Any]:
        if task.attempts == 1:
            task.add_usage(7, 3, 0.125)  # spent before it broke: reported with the failure
            raise ConnectionError("the model timed out")
        task.add_usage(output_tokens=2)
        return {}

    @worker.task("quiet")
    def say_nothing(task: WorkerTask) -> Dict[str, Any]:
        seen["quiet"] = task.usage
        return {}

    stats = worker.run(until=goal_final(client, goal), handle_signals=False)
    assert stats.completed == 3 and stats.failed == 1
    assert seen == {"model": usage(110, 20, 0.75), "quiet": None}
    assert client.tasks.get(model)["usage"] == usage(110, 20, 0.75)
    assert client.tasks.get(quiet)["usage"] == NOTHING
    flaky_task = client.tasks.get(flaky)
    assert flaky_task["status"] == "completed" and flaky_task["attempts"] == 2
    assert flaky_task["usage"] == usage(7, 5, 0.125)
    assert client.plans.get(model_plan)["usage"] == usage(110, 20, 0.75)
    assert client.plans.get(flaky_plan)["usage"] == usage(7, 5, 0.125)
    assert client.goals.get(goal)["usage"] == usage(117, 25, 0.875)
    assert client.agents.get(agent)["usage"] == usage(117, 25, 0.875)


def test_a_usage_the_server_refuses_does_not_cost_the_outcome(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    """Out of the server's range, the usage is dropped (with a warning), not the completion or failure:
    the work is done, and leaving it unrecorded would only have it run again."""
    caplog.set_level(logging.WARNING, logger="agentic_client.worker")
    agent = client.agents.create("w")["agent_id"]
    goal = client.goals.create("g")["goal_id"]
    plan = client.plans.create(goal)["plan_id"]
    done = client.tasks.create(plan, name="done", task_type="pricey")["task_id"]
    broken = client.tasks.create(plan, name="broken", task_type="broken")["task_id"]
    worker = Worker(client, agent_id=agent, lease_seconds=30, poll_interval=0.5)

    @worker.task("pricey")
    def pricey(task: WorkerTask) -> Dict[str, Any]:
        task.add_usage(input_tokens=5, cost_usd=2e12)  # the server takes up to 10^12 dollars
        return {"result": "kept"}

    @worker.task("broken")
    def fails(task: WorkerTask) -> Dict[str, Any]:
        task.add_usage(input_tokens=2**60)  # more than 2^53 tokens
        raise NonRetryable("bad input")

    stats = worker.run(until=goal_final(client, goal), handle_signals=False)
    assert stats.completed == 1 and stats.failed == 1 and stats.dropped == 0
    kept = client.tasks.get(done)
    assert kept["status"] == "completed" and kept["outputs"] == {"result": "kept"} and kept["usage"] == NOTHING
    lost = client.tasks.get(broken)
    assert lost["status"] == "failed" and lost["error"] == {"type": "NonRetryable", "message": "bad input"}
    assert lost["usage"] == NOTHING
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 2 and any("usage.cost_usd" in m for m in refusals)


def test_goal_budget_holds_its_work_back_from_the_worker_until_an_admin_raises_it(
    client: Client, tenant: Tenant
) -> None:
    """Three tasks of 40 tokens reach the goal's 100: the fourth waits — the worker idles on it while
    it takes other work — until an admin raises the budget, which wakes the worker at once."""
    writer = Client(tenant.base_url, client.keys.create("worker", "write")["key"], retry=FAST_RETRY)
    agent = client.agents.create("w", status="active")["agent_id"]
    goal = client.goals.create("budgeted", constraints={"max_token_budget": 100})["goal_id"]
    plan = client.plans.create(goal)["plan_id"]
    steps = [client.tasks.create(plan, name=f"step {i}", task_type="model")["task_id"] for i in range(4)]
    ran: List[str] = []
    # No timer to fall back on within the test: only the event log can wake it.
    worker = Worker(writer, agent_id=agent, concurrency=1, lease_seconds=30, poll_interval=120, event_wait=5)

    @worker.task("model")
    def call_model(task: WorkerTask) -> Dict[str, Any]:
        task.add_usage(input_tokens=30, output_tokens=10)
        ran.append(task.task_id)
        return {"n": len(ran)}

    thread = threading.Thread(target=worker.run, kwargs={"handle_signals": False}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: client.goals.get(goal)["budget_exhausted"], 20, what="the goal's budget to run out")
        time.sleep(1.0)  # time for a claim that should not happen
        exhausted = client.goals.get(goal)
        assert exhausted["usage"] == usage(90, 30, 0.0) and len(ran) == 3 and worker.stats.claimed == 3
        [waiting] = [t for t in client.tasks.list(plan_id=plan) if t["status"] == "pending"]
        assert waiting["task_id"] in steps and waiting["task_id"] not in ran
        assert [e["resource_id"] for e in client.events.list(types="goal.budget_exhausted")["data"]] == [goal]

        # Other work goes on meanwhile: the worker is awake, it only passes the goal's task over.
        elsewhere = client.plans.create(client.goals.create("unbudgeted")["goal_id"])["plan_id"]
        other = client.tasks.create(elsewhere, name="other", task_type="model")["task_id"]
        wait_until(lambda: other in ran, 10, what="the other goal's task to run")
        assert client.tasks.get(waiting["task_id"])["status"] == "pending"

        with pytest.raises(Forbidden):  # the worker's own key cannot lift its budget
            writer.goals.update(goal, constraints={"max_token_budget": 1000})
        raised = client.goals.update(goal, constraints={"max_token_budget": 1000})
        assert raised["budget_exhausted"] is False
        # Woken by the raise, not by the 120-s timer.
        wait_until(lambda: waiting["task_id"] in ran, 10, what="the waiting task to run after the raise")
        wait_until(lambda: client.plans.get(plan)["status"] == "completed", 10, what="the plan to complete")
        after = client.goals.get(goal)
        assert after["usage"] == usage(120, 40, 0.0) and after["budget_exhausted"] is False
    finally:
        worker.stop()
        thread.join(15)
        writer.close()
    assert not thread.is_alive() and worker.stats.completed == 5
