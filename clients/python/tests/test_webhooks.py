"""client.webhooks on Client and AsyncClient against a real server: the secret shown once, the
allow-list, admin keys only, and deliveries to a receiver this test runs on 127.0.0.1 — signed,
retried after a failed attempt, listed with their attempts, and redelivered. Also the requests the
namespace sends (on a scripted transport) and verify_webhook."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Callable, Dict, List, Optional, Sequence, Type, TypeVar

import httpx
import pytest
from conftest import Tenant
from test_limits_settings import when
from test_types import conforms

from agentic_client import (
    AsyncClient,
    Client,
    Forbidden,
    NotFound,
    RetryPolicy,
    ValidationError,
    WebhookDelivery,
    sign_webhook,
    types,
    verify_webhook,
)

QUICK = RetryPolicy(max_attempts=5, backoff_initial=0.01, backoff_max=0.1)
NEVER = ["x.never-published"]
"""Types no event of these tests has: a webhook of them is never sent anything."""

T = TypeVar("T")


def eventually(probe: Callable[[], Optional[T]], what: str, timeout: float = 30.0) -> T:
    """The first answer of ``probe`` that is not None (or False), asked every 50 ms."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None and found is not False:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class Received:
    path: str
    headers: Dict[str, str]
    """Lower-cased names."""
    body: bytes


class Receiver:
    """A webhook target on 127.0.0.1: records every POST (headers and the exact body bytes) and
    answers the statuses of ``answers`` in turn, then 204. ``hold(n)`` keeps request ``n`` (0-based)
    and every later one waiting for :meth:`release`, so a test can look at the state between two
    attempts before the next one is answered."""

    def __init__(self, answers: Sequence[int] = ()) -> None:
        self.answers = list(answers)
        self.requests: List[Received] = []
        self._lock = threading.Lock()
        self._hold_from: Optional[int] = None
        self._released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    index = len(receiver.requests)
                    headers = {name.lower(): value for name, value in self.headers.items()}
                    receiver.requests.append(Received(self.path, headers, body))
                    status = receiver.answers[index] if index < len(receiver.answers) else 204
                    held = receiver._hold_from is not None and index >= receiver._hold_from
                if held:
                    receiver._released.wait(20)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def hold(self, index: int) -> None:
        self._hold_from = index

    def release(self) -> None:
        self._released.set()

    def received(self, count: int) -> List[Received]:
        """The first ``count`` requests, once that many have arrived."""
        def arrived() -> Optional[List[Received]]:
            return list(self.requests[:count]) if len(self.requests) >= count else None

        return eventually(arrived, f"{count} requests")

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The scheme of the server README, computed here without the client's helper."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def only_delivery(
    client: Client, webhook_id: str, matching: Callable[[WebhookDelivery], bool]
) -> Optional[WebhookDelivery]:
    """The webhook's one delivery, once it is as ``matching`` wants it."""
    deliveries = list(client.webhooks.deliveries(webhook_id))
    assert len(deliveries) <= 1, deliveries
    return deliveries[0] if deliveries and matching(deliveries[0]) else None


