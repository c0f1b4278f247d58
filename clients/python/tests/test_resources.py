"""Every resource method of Client and AsyncClient against a real server."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Dict, List

import pytest
from conftest import Tenant

from agentic_client import (
    AsyncClient,
    Client,
    LeaseLost,
    NotFound,
    Unauthorized,
    ValidationError,
    VersionMismatch,
)


def test_agents_crud(client: Client) -> None:
    agent = client.agents.create(
        "researcher", agent_type="research", metadata={"team": "a"}, configuration={"model": "m"}
    )
    assert agent["name"] == "researcher" and agent["agent_type"] == "research" and agent["status"] == "created"
    assert agent["metadata"] == {"team": "a"} and agent["configuration"] == {"model": "m"} and agent["version"] == 1
    assert uuid.UUID(agent["agent_id"])
    assert client.agents.get(agent["agent_id"]) == agent

    updated = client.agents.update(agent["agent_id"], status="active", if_version=1)
    assert updated["status"] == "active" and updated["version"] == 2
    updated = client.agents.update(agent["agent_id"], {"metadata": {"team": "b"}})
    assert updated["metadata"] == {"team": "b"} and updated["version"] == 3
    with pytest.raises(VersionMismatch):
        client.agents.update(agent["agent_id"], status="idle", if_version=1)
    with pytest.raises(VersionMismatch):
        client.agents.delete(agent["agent_id"], if_version=2)
    client.agents.delete(agent["agent_id"], if_version=3)
    with pytest.raises(NotFound):
        client.agents.get(agent["agent_id"])

    chosen = str(uuid.uuid4())
    assert client.agents.create("picked", agent_id=chosen)["agent_id"] == chosen


def test_list_filters(client: Client) -> None:
    a = client.agents.create("a", agent_type="alpha")
    b = client.agents.create("b", agent_type="beta", status="active")
    assert [x["agent_id"] for x in client.agents.list()] == [b["agent_id"], a["agent_id"]]  # newest first
    assert [x["agent_id"] for x in client.agents.list(agent_type="alpha")] == [a["agent_id"]]
    assert [x["agent_id"] for x in client.agents.list(status="active")] == [b["agent_id"]]
    assert [x["agent_id"] for x in client.agents.list(max_items=1)] == [b["agent_id"]]

    goal = client.goals.create("g", agent_id=a["agent_id"])
    other = client.goals.create("h")
    assert [g["goal_id"] for g in client.goals.list(agent_id=a["agent_id"])] == [goal["goal_id"]]
    assert {g["goal_id"] for g in client.goals.list(status="pending")} == {goal["goal_id"], other["goal_id"]}
    plan = client.plans.create(goal["goal_id"], name="p", agent_id=a["agent_id"])
    client.plans.create(other["goal_id"], name="q")
    assert [p["plan_id"] for p in client.plans.list(goal_id=goal["goal_id"])] == [plan["plan_id"]]
    assert [p["plan_id"] for p in client.plans.list(agent_id=a["agent_id"])] == [plan["plan_id"]]
    assert [p["plan_id"] for p in client.plans.list(status="draft", goal_id=goal["goal_id"])] == [plan["plan_id"]]
    t1 = client.tasks.create(plan["plan_id"], description="one", agent_id=a["agent_id"])
    t2 = client.tasks.create(plan["plan_id"], description="two")
    assert [t["task_id"] for t in client.tasks.list(plan_id=plan["plan_id"])] == [t2["task_id"], t1["task_id"]]
    assert [t["task_id"] for t in client.tasks.list(agent_id=a["agent_id"])] == [t1["task_id"]]
    assert len(list(client.tasks.list(status="pending", plan_id=plan["plan_id"]))) == 2


def test_paging_over_250_items(client: Client) -> None:
    created = [client.agents.create(f"agent-{i:03d}")["agent_id"] for i in range(250)]
    pages = client.agents.list(page_size=100)
    seen = list(pages)
    assert pages.pages_fetched == 3 and pages.next_cursor is None
    assert seen and len(seen) == 250
    assert [a["agent_id"] for a in seen] == list(reversed(created))  # every one, once, newest first
    assert [len(p) for p in client.agents.list(page_size=100).pages()] == [100, 100, 50]
    assert len(list(client.agents.list(page_size=7, max_items=30))) == 30
    assert len(client.list_agents(limit=250)) == 250  # the seed alias pages too


def test_goals_plans_tasks_crud(client: Client) -> None:
    agent = client.agents.create("planner")
    goal = client.goals.create(
        "Write a report",
        agent_id=agent["agent_id"],
        priority=7,
        success_criteria=["has a summary"],
        constraints={"max_parallelism": 3},
        metadata={"k": 1},
    )
    assert goal["goal_text"] == "Write a report" and goal["priority"] == 7 and goal["agent_did"] == agent["did"]
    assert goal["constraints"]["max_parallelism"] == 3 and goal["success_criteria"] == ["has a summary"]
    assert client.goals.get(goal["goal_id"]) == goal
    goal = client.goals.update(goal["goal_id"], priority=9, if_version=goal["version"])
    assert goal["priority"] == 9

    plan = client.plans.create(goal["goal_id"], name="draft one", agent_id=agent["agent_id"], metadata={"v": 1})
    assert plan["status"] == "draft" and plan["task_counts"]["pending"] == 0
    plan = client.plans.update(plan["plan_id"], name="draft two")
    assert client.plans.get(plan["plan_id"])["name"] == "draft two"

    t1 = client.tasks.create(plan["plan_id"], description="research", task_type="research", inputs={"q": 1})
    t2 = client.tasks.create(plan["plan_id"], name="write", depends_on=[t1["task_id"]], priority=3, max_attempts=2)
    assert t1["inputs"] == {"q": 1} and t1["task_type"] == "research" and t1["name"] == "research"
    assert t2["depends_on"] == [t1["task_id"]] and t2["max_attempts"] == 2
    t2 = client.tasks.update(t2["task_id"], description="write it up", if_version=t2["version"])
    assert client.tasks.get(t2["task_id"])["description"] == "write it up"
    assert client.plans.get(plan["plan_id"])["task_counts"]["pending"] == 2

    client.tasks.delete(t2["task_id"])
    with pytest.raises(NotFound):
        client.tasks.get(t2["task_id"])
    client.plans.delete(plan["plan_id"])
    with pytest.raises(NotFound):
        client.tasks.get(t1["task_id"])
    client.goals.delete(goal["goal_id"])
    with pytest.raises(NotFound):
        client.goals.get(goal["goal_id"])


def test_work_queue_verbs(client: Client) -> None:
    worker = client.agents.create("worker")["agent_id"]
    goal = client.goals.create("g")
    plan = client.plans.create(goal["goal_id"])
    first = client.tasks.create(plan["plan_id"], description="a", task_type="x", max_attempts=2)
    second = client.tasks.create(plan["plan_id"], description="b", task_type="x", depends_on=[first["task_id"]])
    assert client.tasks.claim(worker, task_types=["y"]) == []

    [claimed] = client.tasks.claim(worker, task_types=["x"], lease_seconds=30, limit=5)
    assert claimed["task_id"] == first["task_id"] and claimed["status"] == "running" and claimed["attempts"] == 1
    assert claimed["agent_id"] == worker and claimed["lease_expires_at"]
    beat = client.tasks.heartbeat(first["task_id"], worker, lease_seconds=40)
    assert (beat["lease_expires_at"] or "") >= (claimed["lease_expires_at"] or "")

    failed = client.tasks.fail(first["task_id"], worker, ValueError("flaky"))
    assert failed["status"] == "pending" and failed["error"] == {"type": "ValueError", "message": "flaky"}
    [again] = client.tasks.claim(worker, plan_id=plan["plan_id"])
    assert again["task_id"] == first["task_id"] and again["attempts"] == 2
    done = client.tasks.complete(first["task_id"], worker, {"answer": 42})
    assert done["status"] == "completed" and done["outputs"] == {"answer": 42}
    with pytest.raises(LeaseLost):
        client.tasks.complete(first["task_id"], worker, {})

    [next_one] = client.tasks.claim(worker)
    assert next_one["task_id"] == second["task_id"]
    cancelled = client.tasks.cancel(second["task_id"], reason="no longer needed")
    assert cancelled["status"] == "cancelled"
    with pytest.raises(LeaseLost):
        client.tasks.heartbeat(second["task_id"], worker)
    assert client.plans.get(plan["plan_id"])["status"] in ("failed", "cancelled", "completed")

    goal = client.goals.create("another")
    third = client.tasks.create(client.plans.create(goal["goal_id"])["plan_id"], description="c")
    client.tasks.claim(worker)
    final = client.tasks.fail(third["task_id"], worker, "gave up", retryable=False)
    assert final["status"] == "failed" and final["error"] == {"message": "gave up"}


def test_delays_backoff_and_whoami(client: Client, tenant: Tenant) -> None:
    worker = client.agents.create("worker")["agent_id"]
    plan = client.plans.create(client.goals.create("g")["goal_id"])
    delayed = client.tasks.create(plan["plan_id"], delay_seconds=3600, concurrency_key="model-a")
    assert delayed["not_before"] and delayed["concurrency_key"] == "model-a"
    assert client.tasks.claim(worker) == [], "held back until its time"
    policy = {"initial_seconds": 600, "multiplier": 2, "max_seconds": 900, "jitter": False}
    flaky = client.tasks.create(plan["plan_id"], retry_policy=policy)
    assert flaky["retry_policy"] == policy
    [claimed] = client.tasks.claim(worker)
    assert claimed["task_id"] == flaky["task_id"]
    failed = client.tasks.fail(flaky["task_id"], worker, "try later")
    assert failed["status"] == "pending" and (failed["not_before"] or "") > (failed["updated_at"] or "")
    assert client.tasks.claim(worker) == [], "backed off"
    # Cleared through the client, the delay is gone at once.
    client.tasks.update(delayed["task_id"], not_before=None)
    assert [t["task_id"] for t in client.tasks.claim(worker)] == [delayed["task_id"]]

    me = client.keys.whoami()
    assert me["key_id"] == tenant.key_id and me["tenant"] == tenant.name and me["scope"] == "admin"


def test_cancel_plan_and_goal(client: Client) -> None:
    goal = client.goals.create("g")
    plan = client.plans.create(goal["goal_id"])
    task = client.tasks.create(plan["plan_id"], description="t")
    assert client.plans.cancel(plan["plan_id"], reason="stop")["status"] == "cancelled"
    assert client.tasks.get(task["task_id"])["status"] == "cancelled"

    goal2 = client.goals.create("g2")
    plan2 = client.plans.create(goal2["goal_id"])
    assert client.goals.cancel(goal2["goal_id"])["status"] == "cancelled"
    assert client.plans.get(plan2["plan_id"])["status"] == "cancelled"


def test_keys(client: Client, tenant: Tenant) -> None:
    created = client.keys.create("reader", "read", rate_limit={"requests_per_second": 50, "burst": 100})
    assert created["key"].startswith("agk_") and created["scope"] == "read" and created["tenant"] == tenant.name
    assert created["rate_limit"] == {"requests_per_second": 50, "burst": 100}
    listed = {k["key_id"]: k for k in client.keys.list()}
    assert created["key_id"] in listed and "key" not in listed[created["key_id"]]
    assert listed[created["key_id"]]["revoked_at"] is None
    with Client(tenant.base_url, created["key"]) as reader:
        assert list(reader.agents.list()) == []
        client.keys.revoke(created["key_id"])
        with pytest.raises(Unauthorized):
            reader.agents.get(str(uuid.uuid4()))
    assert {k["key_id"]: k for k in client.keys.list()}[created["key_id"]]["revoked_at"] is not None


def test_request_escape_hatch_and_ready(client: Client) -> None:
    made = client.request("POST", "/agents", json={"name": "raw"})
    assert client.request("GET", f"/agents/{made['agent_id']}")["name"] == "raw"
    assert client.ready()["status"] == "ok"
    assert "openapi: 3.1.0" in client.openapi()
    assert client.documents("GET", "/api/v1/events") and not client.documents("PUT", "/api/v1/events")


def test_seed_aliases(client: Client) -> None:
    """The seed platform's L01Client method names, called the way its layers call them."""
    agent = client.create_agent(name="seed-agent", agent_type="general", configuration={"a": 1}, metadata={"m": 2})
    assert client.get_agent(agent["agent_id"])["configuration"] == {"a": 1}
    assert client.update_agent(agent["agent_id"], {"status": "active"})["status"] == "active"
    assert [a["agent_id"] for a in client.list_agents(status="active")] == [agent["agent_id"]]

    goal = client.create_goal(agent["agent_id"], "Ship the report", ["reviewed"], 8)
    assert goal["goal_text"] == "Ship the report" and goal["priority"] == 8
    assert client.get_goal(goal["goal_id"])["success_criteria"] == ["reviewed"]
    assert client.update_goal(goal["goal_id"], {"priority": 2})["priority"] == 2
    assert [g["goal_id"] for g in client.list_goals(agent_id=agent["agent_id"])] == [goal["goal_id"]]

    steps: List[Dict[str, Any]] = [
        {"name": "gather", "task_type": "research", "input_data": {"topic": "x"}},
        {"description": "draft the text", "task_type": "write"},
        {"name": "review"},
    ]
    plan = client.create_plan(goal["goal_id"], agent["agent_id"], steps, "sequential")
    assert plan["plan_type"] == "sequential" and plan["task_counts"]["pending"] == 3
    assert [t["ref"] for t in plan["tasks"]] == ["1", "2", "3"]
    assert client.get_plan(plan["plan_id"])["plan_id"] == plan["plan_id"]
    order = [t["task_id"] for t in plan["tasks"]]  # request order (one transaction: one created_at)
    tasks = sorted(client.tasks.list(plan_id=plan["plan_id"]), key=lambda t: order.index(t["task_id"]))
    assert [t["name"] for t in tasks] == ["gather", "draft the text", "review"]
    assert tasks[0]["inputs"] == {"topic": "x"} and tasks[0]["depends_on"] == []
    assert tasks[1]["depends_on"] == [tasks[0]["task_id"]] and tasks[2]["depends_on"] == [tasks[1]["task_id"]]

    parallel = client.create_plan(goal["goal_id"], agent["agent_id"], steps[:2], plan_type="parallel")
    assert all(t["depends_on"] == [] for t in client.tasks.list(plan_id=parallel["plan_id"]))
    assert client.update_plan(parallel["plan_id"], {"name": "side"})["name"] == "side"
    assert client.create_plan(goal["goal_id"], agent["agent_id"])["task_counts"]["pending"] == 0

    task = client.create_task(plan["plan_id"], agent["agent_id"], "extra step", None, {"k": "v"})
    assert task["task_type"] == "atomic" and task["inputs"] == {"k": "v"} and task["agent_id"] == agent["agent_id"]
    task = client.update_task(task["task_id"], {"status": "cancelled", "completed_at": "2026-01-01T00:00:00Z"})
    assert task["status"] == "cancelled" and task["completed_at"] is not None

    client.delete_agent(agent["agent_id"])
    with pytest.raises(NotFound):
        client.get_agent(agent["agent_id"])


