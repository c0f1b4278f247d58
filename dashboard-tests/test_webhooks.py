"""Webhooks in the dashboard (headless Chromium against a real server): an admin key sees the
webhooks (URL, types, created) and the allowed hosts, a webhook's deliveries with their state,
attempts, last status and error and next attempt — following them live — and redelivers one from
the page; any other key is told that webhooks need an admin key, and the server refuses it anyway.

Deliveries go to a small receiver this test runs on 127.0.0.1 (the only host on the allow-list it
delivers to): on /hook it answers 500 once, then 204; on /down 503 for ever."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Optional

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from support import console_errors, screenshot
from test_dashboard import click, css, go, local_time, sign_in, text_of, texts, wait_for


class Receiver:
    """A webhook target on 127.0.0.1: it records the POSTs (path and Agentic-Delivery header) and
    answers 503 on /down; elsewhere 500 to the first request of the path, 204 afterwards."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    first = all(path != self.path for path, _ in receiver.deliveries)
                    receiver.deliveries.append((self.path, self.headers.get("Agentic-Delivery", "")))
                status = 503 if self.path == "/down" else 500 if first else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.deliveries if p == path)

    def __enter__(self) -> "Receiver":
        return self

    def __exit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self._server.shutdown()
        self._server.server_close()


def deliveries_shown(driver: WebDriver) -> list[dict[str, str]]:
    """The deliveries table as shown: each row by column heading, with its delivery id."""
    return list(driver.execute_script(
        """const table = document.querySelector("#webhook-deliveries table");
        if (!table) return [];
        const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
        return [...table.querySelectorAll("tbody tr")].filter((tr) => tr.querySelector("[data-delivery-id]")).map((tr) =>
            Object.fromEntries([["id", tr.querySelector("[data-delivery-id]").dataset.deliveryId],
                ...[...tr.children].map((td, i) => [headings[i], td.textContent])]));"""))


