"""client.limits (concurrency limits, /limits/concurrency) and client.settings (the tenant's
defaults, /settings) on Client and AsyncClient, against a real server; and the requests they send,
on a scripted transport."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any, List, Tuple

import httpx
import pytest
from conftest import Tenant

from agentic_client import (
    AsyncClient,
    Client,
    ConcurrencyLimit,
    Forbidden,
    NotFound,
    RetryPolicy,
    TenantSettings,
    ValidationError,
)

QUICK = RetryPolicy(max_attempts=5, backoff_initial=0.01, backoff_max=0.1)

_TIMESTAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z")


def when(text: str) -> datetime:
    """A timestamp of the API (``2025-01-02T03:04:05.123456Z``, any number of fraction digits)."""
    found = _TIMESTAMP.fullmatch(text)
    assert found, text
    year, month, day, hour, minute, second = (int(part) for part in found.groups()[:6])
    micro = int((found.group(7) or "0").ljust(6, "0"))
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone.utc)


def queue(client: Client) -> Tuple[str, str]:
    """A worker agent and a plan to put tasks in: (agent_id, plan_id)."""
    worker = client.agents.create("worker")["agent_id"]
    plan = client.plans.create(client.goals.create("g")["goal_id"])["plan_id"]
    return worker, plan


def test_concurrency_limit_holds_back_claims(client: Client) -> None:
    worker, plan = queue(client)
    limit = client.limits.set_concurrency("gpu", 1)
    assert limit["key"] == "gpu" and limit["max_running"] == 1 and limit["running"] == 0
    assert limit["created_at"] and limit["updated_at"]
    first = client.tasks.create(plan, name="one", task_type="render", concurrency_key="gpu")["task_id"]
    second = client.tasks.create(plan, name="two", task_type="render", concurrency_key="gpu")["task_id"]

    claimed = client.tasks.claim(worker, task_types=["render"], limit=2)
    assert len(claimed) == 1, "the limit lets one of the key's tasks run"
    [running] = claimed
    assert running["task_id"] in (first, second) and running["concurrency_key"] == "gpu"
    assert client.tasks.claim(worker, task_types=["render"], limit=2) == []

    got: ConcurrencyLimit = client.limits.get_concurrency("gpu")
    assert got["key"] == "gpu" and got["max_running"] == 1 and got["running"] == 1
    assert got["created_at"] == limit["created_at"]
    listed = client.limits.list_concurrency()
    assert [(x["key"], x["max_running"], x["running"]) for x in listed] == [("gpu", 1, 1)]

    # Changing it answers the limit changed (same key, same created_at).
    raised = client.limits.set_concurrency("gpu", 1)
    assert raised["key"] == "gpu" and raised["created_at"] == limit["created_at"] and raised["running"] == 1

    assert client.limits.delete_concurrency("gpu") is None
    with pytest.raises(NotFound):
        client.limits.get_concurrency("gpu")
    with pytest.raises(NotFound):
        client.limits.delete_concurrency("gpu")
    assert client.limits.list_concurrency() == []
    [other] = client.tasks.claim(worker, task_types=["render"], limit=2)
    assert {other["task_id"], running["task_id"]} == {first, second}


def test_limit_keys_take_any_character(client: Client) -> None:
    """A key is percent-encoded whole: ``/``, spaces, ``%``, ``?``, ``#``, non-ASCII, even ``..``."""
    keys = ["team/a b", "a%2Fb", "what? #1 & more", "ü/ö", "..", ".", "/"]
    for n, key in enumerate(keys, start=1):
        made = client.limits.set_concurrency(key, n)
        assert made["key"] == key and made["max_running"] == n
        assert client.limits.get_concurrency(key)["key"] == key
        assert client.limits.get_concurrency(key)["max_running"] == n
    assert {x["key"]: x["max_running"] for x in client.limits.list_concurrency()} == {
        key: n for n, key in enumerate(keys, start=1)
    }

    # The limit of "team/a b" is the one tasks with that concurrency_key run under.
    worker, plan = queue(client)
    client.limits.set_concurrency("team/a b", 1)
    for name in ("x", "y"):
        client.tasks.create(plan, name=name, task_type="slash", concurrency_key="team/a b")
    assert len(client.tasks.claim(worker, task_types=["slash"], limit=2)) == 1
    assert client.limits.get_concurrency("team/a b")["running"] == 1

    for key in keys:
        client.limits.delete_concurrency(key)
    assert client.limits.list_concurrency() == []
    with pytest.raises(NotFound):
        client.limits.get_concurrency("team/a b")
    with pytest.raises(NotFound):
        client.limits.get_concurrency("team")  # never set: "team/a b" was never split at its "/"


