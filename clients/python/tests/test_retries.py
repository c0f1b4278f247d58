"""Safe retries: an answer lost after the server acted, or a server restarted mid-sequence, never
makes anything happen twice (each POST's Idempotency-Key is reused by its retries)."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Dict, List, Optional

import httpx
import pytest
from conftest import Tenant
from support import AgenticServer, FaultProxy

from agentic_client import Client, ConnectionFailed, RetryPolicy, ServiceUnavailable

QUICK = RetryPolicy(max_attempts=5, backoff_initial=0.01, backoff_max=0.1)


def test_lost_answers_are_replayed_not_redone(tenant: Tenant, proxy: FaultProxy) -> None:
    direct = tenant.client()
    replays: List[str] = []

    def note(response: httpx.Response) -> None:
        if response.headers.get("idempotent-replayed") == "true":
            replays.append(response.request.url.path)

    through = Client(
        proxy.base_url, tenant.key, retry=QUICK, http_client=httpx.Client(event_hooks={"response": [note]})
    )
    created = []
    for i in range(40):
        if i % 3 == 0:
            proxy.drop_responses(1, "POST")
        created.append(through.agents.create(f"agent-{i}")["agent_id"])
    assert proxy.dropped == 14 and len(replays) == 14
    assert len(set(created)) == 40
    assert sorted(a["agent_id"] for a in direct.agents.list()) == sorted(created)  # exactly once each

    # The work queue: a claim whose answer was lost is replayed — the same tasks, claimed once.
    worker = through.agents.create("worker")["agent_id"]
    plan = through.plans.create(through.goals.create("g")["goal_id"])
    for i in range(6):
        through.tasks.create(plan["plan_id"], description=f"t{i}")
    proxy.drop_responses(1, "POST", "/api/v1/tasks/claim")
    claimed = through.tasks.claim(worker, limit=3)
    assert len(claimed) == 3 and proxy.dropped == 15
    assert len(list(direct.tasks.list(plan_id=plan["plan_id"], status="running"))) == 3
    for task in claimed:
        proxy.drop_responses(1, "POST", f"/api/v1/tasks/{task['task_id']}/complete")
        assert through.tasks.complete(task["task_id"], worker, {"n": 1})["status"] == "completed"
    completed = [e for e in direct.events.iter(types="task.completed")]
    assert sorted(e["resource_id"] or "" for e in completed) == sorted(t["task_id"] for t in claimed)
    assert proxy.dropped == 18

    # PATCH and DELETE are retried too; a DELETE whose answer was lost is done, not "404".
    agent = created[0]
    proxy.drop_responses(1, "PATCH")
    assert through.agents.update(agent, status="active")["status"] == "active"
    proxy.drop_responses(1, "DELETE")
    through.agents.delete(agent)
    assert proxy.dropped == 20
    assert len(list(direct.agents.list())) == 40  # 40 + the worker - the deleted one
    through.close()
    direct.close()


def test_server_restarted_mid_sequence(new_server: AgenticServer, caplog: pytest.LogCaptureFixture) -> None:
    """The server goes down and comes back (same port, same database) while a client keeps creating."""
    caplog.set_level(logging.INFO, logger="agentic_client")
    admin = Client(new_server.base_url, new_server.admin_key, retry=QUICK)
    tenant = "r" + str(int(time.time() * 1000))
    key = admin.keys.create("restart", "admin", tenant=tenant)["key"]
    admin.close()
    patient = RetryPolicy(max_attempts=40, backoff_initial=0.05, backoff_max=0.5)
    client = Client(new_server.base_url, key, retry=patient)
    plan = client.plans.create(client.goals.create("g")["goal_id"])
    restarted = threading.Event()
    made: List[str] = []
    errors: List[BaseException] = []

    def create() -> None:  # keeps creating through the restart (which the main thread does, see below)
        try:
            while not restarted.is_set() or len(made) < 20:
                made.append(client.tasks.create(plan["plan_id"], description=f"t{len(made)}")["task_id"])
                if len(made) > 2000:
                    break
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=create)
    thread.start()
    time.sleep(0.3)
    new_server.stop()  # SIGTERM: in-flight requests finish, new ones are refused
    time.sleep(0.3)
    new_server.start()  # the same port and database
    restarted.set()
    thread.join(60)
    assert not thread.is_alive() and not errors, errors
    assert new_server.starts == 2
    listed = [t["task_id"] for t in client.tasks.list(plan_id=plan["plan_id"], page_size=200)]
    assert len(listed) == len(made) and set(listed) == set(made)
    assert client.plans.get(plan["plan_id"])["task_counts"]["pending"] == len(made)
    retried = [r for r in caplog.records if "retrying" in r.getMessage() and "/tasks" in r.getMessage()]
    assert retried, "the restart never got in the way of a request"
    client.close()


# --- the retry rules, on a scripted transport ---------------------------------------------------


def scripted(answers: List[Any], seen: List[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, httpx.Response)
        return answer

    return httpx.MockTransport(handle)


def problem(status: int, code: str, headers: Optional[Dict[str, str]] = None) -> httpx.Response:
    body = {
        "type": f"urn:agentic:problem:{code}",
        "title": "t",
        "status": status,
        "detail": "d",
        "code": code,
        "request_id": "r",
    }
    return httpx.Response(
        status, headers={"content-type": "application/problem+json", **(headers or {})}, content=json.dumps(body)
    )


def test_one_idempotency_key_across_retries() -> None:
    seen: List[httpx.Request] = []
    answers: List[object] = [
        httpx.ConnectError("refused"),
        httpx.ReadError("reset"),
        problem(503, "database_unavailable", {"retry-after": "0"}),
        problem(409, "idempotency_in_progress"),
        httpx.Response(201, json={"agent_id": "a", "name": "n"}),
    ]
    with Client("http://127.0.0.1:9", "k", retry=QUICK, transport=scripted(answers, seen)) as client:
        assert client.agents.create("n")["agent_id"] == "a"
    keys = {r.headers["idempotency-key"] for r in seen}
    assert len(seen) == 5 and len(keys) == 1
    assert {r.content for r in seen} == {b'{"name":"n"}'}


def test_each_call_has_its_own_key_and_gets_honour_retry_after() -> None:
    seen: List[httpx.Request] = []
    answers: List[object] = [
        httpx.Response(201, json={}),
        httpx.Response(201, json={}),
        problem(429, "rate_limited", {"retry-after": "1"}),
        httpx.Response(200, json={"data": [], "next_cursor": None}),
    ]
    with Client("http://127.0.0.1:9", "k", retry=QUICK, transport=scripted(answers, seen)) as client:
        client.agents.create("a")
        client.agents.create("a")
        started = time.monotonic()
        assert list(client.agents.list()) == []
        assert time.monotonic() - started >= 1.0
    assert seen[0].headers["idempotency-key"] != seen[1].headers["idempotency-key"]
    assert "idempotency-key" not in seen[2].headers and seen[2].headers["x-api-key"] == "k"


def test_attempts_are_bounded() -> None:
    seen: List[httpx.Request] = []
    with Client("http://127.0.0.1:9", retry=QUICK, transport=scripted([httpx.ConnectError("no")] * 5, seen)) as client:
        with pytest.raises(ConnectionFailed) as caught:
            client.goals.get("x")
    assert len(seen) == 5 and caught.value.status == 0 and isinstance(caught.value.cause, httpx.ConnectError)
    seen.clear()
    with Client(
        "http://127.0.0.1:9", max_attempts=2, transport=scripted([problem(503, "database_unavailable")] * 2, seen)
    ) as c:
        with pytest.raises(ServiceUnavailable):
            c.goals.get("x")
    assert len(seen) == 2
    seen.clear()
    too_long = [problem(429, "rate_limited", {"retry-after": "3600"})]
    with Client("http://127.0.0.1:9", transport=scripted(too_long, seen)) as c:
        with pytest.raises(Exception) as caught_limit:
            c.goals.get("x")
    assert getattr(caught_limit.value, "retry_after", None) == 3600 and len(seen) == 1