def test_the_secret_is_shown_once(client: Client) -> None:
    client.webhooks.set_allowed_hosts(["hooks.example.com"])
    made = client.webhooks.create("https://hooks.example.com/a", NEVER)
    assert re.fullmatch(r"whsec_[0-9a-f]{64}", made["secret"]), made["secret"]
    assert made["url"] == "https://hooks.example.com/a" and made["types"] == NEVER and made["created_at"]

    # Its own secret, and the types as a comma string (as events.list takes them); any port.
    given = client.webhooks.create("https://hooks.example.com:8443/b", "x.one, x.two", secret="a-secret-of-my-own")
    assert given["secret"] == "a-secret-of-my-own" and given["types"] == ["x.one", "x.two"]
    assert given["webhook_id"] != made["webhook_id"]

    def public(webhook: Any) -> Dict[str, Any]:
        return {k: v for k, v in webhook.items() if k != "secret"}

    assert client.webhooks.get(made["webhook_id"]) == public(made)
    assert client.webhooks.get(given["webhook_id"]) == public(given)
    assert client.webhooks.list() == [public(given), public(made)], "newest first, no secrets"

    with pytest.raises(ValidationError) as short:
        client.webhooks.create("https://hooks.example.com/c", NEVER, secret="too short")
    assert short.value.status == 422 and short.value.names_field("secret")
    with pytest.raises(ValidationError) as no_types:
        client.webhooks.create("https://hooks.example.com/c", [])
    assert no_types.value.names_field("types")

    assert client.webhooks.delete(made["webhook_id"]) is None
    with pytest.raises(NotFound):
        client.webhooks.get(made["webhook_id"])
    with pytest.raises(NotFound):
        client.webhooks.delete(made["webhook_id"])
    with pytest.raises(NotFound):
        list(client.webhooks.deliveries(made["webhook_id"]))
    assert [w["webhook_id"] for w in client.webhooks.list()] == [given["webhook_id"]]


def test_the_allow_list_decides_where_webhooks_may_point(client: Client) -> None:
    assert client.webhooks.allowed_hosts() == {"hosts": [], "updated_at": None}
    with pytest.raises(ValidationError) as refused:
        client.webhooks.create("https://hooks.example.com/x", NEVER)
    assert refused.value.status == 422 and refused.value.names_field("url")
    assert "hooks.example.com" in refused.value.field_errors()["url"]

    hosts = client.webhooks.set_allowed_hosts(["Hooks.Example.com", "127.0.0.1", "hooks.example.com"])
    assert hosts["hosts"] == ["127.0.0.1", "hooks.example.com"] and hosts["updated_at"], "normalised, sorted, once each"
    assert client.webhooks.allowed_hosts() == hosts
    other_port = client.webhooks.create("https://HOOKS.example.com:9000/x", NEVER)
    assert other_port["url"] == "https://HOOKS.example.com:9000/x", "the case of the host and any port do not matter"
    for url in ("https://api.hooks.example.com/x", "ftp://hooks.example.com/x", "not a url"):
        with pytest.raises(ValidationError) as bad:
            client.webhooks.create(url, NEVER)
        assert bad.value.names_field("url"), url
    with pytest.raises(ValidationError) as bad_host:
        client.webhooks.set_allowed_hosts(["https://hooks.example.com"])
    assert bad_host.value.names_field("hosts[0]")

    # Checked again at every attempt: a host taken off the list gets failed attempts, and nothing is sent.
    with Receiver() as receiver:
        hook = client.webhooks.create(receiver.url(), ["x.checked"])
        assert client.webhooks.set_allowed_hosts(["hooks.example.com"])["hosts"] == ["hooks.example.com"]
        client.events.publish("x.checked", {"n": 1})
        failed = eventually(
            lambda: only_delivery(client, hook["webhook_id"], lambda d: d["attempts"] >= 1), "an attempt"
        )
        assert failed["state"] == "pending" and failed["last_status"] is None and failed["delivered_at"] is None
        assert "allow-list" in (failed["last_error"] or ""), failed
        assert receiver.requests == []
        client.webhooks.delete(hook["webhook_id"])

    assert client.webhooks.set_allowed_hosts([])["hosts"] == []
    assert client.webhooks.allowed_hosts()["hosts"] == []