def test_limit_errors(client: Client) -> None:
    with pytest.raises(NotFound):
        client.limits.get_concurrency("nothing-" + uuid.uuid4().hex)
    with pytest.raises(NotFound):
        client.limits.delete_concurrency("nothing-" + uuid.uuid4().hex)
    with pytest.raises(ValidationError) as zero:
        client.limits.set_concurrency("k", 0)
    assert zero.value.names_field("max_running")
    with pytest.raises(ValidationError) as long_key:
        client.limits.set_concurrency("k" * 101, 1)
    assert long_key.value.names_field("key")
    assert client.limits.list_concurrency() == []


def test_limits_and_settings_need_an_admin_to_change(client: Client, tenant: Tenant) -> None:
    client.limits.set_concurrency("shared", 2)
    writer = client.keys.create("writer", "write")
    with Client(tenant.base_url, writer["key"], retry=QUICK) as worker:
        with pytest.raises(Forbidden):
            worker.limits.set_concurrency("shared", 100)
        with pytest.raises(Forbidden):
            worker.limits.set_concurrency("new", 1)
        with pytest.raises(Forbidden):
            worker.limits.delete_concurrency("shared")
        with pytest.raises(Forbidden):
            worker.settings.update(default_retry_policy={"initial_seconds": 1})
        with pytest.raises(Forbidden):
            worker.settings.update(default_retry_policy=None)
        # Reading is for any key.
        assert worker.limits.get_concurrency("shared")["max_running"] == 2
        assert [x["key"] for x in worker.limits.list_concurrency()] == ["shared"]
        assert worker.settings.get()["default_retry_policy"] is None
    assert client.limits.get_concurrency("shared")["max_running"] == 2
    with pytest.raises(NotFound):
        client.limits.get_concurrency("new")


def test_settings_default_retry_policy(client: Client) -> None:
    settings: TenantSettings = client.settings.get()
    assert settings == {"default_retry_policy": None, "updated_at": None}

    updated = client.settings.update(default_retry_policy={"initial_seconds": 7, "jitter": False})
    assert updated["default_retry_policy"] == {
        "initial_seconds": 7.0,
        "multiplier": 2.0,
        "max_seconds": 300.0,
        "jitter": False,
    }
    assert updated["updated_at"] is not None
    assert client.settings.get() == updated

    # A task without a retry_policy of its own follows the tenant's default.
    worker, plan = queue(client)
    task = client.tasks.create(plan, name="flaky", task_type="flaky", max_attempts=3)
    assert task["retry_policy"] is None
    [claimed] = client.tasks.claim(worker, task_types=["flaky"])
    assert claimed["task_id"] == task["task_id"]
    failed = client.tasks.fail(task["task_id"], worker, RuntimeError("try later"), retryable=True)
    assert failed["status"] == "pending" and failed["attempts"] == 1 and failed["not_before"]
    wait = (when(failed["not_before"]) - when(failed["updated_at"])).total_seconds()
    assert 6.0 <= wait <= 8.0, wait
    assert client.tasks.claim(worker, task_types=["flaky"]) == [], "backed off"

    # A bad value names the member, and changes nothing.
    with pytest.raises(ValidationError) as bad:
        client.settings.update(default_retry_policy={"multiplier": 0.5})
    assert bad.value.names_field("default_retry_policy.multiplier"), bad.value.errors
    assert client.settings.get() == updated

    # Nothing to change: the server's 400.
    with pytest.raises(ValidationError) as empty:
        client.settings.update()
    assert empty.value.status == 400 and empty.value.code == "no_fields"

    cleared = client.settings.update(default_retry_policy=None)
    assert cleared["default_retry_policy"] is None and cleared["updated_at"] is not None
    assert client.settings.get()["default_retry_policy"] is None