def api_deliveries(api: Any, webhook_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/api/v1/webhooks/{webhook_id}/deliveries")["data"])


def test_an_admin_sees_webhooks_and_their_deliveries_and_redelivers(driver: WebDriver, base_url: str, tenant: Any) -> None:
    api = tenant.api
    with Receiver() as receiver:
        api.request("PUT", "/api/v1/webhooks/allowed-hosts", json={"hosts": ["hooks.example.com", "127.0.0.1"]})
        quiet = api.post("/api/v1/webhooks", {"url": "https://hooks.example.com/never", "types": ["x.never", "goal.completed"]})
        down = api.post("/api/v1/webhooks", {"url": receiver.url("/down"), "types": ["x.down"]})
        hook = api.post("/api/v1/webhooks", {"url": receiver.url("/hook"), "types": ["x.hook."]})
        first = api.post("/api/v1/events", {"type": "x.hook.ping", "data": {"n": 1}})
        api.post("/api/v1/events", {"type": "x.down", "data": {}})

        # The list: newest first, with their types and when they were made; the allowed hosts.
        sign_in(driver, base_url, tenant.key, "webhooks")
        assert driver.find_element(By.CSS_SELECTOR, "nav a[data-view=webhooks]").is_displayed()
        wait_for(driver, lambda d: len(css(d, "#webhook-list tbody a.webhook-url")) == 3, "three webhooks")
        assert texts(driver, "#webhook-list tbody a.webhook-url") == [hook["url"], down["url"], quiet["url"]]
        assert texts(driver, "#webhook-list tbody tr:last-child .webhook-types code") == ["x.never", "goal.completed"]
        assert local_time(driver, quiet["created_at"]) in text_of(driver, "#webhook-list tbody tr:last-child")
        assert texts(driver, "#webhook-hosts li") == ["127.0.0.1", "hooks.example.com"]
        screenshot(driver, "webhooks")

        # A webhook's deliveries: the first attempt got 500, the retry 204.
        wait_for(driver, lambda d: [x["state"] for x in api_deliveries(api, hook["webhook_id"])] == ["delivered"], "delivered (API)")
        click(driver, f"#webhook-list a[data-webhook-id='{hook['webhook_id']}']")
        wait_for(driver, lambda d: text_of(d, "#webhook-title") == hook["url"], "the webhook's page")
        [delivery] = api_deliveries(api, hook["webhook_id"])
        wait_for(driver, lambda d: len(deliveries_shown(d)) == 1, "its delivery")
        [row] = deliveries_shown(driver)
        assert row["id"] == delivery["delivery_id"] and "x.hook.ping" in row["Event"] and f"#{first['event_id']}" in row["Event"]
        assert (row["State"], row["Attempts"], row["Last status"], row["Last error"], row["Next attempt"]) == ("delivered", "2", "204", "—", "—")
        assert row["Delivered"] == local_time(driver, delivery["delivered_at"])
        screenshot(driver, "webhook-deliveries")

        # Redeliver from the page: the receiver gets it once more, and the page follows to the third attempt.
        click(driver, f"[data-action=redeliver][data-delivery-id='{delivery['delivery_id']}']")
        wait_for(driver, lambda d: receiver.count("/hook") == 3, "the redelivery at the receiver")
        assert receiver.deliveries[-1] == ("/hook", delivery["delivery_id"])
        wait_for(driver, lambda d: [(r["State"], r["Attempts"]) for r in deliveries_shown(d)] == [("delivered", "3")], "the third attempt shown")
        assert "Redelivering now" in text_of(driver, "#toast")

        # A new event of its types shows up as a delivery without a reload.
        second = api.post("/api/v1/events", {"type": "x.hook.pong", "data": {"n": 2}})
        wait_for(driver, lambda d: [(r["State"], f"#{second['event_id']}" in r["Event"]) for r in deliveries_shown(d)][:1] == [("delivered", True)],
                 "the new delivery, delivered")
        assert len(deliveries_shown(driver)) == 2

        # A receiver that keeps failing: pending, its status and error, when it is tried next.
        go(driver, f"webhooks/{down['webhook_id']}")
        wait_for(driver, lambda d: text_of(d, "#webhook-title") == down["url"], "the failing webhook's page")
        wait_for(driver, lambda d: [r["Last status"] for r in deliveries_shown(d)] == ["503"], "the failed attempt")
        [failing] = deliveries_shown(driver)
        assert failing["State"] == "pending" and int(failing["Attempts"]) >= 1 and failing["Next attempt"] != "—"
        assert "503" in failing["Last error"] and failing["Delivered"] == "—"
        screenshot(driver, "webhook-failing")
        assert console_errors(driver) == []
        # No more attempts at the receiver (the page is left first: its deliveries would be a 404).
        go(driver, "webhooks")
        wait_for(driver, lambda d: len(css(d, "#webhook-list tbody a.webhook-url")) == 3, "the list again")
        api.delete(f"/api/v1/webhooks/{down['webhook_id']}")
        wait_for(driver, lambda d: down["url"] not in texts(d, "#webhook-list tbody a.webhook-url"), "the deleted one gone, live")


@pytest.mark.parametrize("scope", ["read", "write", "approve"])
def test_other_keys_are_told_webhooks_need_an_admin_key(driver: WebDriver, base_url: str, tenant: Any, scope: str) -> None:
    tenant.api.request("PUT", "/api/v1/webhooks/allowed-hosts", json={"hosts": ["hooks.example.com"]})
    hook = tenant.api.post("/api/v1/webhooks", {"url": "https://hooks.example.com/a", "types": ["x.never"]})
    key, _ = tenant.make_key(scope)
    sign_in(driver, base_url, key, "webhooks")
    assert not driver.find_element(By.CSS_SELECTOR, "nav a[data-view=webhooks]").is_displayed()
    wait_for(driver, lambda d: "Webhooks need an admin key" in text_of(d, "#webhooks-needs-admin"), "the message")
    assert f"This is a {scope} key" in text_of(driver, "#webhooks-needs-admin")
    assert not css(driver, "#view table") and not css(driver, "[data-action]")
    go(driver, f"webhooks/{hook['webhook_id']}")
    wait_for(driver, lambda d: "Webhooks need an admin key" in text_of(d, "#webhooks-needs-admin"), "the message on a webhook's page")
    assert hook["url"] not in text_of(driver, "#view")
    assert console_errors(driver) == [], "no call was made to be refused"

    # Forced: the page's key, used by a script, is refused by the server.
    forced = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const key = sessionStorage.getItem("agentic.key");
        const call = (method, path, body) => fetch("/api/v1" + path, {method,
            headers: {"X-API-Key": key, "Content-Type": "application/json"}, body: body && JSON.stringify(body)})
            .then((r) => r.status);
        Promise.all([
            call("GET", "/webhooks"),
            call("GET", "/webhooks/allowed-hosts"),
            call("GET", "/webhooks/" + arguments[0] + "/deliveries"),
            call("PUT", "/webhooks/allowed-hosts", {hosts: ["evil.example.com"]}),
            call("POST", "/webhooks", {url: "https://hooks.example.com/b", types: ["task."]}),
        ]).then(done);
        """,
        hook["webhook_id"],
    )
    assert forced == [403, 403, 403, 403, 403]
    assert tenant.api.get("/api/v1/webhooks/allowed-hosts")["hosts"] == ["hooks.example.com"]
    assert [w["webhook_id"] for w in tenant.api.get("/api/v1/webhooks")["data"]] == [hook["webhook_id"]]
