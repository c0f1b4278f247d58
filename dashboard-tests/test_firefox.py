"""The dashboard in Firefox too (Debian's firefox-esr, headless). Debian ships no geckodriver, so
Firefox is driven over its own remote protocol, Marionette, with Mozilla's marionette_driver: the
same checks of what matters most — sign-in, counts as the API has them, a plan's graph drawn with
the right statuses and updated live."""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Iterator

import pytest
from marionette_driver.by import By
from marionette_driver.marionette import Marionette
from support import artifacts_dir

FIREFOX = os.environ.get("AGENTIC_FIREFOX") or "/usr/bin/firefox-esr"
WAIT = 15.0


@pytest.fixture
def firefox(tmp_path: Any) -> Iterator[Marionette]:
    if not os.access(FIREFOX, os.X_OK):
        pytest.fail(f"no {FIREFOX} (scripts/system-tools firefox installs it)")
    # Port 0 lets Firefox pick a free port for Marionette; marionette_driver reads it back.
    browser = Marionette(host="127.0.0.1", port=0, bin=FIREFOX, headless=True, startup_timeout=60,
                         gecko_log=str(tmp_path / "gecko.log"))
    browser.start_session()
    try:
        browser.set_window_rect(width=1280, height=800)
        yield browser
    finally:
        browser.delete_session()
        browser.cleanup()


def until(condition: Callable[[], Any], message: str) -> Any:
    """Polls `condition` until it is truthy; bounded like the Chromium tests' waits."""
    deadline = time.monotonic() + WAIT
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.1)


def test_the_dashboard_works_in_firefox(firefox: Marionette, base_url: str, tenant: Any) -> None:
    api = tenant.api
    goal = api.post("/api/v1/goals", {"goal_text": "firefox"})
    plan = api.post("/api/v1/plans", {"goal_id": goal["goal_id"], "name": "in firefox", "tasks": [
        {"ref": "a", "name": "a"}, {"ref": "b", "name": "b", "depends_on_refs": ["a"]}, {"ref": "c", "name": "c", "depends_on_refs": ["a"]}]})
    agent = api.post("/api/v1/agents", {"name": "fox"})
    first = api.post("/api/v1/tasks/claim", {"agent_id": agent["agent_id"]})["data"][0]
    api.post(f"/api/v1/tasks/{first['task_id']}/complete", {"agent_id": agent["agent_id"], "outputs": {}})

    firefox.navigate(f"{base_url}/ui")
    firefox.find_element(By.ID, "key").send_keys(tenant.key)
    firefox.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    until(lambda: firefox.execute_script("return document.getElementById('identity').textContent"), "signed in")

    stats = api.get("/api/v1/stats")
    shown = lambda: firefox.execute_script(  # noqa: E731
        "return Object.fromEntries([...document.querySelectorAll('#tasks-by-status [data-count]')]"
        ".map((e) => [e.dataset.status, Number(e.dataset.count)]))")
    until(lambda: shown() == stats["tasks"], "task counts as the API has them")

    firefox.execute_script("location.hash = arguments[0]", script_args=[f"#/plans/{plan['plan_id']}"])
    nodes = lambda: firefox.execute_script(  # noqa: E731
        "return Object.fromEntries([...document.querySelectorAll('#plan-graph [data-task-id]')]"
        ".map((n) => [n.dataset.taskId, n.dataset.status]))")
    truth = {t["task_id"]: t["status"] for t in api.get("/api/v1/tasks", {"plan_id": plan["plan_id"]})["data"]}
    until(lambda: nodes() == truth, "the graph with the API's statuses")

    # Live, without a reload: a claim turns a node blue.
    second = api.post("/api/v1/tasks/claim", {"agent_id": agent["agent_id"]})["data"][0]
    until(lambda: nodes().get(second["task_id"]) == "running", "the claimed task running in the graph")
    (artifacts_dir() / "firefox-plan.png").write_bytes(firefox.screenshot(format="binary"))
