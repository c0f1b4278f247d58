"""The event log: pages, long-polls, the SSE stream and its resumption, client events."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import httpx
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


def test_list_iter_and_stream_by_resource_id(client: Client) -> None:
    """``resource_id=`` on list, iter and stream: only the events about that resource, filtered by the server."""
    a = client.agents.create("a")["agent_id"]
    b = client.agents.create("b")["agent_id"]
    client.agents.update(a, status="active")
    client.agents.update(b, status="active")
    client.publish_event("note", a, {"n": 1})

    about_a = client.events.list(resource_id=a)["data"]
    assert [e["type"] for e in about_a] == ["agent.created", "agent.updated", "x.note"]
    assert {e["resource_id"] for e in about_a} == {a}
    assert [e["type"] for e in client.events.list(types="agent.", resource_id=b)["data"]] == [
        "agent.created",
        "agent.updated",
    ]
    assert ids(list(client.events.iter(resource_id=a, page_size=1))) == ids(about_a)
    with client.events.stream(resource_id=b, after=0) as stream:
        assert [next(stream)["event_id"] for _ in range(2)] == ids(client.events.list(resource_id=b)["data"])
        client.agents.update(a, status="idle")
        client.agents.update(b, status="idle")
        late = next(stream)
        assert late["resource_id"] == b and late["data"]["status"] == "idle"


def test_query_events_filters_on_the_server() -> None:
    """``query_events`` (sync and async) asks the server for the aggregate's ``x.<event_type>`` events
    (``types`` and ``resource_id``) in pages of ``limit``, and stops once it has ``limit`` of them."""
    seen: List[httpx.Request] = []

    def event(n: int) -> Dict[str, Any]:
        return {"event_id": n, "type": "x.built", "resource_id": "agg", "data": {}, "actor": "k", "created_at": "t"}

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        after = int(request.url.params.get("after", "0"))
        batch = [event(n) for n in (after + 10, after + 20) if n <= 50]
        return httpx.Response(200, json={"data": batch, "next_after": batch[-1]["event_id"] if batch else after})

    expected = [("x.built", "agg", "3", "0"), ("x.built", "agg", "3", "20")]

    def asked() -> List[Tuple[Optional[str], ...]]:
        params = [r.url.params for r in seen]
        del seen[:]
        return [(p.get("types"), p.get("resource_id"), p.get("limit"), p.get("after")) for p in params]

    with Client("http://127.0.0.1:9", "k", transport=httpx.MockTransport(handle)) as client:
        assert ids(client.query_events("built", "agg", limit=3)) == [10, 20, 30]
        assert asked() == expected
        assert ids(client.query_events("x.built", "agg", limit=1500)) == [10, 20, 30, 40, 50]
        assert asked()[0] == ("x.built", "agg", "1000", "0")
        assert client.query_events("built", limit=0) == [] and asked() == []

    async def scenario() -> None:
        async with AsyncClient("http://127.0.0.1:9", "k", transport=httpx.MockTransport(handle)) as client:
            assert ids(await client.query_events("built", "agg", limit=3)) == [10, 20, 30]
            assert asked() == expected
            assert await client.query_events("built", limit=0) == [] and asked() == []

    asyncio.run(scenario())


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


def test_async_publish_and_query_events(tenant: Tenant) -> None:
    """The seed's aliases on AsyncClient (its L01Client was async), and resource_id= on its events."""

    async def scenario() -> None:
        async with AsyncClient(tenant.base_url, tenant.key) as client:
            agent = (await client.agents.create("a"))["agent_id"]
            other = (await client.agents.create("b"))["agent_id"]
            published = await client.publish_event(
                "model_trained", agent, {"accuracy": 0.93}, aggregate_type="agent", metadata={"source": "async"}
            )
            assert published["type"] == "x.model_trained" and published["resource_id"] == agent
            assert published["data"] == {
                "aggregate_type": "agent",
                "payload": {"accuracy": 0.93},
                "metadata": {"source": "async"},
            }
            second = await client.publish_event("model_trained", agent, {"accuracy": 0.95})
            elsewhere = await client.publish_event("model_trained", other)
            await client.publish_event("model_deployed", agent)

            found = await client.query_events("model_trained", agent)
            assert ids(found) == [published["event_id"], second["event_id"]]
            assert [e["data"]["payload"] for e in found] == [{"accuracy": 0.93}, {"accuracy": 0.95}]
            assert ids(await client.query_events("model_trained", agent, limit=1)) == [published["event_id"]]
            assert ids(await client.query_events("model_trained", other)) == [elsewhere["event_id"]]
            assert len(await client.query_events("model_trained")) == 3
            assert [e["type"] for e in await client.query_events(aggregate_id=agent)] == [
                "agent.created",
                "x.model_trained",
                "x.model_trained",
                "x.model_deployed",
            ]
            assert ids(await client.query_events("model_trained", agent, after=published["event_id"])) == [
                second["event_id"]
            ]

            page = await client.events.list(types="x.", resource_id=other)
            assert ids(page["data"]) == [elsewhere["event_id"]]
            assert len([e async for e in client.events.iter(resource_id=agent, page_size=1)]) == 4
            async with client.events.stream(resource_id=other, after=0) as stream:
                assert (await stream.__anext__())["type"] == "agent.created"
                assert (await stream.__anext__())["event_id"] == elsewhere["event_id"]
                await client.publish_event("model_trained", agent)
                last = await client.publish_event("model_retired", other)
                assert (await stream.__anext__())["event_id"] == last["event_id"]

    asyncio.run(scenario())
