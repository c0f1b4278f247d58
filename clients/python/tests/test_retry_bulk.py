"""tasks.retry and tasks.bulk (POST /tasks/{id}/retry, POST /tasks/bulk) on Client and AsyncClient,
against a real server; and the requests they send, on a scripted transport."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any, List, Tuple

import httpx
import pytest
from conftest import Tenant
from support import FaultProxy

from agentic_client import (
    AsyncClient,
    BulkOutcome,
    Client,
    Conflict,
    LeaseLost,
    NotFound,
    RetryPolicy,
    Task,
    ValidationError,
)

QUICK = RetryPolicy(max_attempts=5, backoff_initial=0.01, backoff_max=0.1)


def failed_with_dependent(client: Client) -> Tuple[str, str, str, str, str]:
    """A plan whose first task failed for good (max_attempts=1: claimed, then failed), so its
    dependent was skipped and the plan and goal failed. Returns (worker, goal, plan, first, second)."""
    worker = client.agents.create("worker")["agent_id"]
    goal = client.goals.create("g")["goal_id"]
    plan = client.plans.create(goal)["plan_id"]
    first = client.tasks.create(plan, name="first", task_type="x", max_attempts=1)["task_id"]
    second = client.tasks.create(plan, name="second", task_type="x", depends_on=[first])["task_id"]
    [claimed] = client.tasks.claim(worker, task_types=["x"])
    assert claimed["task_id"] == first
    failed = client.tasks.fail(first, worker, RuntimeError("boom"))
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert client.tasks.get(second)["status"] == "skipped"
    assert client.plans.get(plan)["status"] == "failed"
    assert client.goals.get(goal)["status"] == "failed"
    return worker, goal, plan, first, second


def test_retry_reopens_failed_task_its_skipped_dependent_plan_and_goal(client: Client) -> None:
    worker, goal, plan, first, second = failed_with_dependent(client)

    # The skipped dependent cannot go first: its dependency failed.
    with pytest.raises(Conflict) as blocked:
        client.tasks.retry(second)
    assert blocked.value.status == 409 and blocked.value.code == "dependencies_not_met"
    assert first in blocked.value.detail
    assert client.tasks.get(second)["status"] == "skipped"

    retried = client.tasks.retry(first, reason="transient outage")
    assert retried["task_id"] == first and retried["status"] == "pending"
    assert retried["attempts"] == 0 and retried["error"] is None and retried["lease_expires_at"] is None
    assert client.tasks.get(first)["status"] == "pending"
    assert client.tasks.get(second)["status"] == "pending"  # brought back with it
    assert client.plans.get(plan)["status"] == "active"
    assert client.goals.get(goal)["status"] == "active"
    reopened = {e["type"] for e in client.events.iter(types=["task.reopened", "plan.reopened", "goal.reopened"])}
    assert reopened == {"task.reopened", "plan.reopened", "goal.reopened"}

    # Back in the queue: first, then its dependent, and the plan and goal complete.
    [again] = client.tasks.claim(worker, task_types=["x"])
    assert again["task_id"] == first and again["attempts"] == 1
    assert client.tasks.complete(first, worker, {"ok": True})["status"] == "completed"
    [then] = client.tasks.claim(worker, task_types=["x"])
    assert then["task_id"] == second
    client.tasks.complete(second, worker, {})
    assert client.plans.get(plan)["status"] == "completed"
    assert client.goals.get(goal)["status"] == "completed"

    # A completed task is not retried.
    with pytest.raises(Conflict) as refused:
        client.tasks.retry(first)
    assert type(refused.value) is Conflict and not isinstance(refused.value, LeaseLost)
    assert refused.value.status == 409 and refused.value.code == "invalid_transition"
    assert client.tasks.get(first)["status"] == "completed"

    with pytest.raises(NotFound):
        client.tasks.retry(str(uuid.uuid4()))


def test_retry_cancelled_task(client: Client) -> None:
    plan = client.plans.create(client.goals.create("g")["goal_id"])["plan_id"]
    task = client.tasks.create(plan, name="t")["task_id"]
    with pytest.raises(Conflict) as pending:
        client.tasks.retry(task)  # pending: nothing to retry
    assert pending.value.code == "invalid_transition"
    assert client.tasks.cancel(task)["status"] == "cancelled"
    assert client.plans.get(plan)["status"] == "cancelled"
    retried = client.tasks.retry(task)
    assert retried["status"] == "pending" and retried["attempts"] == 0
    assert client.plans.get(plan)["status"] == "active"


def test_bulk_cancel_then_retry(client: Client) -> None:
    goal = client.goals.create("g")["goal_id"]
    plan = client.plans.create(goal)["plan_id"]
    other = client.plans.create(goal)["plan_id"]
    tasks = [client.tasks.create(plan, name=f"t{i}", task_type="bulk")["task_id"] for i in range(3)]
    bystander = client.tasks.create(other, name="elsewhere", task_type="bulk")["task_id"]

    outcome = client.tasks.bulk("cancel", plan_id=plan)
    assert outcome == {
        "action": "cancel",
        "matched": 3,
        "changed": 3,
        "unchanged": 0,
        "truncated": False,
        "problems": [],
    }
    assert {client.tasks.get(t)["status"] for t in tasks} == {"cancelled"}
    assert client.tasks.get(bystander)["status"] == "pending"  # another plan: not matched

    again = client.tasks.bulk("cancel", plan_id=plan)  # a new call (its own Idempotency-Key): nothing left to do
    assert again["matched"] == 3 and again["changed"] == 0 and again["unchanged"] == 3
    assert again["problems"] == [] and again["truncated"] is False

    none = client.tasks.bulk("cancel", plan_id=plan, status="pending")  # only the members given are sent
    assert none["matched"] == 0 and none["changed"] == 0

    retried = client.tasks.bulk("retry", plan_id=plan, status="cancelled", task_type="bulk")
    assert retried["action"] == "retry" and retried["matched"] == 3 and retried["changed"] == 3
    assert retried["unchanged"] == 0 and retried["problems"] == []
    assert {client.tasks.get(t)["status"] for t in tasks} == {"pending"}
    assert client.plans.get(plan)["status"] == "active"


def test_bulk_retry_reports_problems(client: Client) -> None:
    _, _, plan, first, second = failed_with_dependent(client)
    # Only the skipped dependent matches: its dependency is still failed, so it is left as it is.
    outcome = client.tasks.bulk("retry", plan_id=plan, status="skipped")
    assert outcome["matched"] == 1 and outcome["changed"] == 0 and outcome["unchanged"] == 1
    [problem] = outcome["problems"]
    assert problem["task_id"] == second and problem["code"] == "dependencies_not_met" and first in problem["detail"]
    # The whole plan, oldest first: the failed task goes first and brings its dependent back with it,
    # so the dependent (pending by then) is refused as an invalid transition.
    outcome = client.tasks.bulk("retry", plan_id=plan)
    assert outcome["matched"] == 2 and outcome["changed"] == 1
    assert [(p["task_id"], p["code"]) for p in outcome["problems"]] == [(second, "invalid_transition")]
    assert client.tasks.get(first)["status"] == "pending" and client.tasks.get(second)["status"] == "pending"


def test_bulk_needs_a_filter(client: Client) -> None:
    plan = client.plans.create(client.goals.create("g")["goal_id"])["plan_id"]
    task = client.tasks.create(plan, name="t")["task_id"]
    with pytest.raises(ValidationError) as caught:
        client.tasks.bulk("cancel")
    assert caught.value.status == 422 and caught.value.names_field("filter")
    with pytest.raises(ValidationError) as bad_action:
        client.tasks.bulk("delete", plan_id=plan)
    assert bad_action.value.names_field("action")
    assert client.tasks.get(task)["status"] == "pending"  # nothing happened


def test_lost_answers_to_retry_and_bulk_are_replayed(tenant: Tenant, proxy: FaultProxy) -> None:
    """The answer of a retry or bulk call is lost after the server acted: the client's retry of the
    request (the same Idempotency-Key) gets the first answer, not a 409 or ``changed: 0``."""
    direct = tenant.client()
    through = Client(proxy.base_url, tenant.key, retry=QUICK)
    _, _, plan, first, second = failed_with_dependent(direct)

    proxy.drop_responses(1, "POST", f"/api/v1/tasks/{first}/retry")
    retried = through.tasks.retry(first)
    assert proxy.dropped == 1 and retried["status"] == "pending" and retried["attempts"] == 0
    assert direct.tasks.get(second)["status"] == "pending"

    proxy.drop_responses(1, "POST", "/api/v1/tasks/bulk")
    outcome = through.tasks.bulk("cancel", plan_id=plan)
    # The first answer, replayed: the first task cancelled (its dependent skipped with it, so left as it is).
    assert proxy.dropped == 2 and outcome["matched"] == 2 and outcome["changed"] == 1 and outcome["unchanged"] == 1
    assert direct.tasks.get(first)["status"] == "cancelled" and direct.tasks.get(second)["status"] == "skipped"
    assert through.tasks.bulk("cancel", plan_id=plan)["changed"] == 0  # a new call: nothing left to do
    through.close()
    direct.close()


def test_retry_and_bulk_requests() -> None:
    """What the two calls send: an Idempotency-Key on each, the reason only when given, and only the
    filter members given."""
    seen: List[httpx.Request] = []
    outcome = {"action": "cancel", "matched": 0, "changed": 0, "unchanged": 0, "truncated": False, "problems": []}

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/bulk"):
            return httpx.Response(200, json=outcome)
        return httpx.Response(200, json={"task_id": "t", "status": "pending"})

    with Client("http://127.0.0.1:9", "k", retry=QUICK, transport=httpx.MockTransport(handle)) as client:
        client.tasks.retry("t1")
        client.tasks.retry("t1", reason="flaky upstream")
        assert client.tasks.bulk("cancel", plan_id="p", task_type="x") == outcome
        client.tasks.bulk("retry", status="failed", agent_id="a")
        client.tasks.bulk("cancel")

    assert [(r.method, r.url.path) for r in seen] == [("POST", "/api/v1/tasks/t1/retry")] * 2 + [
        ("POST", "/api/v1/tasks/bulk")
    ] * 3
    bodies: List[Any] = [json.loads(r.content) for r in seen]
    assert bodies == [
        {},
        {"reason": "flaky upstream"},
        {"action": "cancel", "filter": {"plan_id": "p", "task_type": "x"}},
        {"action": "retry", "filter": {"status": "failed", "agent_id": "a"}},
        {"action": "cancel", "filter": {}},
    ]
    keys = [r.headers.get("idempotency-key") for r in seen]
    assert all(keys) and len(set(keys)) == len(keys)


def test_async_retry_and_bulk(tenant: Tenant) -> None:
    async def scenario() -> None:
        async with AsyncClient(tenant.base_url, tenant.key, retry=QUICK) as client:
            worker = (await client.agents.create("async-worker"))["agent_id"]
            goal = (await client.goals.create("g"))["goal_id"]
            plan = (await client.plans.create(goal))["plan_id"]
            first = (await client.tasks.create(plan, name="first", task_type="ax", max_attempts=1))["task_id"]
            second = (await client.tasks.create(plan, name="second", task_type="ax", depends_on=[first]))["task_id"]
            [claimed] = await client.tasks.claim(worker, task_types=["ax"])
            assert claimed["task_id"] == first
            assert (await client.tasks.fail(first, worker, "boom"))["status"] == "failed"
            assert (await client.tasks.get(second))["status"] == "skipped"
            assert (await client.plans.get(plan))["status"] == "failed"

            with pytest.raises(Conflict) as blocked:
                await client.tasks.retry(second)
            assert blocked.value.code == "dependencies_not_met"

            retried: Task = await client.tasks.retry(first, reason="try again")
            assert retried["status"] == "pending" and retried["attempts"] == 0 and retried["error"] is None
            assert (await client.tasks.get(second))["status"] == "pending"
            assert (await client.plans.get(plan))["status"] == "active"
            assert (await client.goals.get(goal))["status"] == "active"

            [again] = await client.tasks.claim(worker, task_types=["ax"])
            assert again["task_id"] == first
            await client.tasks.complete(first, worker, {})
            with pytest.raises(Conflict) as refused:
                await client.tasks.retry(first)
            assert refused.value.code == "invalid_transition"
            with pytest.raises(NotFound):
                await client.tasks.retry(str(uuid.uuid4()))

            extra = [(await client.tasks.create(plan, name=f"e{i}", task_type="ay"))["task_id"] for i in range(2)]
            outcome: BulkOutcome = await client.tasks.bulk("cancel", plan_id=plan)
            # first is completed (a cancel leaves it so); second and the two extra ones are cancelled.
            assert outcome["action"] == "cancel" and outcome["matched"] == 4 and outcome["changed"] == 3
            assert outcome["unchanged"] == 1 and outcome["truncated"] is False and outcome["problems"] == []
            assert {(await client.tasks.get(t))["status"] for t in extra + [second]} == {"cancelled"}
            again_outcome = await client.tasks.bulk("cancel", plan_id=plan)
            assert again_outcome["matched"] == 4 and again_outcome["changed"] == 0 and again_outcome["unchanged"] == 4

            back = await client.tasks.bulk("retry", plan_id=plan, task_type="ay")
            assert back["matched"] == 2 and back["changed"] == 2 and back["problems"] == []
            assert {(await client.tasks.get(t))["status"] for t in extra} == {"pending"}

            with pytest.raises(ValidationError) as caught:
                await client.tasks.bulk("retry")
            assert caught.value.names_field("filter")

    asyncio.run(scenario())