@pytest.mark.parametrize("scope", ["write", "approve", "read"])
def test_only_an_admin_key_may_touch_webhooks(client: Client, tenant: Tenant, scope: str) -> None:
    client.webhooks.set_allowed_hosts(["hooks.example.com"])
    hook = client.webhooks.create("https://hooks.example.com/a", NEVER)
    key = client.keys.create(f"{scope} key", scope)["key"]
    missing = "00000000-0000-4000-8000-000000000000"
    with Client(tenant.base_url, key, retry=QUICK) as weak:
        calls: List[Callable[[], object]] = [
            lambda: weak.webhooks.create("https://hooks.example.com/b", NEVER),
            weak.webhooks.list,
            lambda: weak.webhooks.get(hook["webhook_id"]),
            lambda: weak.webhooks.delete(hook["webhook_id"]),
            lambda: list(weak.webhooks.deliveries(hook["webhook_id"])),
            lambda: weak.webhooks.redeliver(hook["webhook_id"], missing),
            weak.webhooks.allowed_hosts,
            lambda: weak.webhooks.set_allowed_hosts(["evil.example.com"]),
        ]
        for call in calls:
            with pytest.raises(Forbidden) as refused:
                call()
            assert refused.value.status == 403
    assert [w["webhook_id"] for w in client.webhooks.list()] == [hook["webhook_id"]]
    assert client.webhooks.allowed_hosts()["hosts"] == ["hooks.example.com"]


def test_deliveries_are_signed_retried_listed_and_redelivered(client: Client) -> None:
    secret = "whsec_test_" + "5" * 20
    with Receiver(answers=[500]) as receiver:
        receiver.hold(1)  # the second attempt waits until the first one's record has been seen
        client.webhooks.set_allowed_hosts(["127.0.0.1"])
        hook = client.webhooks.create(receiver.url("/agentic?from=test"), ["x.ping"], secret=secret)
        hook_id = hook["webhook_id"]
        event = client.events.publish("x.ping", {"n": 1, "text": "é ✓"})
        client.events.publish("x.other", {"n": 2})  # not of the webhook's types: no delivery

        # The first attempt got the 500: the delivery is pending, with the receiver's status, retried later.
        first = eventually(
            lambda: only_delivery(client, hook_id, lambda d: d["attempts"] == 1), "the first attempt's record"
        )
        assert first["state"] == "pending" and first["last_status"] == 500 and "500" in (first["last_error"] or "")
        assert first["event_id"] == event["event_id"] and first["event_type"] == "x.ping"
        assert first["resource_id"] is None and first["webhook_id"] == hook_id
        assert first["next_attempt_at"] and first["last_attempt_at"] and first["delivered_at"] is None
        assert when(first["next_attempt_at"]) > when(first["last_attempt_at"])
        assert when(first["expires_at"]) > when(first["created_at"])
        assert conforms(first, types.WebhookDelivery, "delivery") == []

        receiver.release()
        done = eventually(lambda: only_delivery(client, hook_id, lambda d: d["state"] == "delivered"), "the delivery")
        assert done["attempts"] == 2 and done["last_status"] == 204 and done["last_error"] is None
        assert done["delivered_at"] and done["next_attempt_at"] is None and done["delivery_id"] == first["delivery_id"]

        # Both attempts: the same delivery id, the event as GET /events has it, signed over timestamp.body.
        as_listed = client.events.list(after=event["event_id"] - 1, limit=1)["data"][0]
        attempts = receiver.received(2)
        for attempt in attempts:
            assert attempt.path == "/agentic?from=test"
            assert attempt.headers["content-type"] == "application/json"
            assert attempt.headers["agentic-delivery"] == first["delivery_id"]
            assert attempt.headers["agentic-event-type"] == "x.ping"
            assert json.loads(attempt.body) == as_listed == event
            timestamp = attempt.headers["agentic-timestamp"]
            assert timestamp.isdigit() and abs(int(timestamp) - time.time()) < 120
            signature = attempt.headers["agentic-signature"]
            assert signature == expected_signature(secret, timestamp, attempt.body)
            assert verify_webhook(secret, timestamp, attempt.body, signature)
            assert not verify_webhook("another-secret-entirely", timestamp, attempt.body, signature)
            assert not verify_webhook(secret, timestamp, attempt.body + b" ", signature)

        # Redeliver: due again now, whatever its state; the receiver gets it once more, same id.
        again = client.webhooks.redeliver(hook_id, done["delivery_id"])
        assert again["delivery_id"] == done["delivery_id"] and again["state"] == "pending"
        assert again["next_attempt_at"] and again["attempts"] == 2
        assert when(again["expires_at"]) >= when(done["expires_at"])
        third = receiver.received(3)[2]
        assert third.headers["agentic-delivery"] == done["delivery_id"] and json.loads(third.body) == event
        third_signature = expected_signature(secret, third.headers["agentic-timestamp"], third.body)
        assert third.headers["agentic-signature"] == third_signature
        eventually(
            lambda: only_delivery(client, hook_id, lambda d: d["state"] == "delivered" and d["attempts"] == 3),
            "the redelivery",
        )
        with pytest.raises(NotFound):
            client.webhooks.redeliver(hook_id, "00000000-0000-4000-8000-000000000000")

        # More events: delivered in order (none of them is about a resource: one queue), listed newest
        # first, page after page.
        more = [client.events.publish("x.ping", {"n": n})["event_id"] for n in range(3, 6)]
        eventually(lambda: len(receiver.requests) >= 6 or None, "three more deliveries")
        assert [json.loads(r.body)["event_id"] for r in receiver.requests[3:]] == more

        def all_delivered() -> Optional[List[WebhookDelivery]]:
            listed = list(client.webhooks.deliveries(hook_id))
            return listed if len(listed) == 4 and all(d["state"] == "delivered" for d in listed) else None

        listed = eventually(all_delivered, "four deliveries, delivered")
        assert [d["event_id"] for d in listed] == more[::-1] + [event["event_id"]]
        paged = client.webhooks.deliveries(hook_id, page_size=2)
        assert [d["delivery_id"] for d in paged] == [d["delivery_id"] for d in listed]
        assert paged.pages_fetched >= 2
        assert [d["event_id"] for d in client.webhooks.deliveries(hook_id, page_size=1, max_items=2)] == more[::-1][:2]
        assert all(conforms(d, types.WebhookDelivery, "delivery") == [] for d in listed)

        client.webhooks.delete(hook_id)
        with pytest.raises(NotFound):
            list(client.webhooks.deliveries(hook_id))


