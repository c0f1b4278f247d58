"""The seed platform's own L01Client requests, replayed as it sends them (base URL …/api/v1, key in
X-API-Key, every answer read with raise_for_status() and .json()): every one must succeed, and the
key answers must say what the seed's layers rely on (what was stored, plans chained by steps, its
events as x.<event_type> about the aggregate, the event filters)."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import httpx
from conftest import Tenant

from agentic_client import Task


def test_seed_client_requests(tenant: Tenant) -> None:
    http = httpx.Client(base_url=tenant.base_url + "/api/v1", headers={"X-API-Key": tenant.key}, timeout=30)
    native = tenant.client()  # makes what a failed seed create did not, so each later call is judged on its own
    results: List[Tuple[str, Optional[int], str]] = []
    answers: Dict[str, Any] = {}
    ids = {"agent": "", "goal": "", "plan": "", "task": ""}

    def call(label: str, send: Callable[[], httpx.Response], keep: Optional[Tuple[str, str]] = None) -> Any:
        try:
            response = send()
            response.raise_for_status()
            body = response.json() if response.status_code != 204 else None
        except (httpx.HTTPError, ValueError) as error:
            status = getattr(getattr(error, "response", None), "status_code", None)
            results.append((label, status, str(error).splitlines()[0][:120]))
            return None
        results.append((label, response.status_code, "ok"))
        answers[label] = body
        if keep and isinstance(body, dict):
            ids[keep[0]] = str(body.get(keep[1], ""))
        return body

    call(
        "POST /agents/",
        lambda: http.post(
            "/agents/",
            json={
                "name": "seed-agent",
                "agent_type": "general",
                "configuration": {"max_tokens": 1000},
                "metadata": {"test": "seed"},
            },
        ),
        ("agent", "agent_id"),
    )
    agent = ids["agent"] or native.agents.create("seed-agent")["agent_id"]
    call("GET /agents/{id}", lambda: http.get(f"/agents/{agent}"))
    call(
        "PATCH /agents/{id}",
        lambda: http.patch(f"/agents/{agent}", json={"status": "active", "configuration": {"max_tokens": 1500}}),
    )
    call("GET /agents/?limit=100&status=", lambda: http.get("/agents/", params={"limit": 100, "status": None}))
    call(
        "GET /agents/?limit=100&status=active", lambda: http.get("/agents/", params={"limit": 100, "status": "active"})
    )
    call(
        "POST /goals/",
        lambda: http.post(
            "/goals/",
            json={
                "agent_id": agent,
                "description": "Improve the model",
                "success_criteria": [{"metric": "accuracy", "target": 0.9}],
                "priority": 5,
            },
        ),
        ("goal", "goal_id"),
    )
    goal = ids["goal"] or native.goals.create("Improve the model", agent_id=agent)["goal_id"]
    call("GET /goals/{id}", lambda: http.get(f"/goals/{goal}"))
    call("PATCH /goals/{id}", lambda: http.patch(f"/goals/{goal}", json={"status": "active"}))
    call("GET /goals/?limit=100&agent_id=", lambda: http.get("/goals/", params={"limit": 100, "agent_id": agent}))
    call(
        "POST /plans/",
        lambda: http.post(
            "/plans/",
            json={
                "goal_id": goal,
                "agent_id": agent,
                "plan_type": "sequential",
                "steps": [
                    {"name": "collect", "description": "collect data", "task_type": "research", "input_data": {"n": 1}},
                    {"description": "train", "inputs": {"epochs": 2}},
                ],
            },
        ),
        ("plan", "plan_id"),
    )
    plan = ids["plan"] or native.plans.create(goal, agent_id=agent)["plan_id"]
    call("GET /plans/{id}", lambda: http.get(f"/plans/{plan}"))
    call("PATCH /plans/{id}", lambda: http.patch(f"/plans/{plan}", json={"metadata": {"reviewed": True}}))
    call(
        "POST /plans/tasks",
        lambda: http.post(
            "/plans/tasks",
            json={
                "plan_id": plan,
                "agent_id": agent,
                "description": "evaluate",
                "task_type": None,
                "input_data": {"k": 1},
            },
        ),
        ("task", "task_id"),
    )
    task = ids["task"] or native.tasks.create(plan, description="evaluate")["task_id"]
    call(
        "PATCH /plans/tasks/{id}",
        lambda: http.patch(
            f"/plans/tasks/{task}",
            json={"status": "completed", "output_data": {"score": 0.93}, "completed_at": "2026-01-18T12:00:00Z"},
        ),
    )
    call(
        "POST /events/",
        lambda: http.post(
            "/events/",
            json={
                "event_type": "model_trained",
                "aggregate_type": "agent",
                "aggregate_id": agent,
                "payload": {"accuracy": 0.93},
                "metadata": {"source": "seed"},
            },
        ),
    )
    for label, aggregate_type, aggregate_id, event_type in (
        ("POST /events/ (another type)", "agent", agent, "model_evaluated"),
        ("POST /events/ (another aggregate)", "goal", goal, "model_trained"),
    ):
        call(
            label,
            lambda: http.post(
                "/events/",
                json={
                    "event_type": event_type,
                    "aggregate_type": aggregate_type,
                    "aggregate_id": aggregate_id,
                    "payload": {},
                    "metadata": {},
                },
            ),
        )
    call(
        "GET /events/?limit=&aggregate_id=&event_type=",
        lambda: http.get("/events/", params={"limit": 100, "aggregate_id": agent, "event_type": "model_trained"}),
    )
    call(
        "GET /events/?limit=&aggregate_id=",
        lambda: http.get("/events/", params={"limit": 100, "aggregate_id": agent}),
    )
    call(
        "GET /events/?limit=&event_type=",
        lambda: http.get("/events/", params={"limit": 100, "event_type": "model_trained"}),
    )
    call("DELETE /agents/{id}", lambda: http.delete(f"/agents/{agent}"))
    http.close()
    plan_tasks = list(native.tasks.list(plan_id=plan))
    native.close()

    failing = [r for r in results if r[2] != "ok"]
    report = "\n".join(
        f"  {'ok  ' if r[2] == 'ok' else 'FAIL'} {r[0]}: {r[1]} {'' if r[2] == 'ok' else r[2]}" for r in results
    )
    summary = f"{len(results) - len(failing)} of {len(results)} seed-client requests succeed"
    print(f"\n{summary}:\n{report}")
    assert not failing, f"{summary}:\n{report}"
    check_answers(answers, agent, goal, plan, plan_tasks)


def check_answers(answers: Dict[str, Any], agent: str, goal: str, plan: str, plan_tasks: List[Task]) -> None:
    """What the answers say, beyond being 2xx JSON of the native shape (``plan_tasks``: the plan's
    tasks as the native client lists them)."""
    created = answers["POST /agents/"]
    assert created["agent_id"] == agent and created["name"] == "seed-agent" and created["agent_type"] == "general"
    assert created["configuration"] == {"max_tokens": 1000} and created["metadata"] == {"test": "seed"}
    patched = answers["PATCH /agents/{id}"]
    assert patched["status"] == "active" and patched["configuration"] == {"max_tokens": 1500}
    assert [a["agent_id"] for a in answers["GET /agents/?limit=100&status=active"]["data"]] == [agent]
    assert agent in [a["agent_id"] for a in answers["GET /agents/?limit=100&status="]["data"]]

    new_goal = answers["POST /goals/"]
    assert new_goal["goal_id"] == goal and new_goal["agent_id"] == agent and new_goal["priority"] == 5
    assert new_goal["goal_text"] == "Improve the model"
    assert new_goal["success_criteria"] == [{"metric": "accuracy", "target": 0.9}]  # objects, kept as sent
    assert answers["GET /goals/{id}"]["success_criteria"] == [{"metric": "accuracy", "target": 0.9}]
    assert answers["PATCH /goals/{id}"]["status"] == "active"
    assert [g["goal_id"] for g in answers["GET /goals/?limit=100&agent_id="]["data"]] == [goal]

    # A sequential plan from steps: one task per step, each waiting for the one before it.
    new_plan = answers["POST /plans/"]
    assert new_plan["plan_id"] == plan and new_plan["goal_id"] == goal and new_plan["plan_type"] == "sequential"
    assert [t["ref"] for t in new_plan["tasks"]] == ["1", "2"] and new_plan["task_counts"]["pending"] == 2
    first_id, second_id = (t["task_id"] for t in new_plan["tasks"])
    steps = {t["task_id"]: t for t in plan_tasks}
    first, second = steps[first_id], steps[second_id]
    assert (first["name"], first["description"], first["task_type"]) == ("collect", "collect data", "research")
    assert first["inputs"] == {"n": 1} and first["depends_on"] == []
    assert second["description"] == "train" and second["inputs"] == {"epochs": 2}
    assert second["depends_on"] == [first_id]
    assert answers["GET /plans/{id}"]["plan_type"] == "sequential"
    assert answers["PATCH /plans/{id}"]["metadata"] == {"reviewed": True}

    task = answers["POST /plans/tasks"]
    assert task["plan_id"] == plan and task["agent_id"] == agent and task["description"] == "evaluate"
    assert task["task_type"] == "atomic" and task["inputs"] == {"k": 1}  # task_type null: the default
    done = answers["PATCH /plans/tasks/{id}"]
    assert done["task_id"] == task["task_id"] and done["status"] == "completed"
    assert done["outputs"] == {"score": 0.93}
    assert done["completed_at"] and done["completed_at"] != "2026-01-18T12:00:00Z"  # stamped by the server

    # A seed event is a client event x.<event_type> about the aggregate, its fields kept in data.
    event = answers["POST /events/"]
    assert event["type"] == "x.model_trained" and event["resource_id"] == agent
    assert event["data"] == {"aggregate_type": "agent", "payload": {"accuracy": 0.93}, "metadata": {"source": "seed"}}
    other_type = answers["POST /events/ (another type)"]
    other_aggregate = answers["POST /events/ (another aggregate)"]
    assert other_type["type"] == "x.model_evaluated" and other_aggregate["resource_id"] == goal

    def found(label: str) -> List[int]:
        return [e["event_id"] for e in answers[label]["data"]]

    assert found("GET /events/?limit=&aggregate_id=&event_type=") == [event["event_id"]]
    assert found("GET /events/?limit=&event_type=") == [event["event_id"], other_aggregate["event_id"]]
    about_agent = answers["GET /events/?limit=&aggregate_id="]["data"]
    assert {e["resource_id"] for e in about_agent} == {agent}
    assert [e["event_id"] for e in about_agent if e["type"].startswith("x.")] == [
        event["event_id"],
        other_type["event_id"],
    ]
