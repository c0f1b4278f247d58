"""Approvals against a real server: tasks that wait in awaiting_approval until a person decides
(tasks.approve_task / reject_task with an approve key that neither created the task nor asked), the
lease holder asking mid-task (tasks.request_approval), and a Worker handler asking with
WorkerTask.request_approval — on Client and AsyncClient."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Dict, List

import httpx
import pytest
from conftest import Tenant
from support import wait_until

from agentic_client import (
    AsyncClient,
    Client,
    Conflict,
    Forbidden,
    LeaseLost,
    Task,
    ValidationError,
    Worker,
    WorkerTask,
)
from agentic_client.types import FINAL_PLAN_STATUSES, KEY_SCOPES, TASK_STATUSES


def new_plan(client: Client) -> str:
    return client.plans.create(client.goals.create("g")["goal_id"])["plan_id"]


def key_client(tenant: Tenant, admin: Client, scope: str) -> Client:
    """A client of the tenant with a new key of ``scope`` (made by the tenant's admin key)."""
    created = admin.keys.create(f"{scope} key", scope)
    assert created["scope"] == scope
    return Client(tenant.base_url, created["key"], retry=admin.config.retry)


def test_statuses_and_scopes_are_known() -> None:
    assert "awaiting_approval" in TASK_STATUSES
    assert KEY_SCOPES == ("read", "write", "approve", "admin")


def test_approve_makes_the_task_claimable(tenant: Tenant, client: Client) -> None:
    approver = key_client(tenant, client, "approve")
    writer = key_client(tenant, client, "write")
    agent = client.agents.create("w")["agent_id"]
    plan = new_plan(client)

    task: Task = client.tasks.create(plan, name="deploy", task_type="deploy", requires_approval=True)
    assert task["status"] == "awaiting_approval" and task["requires_approval"] is True
    assert task["created_by"] == tenant.key_id and task["approval"] is None
    assert client.tasks.claim(agent, task_types=["deploy"]) == []  # not claimable while it waits
    assert client.plans.get(plan)["task_counts"]["awaiting_approval"] == 1
    assert [t["task_id"] for t in client.tasks.list(status="awaiting_approval")] == [task["task_id"]]

    with pytest.raises(Forbidden) as created_it:  # the creating key, admin though it is
        client.tasks.approve_task(task["task_id"])
    assert created_it.value.status == 403
    with pytest.raises(Forbidden):  # write is not enough
        writer.tasks.approve_task(task["task_id"])
    assert client.tasks.get(task["task_id"])["status"] == "awaiting_approval"

    approved = approver.tasks.approve_task(task["task_id"], comment="ship it")
    assert approved["status"] == "pending"
    approval = approved["approval"]
    assert approval is not None
    assert approval["decision"] == "approved" and approval["comment"] == "ship it"
    assert approval["decided_by"] == approver.keys.whoami()["key_id"] and approval["decided_at"]
    [event] = client.events.list(types="task.approved", wait=10)["data"]
    assert event["resource_id"] == task["task_id"] and event["actor"]

    with pytest.raises(Conflict) as twice:  # no longer awaiting approval
        approver.tasks.approve_task(task["task_id"])
    assert twice.value.code == "invalid_transition"

    [claimed] = client.tasks.claim(agent, task_types=["deploy"])
    assert claimed["task_id"] == task["task_id"] and claimed["status"] == "running"
    assert client.plans.get(plan)["task_counts"]["awaiting_approval"] == 0
    approver.close()
    writer.close()


def test_reject_fails_the_task_and_skips_its_dependents(tenant: Tenant, client: Client) -> None:
    approver = key_client(tenant, client, "approve")
    plan = new_plan(client)
    first = client.tasks.create(plan, name="delete the data", requires_approval=True)
    second = client.tasks.create(plan, name="report", depends_on=[first["task_id"]])
    assert second["status"] in ("pending", "blocked")

    with pytest.raises(ValidationError):  # a reason is required
        approver.tasks.reject_task(first["task_id"], "")
    with pytest.raises(Forbidden):
        client.tasks.reject_task(first["task_id"], "the creator cannot decide")

    rejected = approver.tasks.reject_task(first["task_id"], "not on a Friday")
    assert rejected["status"] == "failed"
    assert rejected["error"] == {"code": "rejected", "reason": "not on a Friday"}
    approval = rejected["approval"]
    assert approval is not None and approval["decision"] == "rejected" and approval["reason"] == "not on a Friday"
    assert client.tasks.get(second["task_id"])["status"] == "skipped"
    assert client.plans.get(plan)["status"] in FINAL_PLAN_STATUSES
    assert len(client.events.list(types="task.rejected", wait=10)["data"]) == 1
    approver.close()


def test_request_approval_mid_task(tenant: Tenant, client: Client) -> None:
    """The lease holder asks: the lease is released, the attempt not counted; neither the creating
    key nor the asking one may decide, a third person's approve key may."""
    asker = key_client(tenant, client, "write")
    approver = key_client(tenant, client, "approve")
    holder = asker.agents.create("holder")["agent_id"]
    stranger = asker.agents.create("stranger")["agent_id"]
    plan = new_plan(client)
    task = client.tasks.create(plan, name="pay", task_type="pay", max_attempts=1)["task_id"]
    [claimed] = asker.tasks.claim(holder, task_types=["pay"], lease_seconds=60)
    assert claimed["attempts"] == 1

    with pytest.raises(LeaseLost):
        asker.tasks.request_approval(task, stranger, "may I?")
    asked = asker.tasks.request_approval(task, holder, "Pay 120 EUR to ACME?", {"amount": 120, "currency": "EUR"})
    assert asked["status"] == "awaiting_approval" and asked["attempts"] == 0
    assert asked["lease_expires_at"] is None
    approval = asked["approval"]
    assert approval is not None
    assert approval["question"] == "Pay 120 EUR to ACME?" and approval["data"] == {"amount": 120, "currency": "EUR"}
    assert approval["requested_by"] == asker.keys.whoami()["key_id"] and approval["requested_at"]
    assert "decision" not in approval
    [event] = client.events.list(types="task.approval_requested", wait=10)["data"]
    assert event["resource_id"] == task
    with pytest.raises(LeaseLost):  # no longer the holder
        asker.tasks.complete(task, holder, {})

    with pytest.raises(Forbidden):  # the key that asked
        asker.tasks.approve_task(task)
    with pytest.raises(Forbidden):  # the key that created it
        client.tasks.approve_task(task)
    approved = approver.tasks.approve_task(task)
    approval = approved["approval"]
    assert approval is not None and approval["question"] == "Pay 120 EUR to ACME?"
    assert approval["decision"] == "approved" and "comment" not in approval

    [again] = asker.tasks.claim(holder, task_types=["pay"])
    assert again["attempts"] == 1  # the attempt before the question did not count
    assert asker.tasks.complete(task, holder, {"paid": True})["status"] == "completed"
    asker.close()
    approver.close()


def test_worker_handler_asks_and_runs_again_once_approved(tenant: Tenant, client: Client) -> None:
    worker_client = key_client(tenant, client, "write")
    approver = key_client(tenant, client, "approve")
    agent = worker_client.agents.create("mailer")["agent_id"]
    plan = new_plan(client)
    task = client.tasks.create(plan, name="mail", task_type="mail", inputs={"to": "all@example.com"})["task_id"]
    runs: List[Dict[str, Any]] = []
    worker = Worker(worker_client, agent_id=agent, lease_seconds=30, poll_interval=0.5)

    @worker.task("mail")
    def mail(task: WorkerTask) -> Dict[str, Any]:
        runs.append({"attempts": task.attempts, "approval": task.approval})
        approval = task.request_approval("Send to everyone?", {"to": task.inputs["to"]})
        return {"sent": True, "comment": approval.get("comment")}

    thread = threading.Thread(
        target=worker.run,
        kwargs={"until": lambda: client.plans.get(plan)["status"] in FINAL_PLAN_STATUSES, "handle_signals": False},
        daemon=True,
    )
    thread.start()
    wait_until(lambda: client.tasks.get(task)["status"] == "awaiting_approval", 15, what="the question")
    waiting = client.tasks.get(task)
    approval = waiting["approval"]
    assert approval is not None and approval["question"] == "Send to everyone?"
    assert approval["data"] == {"to": "all@example.com"} and waiting["attempts"] == 0
    assert len(runs) == 1 and runs[0]["approval"] is None

    approver.tasks.approve_task(task, comment="go ahead")
    thread.join(30)
    assert not thread.is_alive()
    done = client.tasks.get(task)
    assert done["status"] == "completed" and done["outputs"] == {"sent": True, "comment": "go ahead"}
    assert len(runs) == 2 and runs[1]["approval"]["decision"] == "approved"
    assert worker.stats.awaiting_approval == 1 and worker.stats.completed == 1 and worker.stats.failed == 0
    worker_client.close()
    approver.close()


def test_worker_handler_rejected_task_fails(tenant: Tenant, client: Client) -> None:
    worker_client = key_client(tenant, client, "write")
    approver = key_client(tenant, client, "approve")
    agent = worker_client.agents.create("w")["agent_id"]
    plan = new_plan(client)
    task = client.tasks.create(plan, name="drop", task_type="drop")["task_id"]
    runs: List[int] = []
    worker = Worker(worker_client, agent_id=agent, lease_seconds=30, poll_interval=0.5)

    @worker.task("drop")
    async def drop(task: WorkerTask) -> Dict[str, Any]:
        runs.append(task.attempts)
        task.request_approval("Drop the table?")
        return {"dropped": True}

    thread = threading.Thread(
        target=worker.run,
        kwargs={"until": lambda: client.plans.get(plan)["status"] in FINAL_PLAN_STATUSES, "handle_signals": False},
        daemon=True,
    )
    thread.start()
    wait_until(lambda: client.tasks.get(task)["status"] == "awaiting_approval", 15, what="the question")
    approver.tasks.reject_task(task, "no")
    thread.join(30)
    assert not thread.is_alive()
    assert client.tasks.get(task)["error"] == {"code": "rejected", "reason": "no"}
    assert runs == [1] and worker.stats.awaiting_approval == 1 and worker.stats.completed == 0
    worker_client.close()
    approver.close()


def test_async_approvals(tenant: Tenant, client: Client) -> None:
    approve_key = client.keys.create("approver", "approve")["key"]
    write_key = client.keys.create("writer", "write")["key"]
    plan = new_plan(client)
    waiting = client.tasks.create(plan, name="a", task_type="a", requires_approval=True)["task_id"]
    refused = client.tasks.create(plan, name="b", task_type="b", requires_approval=True)["task_id"]
    asked = client.tasks.create(plan, name="c", task_type="c")["task_id"]

    async def scenario() -> None:
        async with AsyncClient(tenant.base_url, approve_key) as approver, AsyncClient(
            tenant.base_url, write_key
        ) as writer:
            agent = (await writer.agents.create("async"))["agent_id"]
            with pytest.raises(Forbidden):
                await writer.tasks.approve_task(waiting)
            assert (await approver.tasks.approve_task(waiting, comment="ok"))["status"] == "pending"
            assert (await approver.tasks.reject_task(refused, "no"))["status"] == "failed"
            [claimed] = await writer.tasks.claim(agent, task_types=["c"])
            assert claimed["task_id"] == asked
            answer = await writer.tasks.request_approval(asked, agent, "ok?", data={"n": 1})
            assert answer["status"] == "awaiting_approval" and answer["attempts"] == 0
            with pytest.raises(Forbidden):  # it asked
                await writer.tasks.reject_task(asked, "no")
            assert (await approver.tasks.approve_task(asked))["status"] == "pending"

    asyncio.run(scenario())


def test_approval_requests() -> None:
    seen: List[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"task_id": "t1", "status": "pending"})

    with Client("http://127.0.0.1:9", "k", transport=httpx.MockTransport(handle)) as client:
        client.tasks.approve_task("t1")
        client.tasks.approve_task("t1", comment="fine")
        client.tasks.reject_task("t1", "no")
        client.tasks.request_approval("t1", "a1", "why?")
        client.tasks.request_approval("t1", "a1", "why?", {"k": "v"})
        client.tasks.create("p1", requires_approval=True)
    calls = [(r.method, r.url.path, json.loads(r.content)) for r in seen]
    assert calls == [
        ("POST", "/api/v1/tasks/t1/approve", {}),
        ("POST", "/api/v1/tasks/t1/approve", {"comment": "fine"}),
        ("POST", "/api/v1/tasks/t1/reject", {"reason": "no"}),
        ("POST", "/api/v1/tasks/t1/request-approval", {"agent_id": "a1", "question": "why?"}),
        ("POST", "/api/v1/tasks/t1/request-approval", {"agent_id": "a1", "question": "why?", "data": {"k": "v"}}),
        ("POST", "/api/v1/tasks", {"plan_id": "p1", "requires_approval": True}),
    ]
    assert all(r.headers.get("idempotency-key") for r in seen)