def test_limit_and_settings_requests() -> None:
    """What the calls send: the key percent-encoded as one path segment, ``max_running`` in a PUT
    (no Idempotency-Key: PUT is idempotent by itself), and only the settings given — ``None`` as
    ``null``, nothing as ``{}``."""
    seen: List[httpx.Request] = []
    limit = {"key": "k", "max_running": 3, "running": 0, "created_at": "t", "updated_at": "t"}
    settings = {"default_retry_policy": None, "updated_at": None}

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if request.method == "DELETE":
            return httpx.Response(204)
        if path.endswith("/settings"):
            return httpx.Response(200, json=settings)
        if path.endswith("/limits/concurrency"):
            return httpx.Response(200, json={"data": [limit]})
        return httpx.Response(201 if request.method == "PUT" else 200, json=limit)

    with Client("http://127.0.0.1:9", "k", retry=QUICK, transport=httpx.MockTransport(handle)) as client:
        assert client.limits.set_concurrency("a/b c", 3) == limit
        assert client.limits.get_concurrency("ü?#%") == limit
        assert client.limits.get_concurrency("..") == limit
        assert client.limits.list_concurrency() == [limit]
        assert client.limits.delete_concurrency("x/y") is None
        assert client.settings.get() == settings
        client.settings.update(default_retry_policy={"initial_seconds": 7, "jitter": False})
        client.settings.update(default_retry_policy=None)
        client.settings.update()

    assert [(r.method, r.url.raw_path.decode()) for r in seen] == [
        ("PUT", "/api/v1/limits/concurrency/a%2Fb%20c"),
        ("GET", "/api/v1/limits/concurrency/%C3%BC%3F%23%25"),
        ("GET", "/api/v1/limits/concurrency/%2E%2E"),
        ("GET", "/api/v1/limits/concurrency"),
        ("DELETE", "/api/v1/limits/concurrency/x%2Fy"),
        ("GET", "/api/v1/settings"),
        ("PATCH", "/api/v1/settings"),
        ("PATCH", "/api/v1/settings"),
        ("PATCH", "/api/v1/settings"),
    ]
    bodies: List[Any] = [json.loads(r.content) if r.content else None for r in seen]
    assert bodies == [
        {"max_running": 3},
        None,
        None,
        None,
        None,
        None,
        {"default_retry_policy": {"initial_seconds": 7, "jitter": False}},
        {"default_retry_policy": None},
        {},
    ]
    assert not any("idempotency-key" in r.headers for r in seen)


def test_async_limits_and_settings(tenant: Tenant) -> None:
    async def scenario() -> None:
        async with AsyncClient(tenant.base_url, tenant.key, retry=QUICK) as client:
            worker = (await client.agents.create("async-worker"))["agent_id"]
            plan = (await client.plans.create((await client.goals.create("g"))["goal_id"]))["plan_id"]

            made = await client.limits.set_concurrency("pool/a b", 1)
            assert made["key"] == "pool/a b" and made["max_running"] == 1 and made["running"] == 0
            tasks = [
                (await client.tasks.create(plan, name=f"t{i}", task_type="aq", concurrency_key="pool/a b"))["task_id"]
                for i in range(2)
            ]
            claimed = await client.tasks.claim(worker, task_types=["aq"], limit=2)
            assert len(claimed) == 1
            assert (await client.limits.get_concurrency("pool/a b"))["running"] == 1
            listed = await client.limits.list_concurrency()
            assert [(x["key"], x["running"]) for x in listed] == [("pool/a b", 1)]
            await client.limits.delete_concurrency("pool/a b")
            with pytest.raises(NotFound):
                await client.limits.get_concurrency("pool/a b")
            with pytest.raises(NotFound):
                await client.limits.delete_concurrency("pool/a b")
            [other] = await client.tasks.claim(worker, task_types=["aq"], limit=2)
            assert {other["task_id"], claimed[0]["task_id"]} == set(tasks)

            writer = await client.keys.create("writer", "write")
            async with AsyncClient(tenant.base_url, writer["key"], retry=QUICK) as weak:
                with pytest.raises(Forbidden):
                    await weak.limits.set_concurrency("pool", 5)
                with pytest.raises(Forbidden):
                    await weak.settings.update(default_retry_policy=None)

            assert (await client.settings.get())["default_retry_policy"] is None
            updated = await client.settings.update(default_retry_policy={"initial_seconds": 7, "jitter": False})
            assert updated["default_retry_policy"] == {
                "initial_seconds": 7.0,
                "multiplier": 2.0,
                "max_seconds": 300.0,
                "jitter": False,
            }
            task = (await client.tasks.create(plan, name="flaky", task_type="af", max_attempts=3))["task_id"]
            [got] = await client.tasks.claim(worker, task_types=["af"])
            assert got["task_id"] == task
            failed = await client.tasks.fail(task, worker, "later", retryable=True)
            assert failed["status"] == "pending" and failed["not_before"]
            wait = (when(failed["not_before"]) - when(failed["updated_at"])).total_seconds()
            assert 6.0 <= wait <= 8.0, wait

            with pytest.raises(ValidationError) as bad:
                await client.settings.update(default_retry_policy={"multiplier": 0.5})
            assert bad.value.names_field("default_retry_policy.multiplier")
            with pytest.raises(ValidationError) as empty:
                await client.settings.update()
            assert empty.value.status == 400

            cleared = await client.settings.update(default_retry_policy=None)
            assert cleared["default_retry_policy"] is None
            assert (await client.settings.get())["default_retry_policy"] is None

    asyncio.run(scenario())