def test_create_plan_with_steps_is_all_or_nothing(client: Client) -> None:
    goal = client.goals.create("g")
    with pytest.raises(ValidationError) as caught:
        client.create_plan(goal["goal_id"], None, [{"name": "ok"}, {"name": "bad", "task_type": "not a type!"}])
    assert caught.value.names_field("tasks[1].task_type")
    assert list(client.plans.list(goal_id=goal["goal_id"])) == []


def test_async_client_every_method(tenant: Tenant) -> None:
    async def scenario() -> None:
        async with AsyncClient(tenant.base_url, tenant.key) as client:
            agent = await client.agents.create("async-agent", agent_type="w")
            assert (await client.agents.get(agent["agent_id"]))["name"] == "async-agent"
            assert (await client.agents.update(agent["agent_id"], status="active", if_version=1))["version"] == 2
            with pytest.raises(VersionMismatch):
                await client.agents.update(agent["agent_id"], status="idle", if_version=1)
            for i in range(5):
                await client.agents.create(f"more-{i}")
            names: List[str] = [a["name"] async for a in client.agents.list(page_size=2)]
            assert len(names) == 6 and names[-1] == "async-agent"
            assert len(await client.agents.list(page_size=2, max_items=3).to_list()) == 3

            goal = await client.goals.create("async goal", agent_id=agent["agent_id"])
            assert (await client.goals.update(goal["goal_id"], priority=1))["priority"] == 1
            assert [g["goal_id"] async for g in client.goals.list(agent_id=agent["agent_id"])] == [goal["goal_id"]]
            plan = await client.plans.create(goal["goal_id"], name="p")
            assert (await client.plans.update(plan["plan_id"], name="p2"))["name"] == "p2"
            assert [p["plan_id"] async for p in client.plans.list(goal_id=goal["goal_id"])] == [plan["plan_id"]]
            task = await client.tasks.create(plan["plan_id"], description="t", task_type="w")
            plan2 = await client.plans.create(goal["goal_id"])
            t2 = await client.tasks.create(plan2["plan_id"], description="t2", task_type="other")
            plan3 = await client.plans.create(goal["goal_id"])
            assert (await client.tasks.get(task["task_id"]))["status"] == "pending"
            assert (await client.tasks.update(task["task_id"], priority=9))["priority"] == 9
            assert [t["task_id"] async for t in client.tasks.list(plan_id=plan["plan_id"])] == [task["task_id"]]

            [claimed] = await client.tasks.claim(agent["agent_id"], task_types=["w"], lease_seconds=20)
            await client.tasks.heartbeat(claimed["task_id"], agent["agent_id"])
            await client.tasks.fail(claimed["task_id"], agent["agent_id"], RuntimeError("x"))
            await client.tasks.claim(agent["agent_id"], task_types=["w"])
            done = await client.tasks.complete(claimed["task_id"], agent["agent_id"], {"ok": True})
            assert done["status"] == "completed"
            assert (await client.plans.get(plan["plan_id"]))["status"] == "completed"
            assert (await client.tasks.cancel(t2["task_id"]))["status"] == "cancelled"
            assert (await client.plans.cancel(plan3["plan_id"]))["status"] == "cancelled"
            assert (await client.goals.get(goal["goal_id"]))["status"] == "completed"  # it follows its plans
            doomed = await client.goals.create("to cancel")
            assert (await client.goals.cancel(doomed["goal_id"]))["status"] == "cancelled"
            await client.tasks.delete(t2["task_id"])
            await client.plans.delete(plan2["plan_id"])
            await client.goals.delete(goal["goal_id"])
            await client.agents.delete(agent["agent_id"])
            with pytest.raises(NotFound):
                await client.agents.get(agent["agent_id"])

            key = await client.keys.create("r", "read")
            assert key["key_id"] in {k["key_id"] for k in await client.keys.list()}
            await client.keys.revoke(key["key_id"])

            page = await client.events.list(after=0, types=["agent.created"], limit=3)
            assert len(page["data"]) == 3 and page["next_after"] == page["data"][-1]["event_id"]
            every = [e async for e in client.events.iter(types="agent.", page_size=4)]
            assert len([e for e in every if e["type"] == "agent.created"]) == 6
            assert await client.events.head() >= every[-1]["event_id"]
            assert (await client.ready())["status"] == "ok"
            raw = await client.request("POST", "/agents", json={"name": "raw"})
            assert (await client.request("GET", f"/agents/{raw['agent_id']}"))["name"] == "raw"
            assert await client.documents("GET", "/api/v1/events/stream")

            # the seed aliases, async (the seed's L01Client was async)
            a = await client.create_agent(name="seed")
            assert (await client.get_agent(a["agent_id"]))["name"] == "seed"
            assert (await client.update_agent(a["agent_id"], {"status": "idle"}))["status"] == "idle"
            assert a["agent_id"] in [x["agent_id"] for x in await client.list_agents(limit=100)]
            g = await client.create_goal(a["agent_id"], "seed goal", ["done"], 4)
            assert (await client.get_goal(g["goal_id"]))["goal_text"] == "seed goal"
            assert (await client.update_goal(g["goal_id"], {"priority": 5}))["priority"] == 5
            assert [x["goal_id"] for x in await client.list_goals(agent_id=a["agent_id"])] == [g["goal_id"]]
            p = await client.create_plan(g["goal_id"], a["agent_id"], [{"name": "s1"}, {"name": "s2"}], "sequential")
            assert p["task_counts"]["pending"] == 2
            assert (await client.get_plan(p["plan_id"]))["plan_type"] == "sequential"
            assert (await client.update_plan(p["plan_id"], {"name": "renamed"}))["name"] == "renamed"
            t = await client.create_task(p["plan_id"], a["agent_id"], "extra", "atomic", {"i": 1})
            assert (await client.update_task(t["task_id"], {"description": "changed"}))["description"] == "changed"
            await client.delete_agent(a["agent_id"])

    asyncio.run(scenario())
