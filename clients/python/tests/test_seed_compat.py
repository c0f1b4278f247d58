"""The seed platform's own L01Client requests, replayed as it sends them (base URL …/api/v1, key in
X-API-Key, every answer read with raise_for_status() and .json()): every one must succeed."""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Tuple

import httpx
from conftest import Tenant



def test_seed_client_requests(tenant: Tenant) -> None:
    http = httpx.Client(base_url=tenant.base_url + "/api/v1", headers={"X-API-Key": tenant.key}, timeout=30)
    native = tenant.client()  # makes what a failed seed create did not, so each later call is judged on its own
    results: List[Tuple[str, Optional[int], str]] = []
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
    call(
        "GET /events/?limit=&aggregate_id=&event_type=",
        lambda: http.get("/events/", params={"limit": 100, "aggregate_id": agent, "event_type": "model_trained"}),
    )
    call("DELETE /agents/{id}", lambda: http.delete(f"/agents/{agent}"))
    http.close()
    native.close()

    failing = [r for r in results if r[2] != "ok"]
    report = "\n".join(
        f"  {'ok  ' if r[2] == 'ok' else 'FAIL'} {r[0]}: {r[1]} {'' if r[2] == 'ok' else r[2]}" for r in results
    )
    summary = f"{len(results) - len(failing)} of {len(results)} seed-client requests succeed"
    print(f"\n{summary}:\n{report}")
    assert not failing, f"{summary}:\n{report}"