def test_async_webhooks(tenant: Tenant, client: Client) -> None:
    writer_key = client.keys.create("writer", "write")["key"]
    with Receiver() as receiver:

        async def scenario() -> None:
            async with AsyncClient(tenant.base_url, tenant.key, retry=QUICK) as admin, AsyncClient(
                tenant.base_url, writer_key, retry=QUICK
            ) as writer:
                with pytest.raises(Forbidden):
                    await writer.webhooks.allowed_hosts()
                assert (await admin.webhooks.set_allowed_hosts("127.0.0.1"))["hosts"] == ["127.0.0.1"]
                assert (await admin.webhooks.allowed_hosts())["hosts"] == ["127.0.0.1"]
                made = await admin.webhooks.create(receiver.url(), ["x.async"], secret="async-secret-0123456789")
                assert made["secret"] == "async-secret-0123456789"
                with pytest.raises(Forbidden):
                    await writer.webhooks.create(receiver.url(), ["x.async"])
                assert await admin.webhooks.get(made["webhook_id"]) == {k: v for k, v in made.items() if k != "secret"}
                assert [w["webhook_id"] for w in await admin.webhooks.list()] == [made["webhook_id"]]
                event = await admin.events.publish("x.async", {"ok": True})

                delivery: Optional[WebhookDelivery] = None
                deadline = time.monotonic() + 30
                while delivery is None or delivery["state"] != "delivered":
                    assert time.monotonic() < deadline, f"no delivery: {delivery}"
                    await asyncio.sleep(0.05)
                    listed = await admin.webhooks.deliveries(made["webhook_id"], page_size=10).to_list()
                    delivery = listed[0] if listed else None
                assert delivery["event_id"] == event["event_id"] and delivery["attempts"] == 1
                again = await admin.webhooks.redeliver(made["webhook_id"], delivery["delivery_id"])
                assert again["state"] == "pending"
                await admin.webhooks.delete(made["webhook_id"])
                with pytest.raises(NotFound):
                    await admin.webhooks.get(made["webhook_id"])

        asyncio.run(scenario())
        first = receiver.received(1)[0]
        signature = first.headers["agentic-signature"]
        assert verify_webhook("async-secret-0123456789", first.headers["agentic-timestamp"], first.body, signature)


