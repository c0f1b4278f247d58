"""Errors come from the server's real problem+json answers, as the right AgenticError subclass."""

from __future__ import annotations

import time
import uuid
from typing import List

import httpx
import pytest
from conftest import Tenant

from agentic_client import (
    AgenticError,
    Client,
    Conflict,
    Forbidden,
    LeaseLost,
    NotFound,
    RateLimited,
    RetryPolicy,
    Unauthorized,
    ValidationError,
    VersionMismatch,
)


def test_not_found(client: Client) -> None:
    missing = str(uuid.uuid4())
    with pytest.raises(NotFound) as caught:
        client.agents.get(missing)
    error = caught.value
    assert error.status == 404 and error.code == "not_found" and missing in error.detail
    assert error.request_id and error.title and error.type.startswith("urn:agentic:problem:")
    assert isinstance(error, AgenticError) and error.request_id in str(error)


def test_lease_lost(client: Client) -> None:
    agent = client.agents.create("w")["agent_id"]
    plan = client.plans.create(client.goals.create("g")["goal_id"])
    task = client.tasks.create(plan["plan_id"], description="t")
    client.tasks.claim(agent)
    client.tasks.cancel(task["task_id"])
    with pytest.raises(LeaseLost) as caught:
        client.tasks.heartbeat(task["task_id"], agent)
    assert caught.value.status == 409 and caught.value.code == "lease_lost" and isinstance(caught.value, Conflict)


def test_conflict_on_duplicate_id(client: Client) -> None:
    agent = client.agents.create("one")
    with pytest.raises(Conflict) as caught:
        client.agents.create("two", agent_id=agent["agent_id"])
    assert caught.value.status == 409 and not isinstance(caught.value, LeaseLost)


def test_version_mismatch(client: Client) -> None:
    agent = client.agents.create("v")
    client.agents.update(agent["agent_id"], status="active")
    with pytest.raises(VersionMismatch) as caught:
        client.agents.update(agent["agent_id"], status="idle", if_version=agent["version"])
    assert caught.value.status == 412


def test_validation_errors_name_every_field(client: Client) -> None:
    with pytest.raises(ValidationError) as caught:
        client.agents.create("", status="sleeping", bogus=1)
    error = caught.value
    assert error.status == 422 and error.code == "validation_failed"
    assert set(error.field_errors()) == {"name", "status", "bogus"}
    assert error.names_field("bogus") and "known field" in error.field_errors()["bogus"]

    with pytest.raises(ValidationError) as caught:
        client.agents.update(client.agents.create("x")["agent_id"], {})
    assert caught.value.status == 400 and caught.value.code == "no_fields"


def test_unauthorized(tenant: Tenant) -> None:
    with Client(tenant.base_url, "agk_" + "x" * 43) as stranger:
        with pytest.raises(Unauthorized) as caught:
            list(stranger.agents.list())
    assert caught.value.status == 401 and caught.value.code == "unauthorized"
    with Client(tenant.base_url, "") as nobody:
        with pytest.raises(Unauthorized):
            nobody.agents.create("x")


def test_forbidden_for_a_read_key(client: Client, tenant: Tenant) -> None:
    read = client.keys.create("reader", "read")
    with Client(tenant.base_url, read["key"]) as reader:
        assert list(reader.agents.list()) == []
        with pytest.raises(Forbidden) as caught:
            reader.agents.create("nope")
        assert caught.value.status == 403
        with pytest.raises(Forbidden):
            reader.keys.list()


def test_rate_limited(client: Client, tenant: Tenant) -> None:
    limited = client.keys.create("slow", "write", rate_limit={"requests_per_second": 1, "burst": 2})
    with Client(tenant.base_url, limited["key"], max_attempts=1) as hasty:
        with pytest.raises(RateLimited) as caught:
            for _ in range(5):
                next(hasty.agents.list().pages())
        error = caught.value
        assert error.status == 429 and error.code == "rate_limited"
        assert error.retry_after is not None and 0 < error.retry_after <= 2
        assert error.headers.get("ratelimit-limit")

    # A client that may retry waits as long as Retry-After says, and then gets through.
    patient_policy = RetryPolicy(max_attempts=4, backoff_initial=0.05)
    with Client(tenant.base_url, limited["key"], retry=patient_policy) as patient:
        started = time.monotonic()
        for i in range(4):
            patient.agents.create(f"eventually-{i}")
        assert time.monotonic() - started >= 0.5
    assert len(list(client.agents.list())) == 4


def test_errors_are_not_retried(tenant: Tenant) -> None:
    """A 4xx other than 429 is final: one request, raised at once."""
    calls: List[str] = []

    with Client(
        tenant.base_url,
        tenant.key,
        http_client=httpx.Client(event_hooks={"request": [lambda r: calls.append(r.method)]}),
    ) as c:
        with pytest.raises(NotFound):
            c.goals.get(str(uuid.uuid4()))
        with pytest.raises(ValidationError):
            c.goals.create("")
    assert calls == ["GET", "POST"]
