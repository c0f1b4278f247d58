"""The event log: pages, long-polls, the SSE stream and its resumption, client events."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import List

import pytest
from conftest import Tenant
from support import FaultProxy

from agentic_client import AsyncClient, Client, Event
from agentic_client._core import SSEDecoder


def ids(events: List[Event]) -> List[int]:
    return [e["event_id"] for e in events]


def test_list_pages_and_filters(client: Client) -> None:
    agent = client.agents.create("a")
    client.agents.update(agent["agent_id"], status="active")
    plan = client.plans.create(client.goals.create("g")["goal_id"])
    client.tasks.create(plan["plan_id"], description="t")

    page = client.events.list()
    types = [e["type"] for e in page["data"]]
    assert types[:2] == ["agent.created", "agent.updated"] and "task.created" in types
    assert page["next_after"] == page["data"][-1]["event_id"] and ids(page["data"]) == sorted(ids(page["data"]))
    event = page["data"][0]
    assert event["resource_id"] == agent["agent_id"] and event["data"]["name"] == "a" and event["actor"]

    only = client.events.list(after=0, types=["agent.", "task.created"])
    assert [e["type"] for e in only["data"]] == ["agent.created", "agent.updated", "task.created"]
    first = client.events.list(after=0, limit=1)
    rest = client.events.list(after=first["next_after"])
    assert ids(first["data"]) + ids(rest["data"]) == ids(page["data"])
    assert client.events.list(after=page["next_after"]) == {"data": [], "next_after": page["next_after"]}
    assert ids(list(client.events.iter(page_size=2))) == ids(page["data"])
    assert client.events.head() == page["next_after"]


def test_head_of_an_empty_and_a_long_log(client: Client) -> None:
    assert client.events.head() == 0
    for i in range(37):
        client.agents.create(f"a{i}")
    assert client.events.head() == client.events.list(after=0, limit=1000)["data"][-1]["event_id"]


def test_long_poll_waits_for_the_next_event(client: Client) -> None:
    start = client.events.head()
    started = time.monotonic()
    assert client.events.list(after=start, wait=1)["data"] == []
    assert time.monotonic() - started >= 0.9

    timer = threading.Timer(0.5, lambda: client.agents.create("late"))
    timer.start()
    started = time.monotonic()
    page = client.events.list(after=start, types="agent.", wait=10)
    elapsed = time.monotonic() - started
    timer.join()
    assert [e["type"] for e in page["data"]] == ["agent.created"] and 0.4 <= elapsed < 5

    follow = client.events.iter(after=page["next_after"], types="agent.", follow=True, wait=5)
    timer = threading.Timer(0.3, lambda: client.agents.create("later"))
    timer.start()
    assert next(follow)["data"]["name"] == "later"
    timer.join()


def test_stream_resumes_without_gap_or_repeat(tenant: Tenant, proxy: FaultProxy) -> None:
    direct = tenant.client()
    through = Client(proxy.base_url, tenant.key)
    for i in range(5):
        direct.agents.create(f"a{i}")
    with through.events.stream(types="agent.", after=0) as stream:
        got = [next(stream) for _ in range(5)]
        proxy.cut_all()  # between events
        for i in range(5, 10):
            direct.agents.create(f"a{i}")
        got += [next(stream) for _ in range(5)]
        proxy.cut_streams_after = 300  # in the middle of the next event
        for i in range(10, 15):
            direct.agents.create(f"a{i}")
        got += [next(stream) for _ in range(5)]
        assert stream.reconnects >= 2 and proxy.cuts >= 2 and stream.last_event_id == got[-1]["event_id"]
    expected = list(direct.events.iter(types="agent."))
    assert ids(got) == ids(expected) and [e["data"]["name"] for e in got] == [f"a{i}" for i in range(15)]
    through.close()
    direct.close()


def test_stream_from_last_event_id(client: Client) -> None:
    for i in range(4):
        client.agents.create(f"a{i}")
    every = list(client.events.iter())
    with client.events.stream(last_event_id=every[1]["event_id"]) as stream:
        assert [next(stream)["event_id"] for _ in range(2)] == ids(every[2:])
    with client.events.stream(types=["agent.created"], after=every[2]["event_id"]) as stream:
        assert next(stream)["event_id"] == every[3]["event_id"]


def test_async_stream_resumes(tenant: Tenant, proxy: FaultProxy) -> None:
    direct = tenant.client()

    async def scenario() -> List[Event]:
        async with AsyncClient(proxy.base_url, tenant.key) as through:
            got: List[Event] = []
            async with through.events.stream(types="goal.") as stream:
                await asyncio.to_thread(direct.goals.create, "g0")
                got.append(await stream.__anext__())
                proxy.cut_all()
                await asyncio.to_thread(direct.goals.create, "g1")
                await asyncio.to_thread(direct.goals.create, "g2")
                got.append(await stream.__anext__())
                got.append(await stream.__anext__())
                assert stream.reconnects >= 1
            return got

    got = asyncio.run(scenario())
    assert ids(got) == ids(list(direct.events.iter(types="goal."))) and len(got) == 3
    direct.close()


def test_sse_decoder() -> None:
    decoder = SSEDecoder()
    lines = [
        "retry: 1000",
        "",
        ": keep-alive",
        "",
        "id: 7",
        "event: agent.created",
        'data: {"a":',
        "data: 1}",
        "",
        "id: 8",
        "data: {",
    ]
    out = [decoder.feed(line) for line in lines]
    events = [e for e in out if e is not None]
    assert decoder.retry_ms == 1000 and decoder.comments == 1
    assert (
        len(events) == 1
        and events[0].id == "7"
        and events[0].event == "agent.created"
        and events[0].data == '{"a":\n1}'
    )


# --- client events: POST /api/v1/events -------------------------------------------------------------


def test_publish_and_query_events(client: Client) -> None:
    agent = client.agents.create("a")
    published = client.publish_event(
        "report_ready", agent["agent_id"], {"pages": 3}, aggregate_type="agent", metadata={"source": "test"}
    )
    assert published["type"] == "x.report_ready" and published["resource_id"] == agent["agent_id"]
    assert published["data"] == {"aggregate_type": "agent", "payload": {"pages": 3}, "metadata": {"source": "test"}}
    client.publish_event("report_ready", None, {"pages": 1})
    own = client.events.publish("x.note", {"text": "hi"})
    assert own["type"] == "x.note"
    found = client.query_events("report_ready", agent["agent_id"])
    assert [e["event_id"] for e in found] == [published["event_id"]]
    assert len(client.query_events("report_ready")) == 2
    assert [e["type"] for e in client.events.list(types="x.")["data"]] == ["x.report_ready", "x.report_ready", "x.note"]