def test_webhook_requests() -> None:
    seen: List[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(200, json={"data": [], "next_cursor": None})

    with Client("http://127.0.0.1:9", "k", retry=QUICK, transport=httpx.MockTransport(handle)) as client:
        client.webhooks.create("https://h.example/x", ["task.", "goal.completed"])
        client.webhooks.create("https://h.example/x", "task.,goal.completed", "s" * 16, webhook_id="w1")
        client.webhooks.list()
        client.webhooks.get("w1")
        client.webhooks.delete("w1")
        list(client.webhooks.deliveries("w/1", page_size=20))
        client.webhooks.redeliver("w1", "d1")
        client.webhooks.allowed_hosts()
        client.webhooks.set_allowed_hosts(["a.example", "b.example"])
        client.webhooks.set_allowed_hosts([])
    calls = [(r.method, r.url.raw_path.decode(), json.loads(r.content) if r.content else None) for r in seen]
    assert calls == [
        ("POST", "/api/v1/webhooks", {"url": "https://h.example/x", "types": ["task.", "goal.completed"]}),
        (
            "POST",
            "/api/v1/webhooks",
            {
                "webhook_id": "w1",
                "url": "https://h.example/x",
                "types": ["task.", "goal.completed"],
                "secret": "s" * 16,
            },
        ),
        ("GET", "/api/v1/webhooks", None),
        ("GET", "/api/v1/webhooks/w1", None),
        ("DELETE", "/api/v1/webhooks/w1", None),
        ("GET", "/api/v1/webhooks/w%2F1/deliveries?limit=20", None),
        ("POST", "/api/v1/webhooks/w1/deliveries/d1/redeliver", None),
        ("GET", "/api/v1/webhooks/allowed-hosts", None),
        ("PUT", "/api/v1/webhooks/allowed-hosts", {"hosts": ["a.example", "b.example"]}),
        ("PUT", "/api/v1/webhooks/allowed-hosts", {"hosts": []}),
    ]
    assert all(r.headers.get("idempotency-key") for r in seen if r.method == "POST")


def test_verify_webhook() -> None:
    body = b'{"event_id":7,"type":"x.ping"}'
    signature = sign_webhook("whsec_abc", 1_700_000_000, body)
    assert signature == expected_signature("whsec_abc", "1700000000", body)
    assert verify_webhook("whsec_abc", "1700000000", body, signature, now=1_700_000_100)
    assert verify_webhook("whsec_abc", 1_700_000_000, body, signature, now=1_700_000_000)
    assert not verify_webhook("whsec_abc", "1700000000", body, signature, now=1_700_000_301), "too old: a replay"
    assert not verify_webhook("whsec_abc", "1700000000", body, signature, now=1_699_999_000), "from the future"
    assert not verify_webhook("whsec_abc", "1700000001", body, signature, now=1_700_000_000), "another timestamp"
    assert not verify_webhook("whsec_abd", "1700000000", body, signature, now=1_700_000_000)
    assert not verify_webhook("whsec_abc", "1700000000", body, signature.upper(), now=1_700_000_000)
    assert not verify_webhook("whsec_abc", None, body, signature)
    assert not verify_webhook("whsec_abc", "17e8", body, signature)
    assert not verify_webhook("whsec_abc", "1700000000", body, None, now=1_700_000_000)
